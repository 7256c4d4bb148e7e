"""pytest plugin loaded with `-p` (pyproject's addopts): the test environment variables.

pytest-django reads the settings while loading the initial conftests, before the root
conftest.py runs, so variables the settings read at import time must be set here.
"""

import os

os.environ.setdefault("TANHUA_TESTING", "1")
os.environ.setdefault("TANHUA_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("TANHUA_AUDIT_KEY", "test-audit-key-not-secret")
os.environ.setdefault("TANHUA_REQUIRE_TOTP", "0")
# The tests, and the commands they start, look at the audit anchor right after a commit:
# it is written after every one (the deferred writes have tests of their own).
os.environ.setdefault("TANHUA_AUDIT_ANCHOR_INTERVAL", "0")
# Tests change tokens and users behind the ORM's back (update()) and look again at once:
# every request resolves its token anew (the cache has tests of its own).
os.environ.setdefault("TANHUA_API_TOKEN_CACHE_SECONDS", "0")

# Tests write uploads, the audit anchor and static files under TANHUA_HOME: keep them out of
# the work tree's ./var, in a directory removed when the run ends.
if not os.environ.get("TANHUA_HOME"):
    import atexit
    import shutil
    import tempfile

    _home = tempfile.mkdtemp(prefix="tanhua-test-")
    os.environ["TANHUA_HOME"] = _home
    atexit.register(shutil.rmtree, _home, ignore_errors=True)
# whitenoise warns on every request when STATIC_ROOT does not exist.
os.makedirs(
    os.environ.get("TANHUA_STATIC_ROOT") or os.path.join(os.environ["TANHUA_HOME"], "static"),
    exist_ok=True,
)
