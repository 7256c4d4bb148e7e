"""pytest plugin loaded with `-p` (pyproject's addopts): the test environment variables.

pytest-django reads the settings while loading the initial conftests, before the root
conftest.py runs, so variables the settings read at import time must be set here.
"""

import os

os.environ.setdefault("TANHUA_TESTING", "1")
os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("TANHUA_AUDIT_KEY", "test-audit-key-not-secret")
os.environ.setdefault("TANHUA_REQUIRE_TOTP", "0")
