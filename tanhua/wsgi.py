"""WSGI entry point for gunicorn (`tanhua serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tanhua.settings")
application = get_wsgi_application()
