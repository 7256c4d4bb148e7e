#!/usr/bin/env python
"""Django's management entry point; `tanhua` is the user-facing one."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
