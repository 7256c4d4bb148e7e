"""The static files middleware (StaticFilesMiddleware, WhiteNoise over the finders) serves
what the finders list and nothing beside it: no path out of the static folders, whether the
listing is the cached one or WhiteNoise looks each file up per request (autorefresh)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tanhua.core import middleware

OUTSIDE = [
    "/static/../settings.py",
    "/static/tanhua/../../settings.py",
    "/static/tanhua/%2e%2e/%2e%2e/settings.py",
    "/static/%2e%2e/%2e%2e/tanhua/settings.py",
    "/static/..%2f..%2ftanhua%2fsettings.py",
    "/static/tanhua/vendor/..%5c..%5c..%5csettings.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/tanhua/core/models.py",
    "/static/core/models.py",
    "/static/tanhua/css/../../../core/models.py",
]


@pytest.mark.parametrize("url", OUTSIDE)
def test_no_path_out_of_the_static_folders_is_served(url, db, monkeypatch):
    monkeypatch.setattr(middleware, "_FINDER_FILES", {})
    answer = Client().get(url)
    assert answer.status_code == 404
    assert b"SECRET_KEY" not in b"".join(getattr(answer, "streaming_content", [answer.content]))


@pytest.mark.parametrize("url", OUTSIDE)
def test_no_path_out_of_the_static_folders_is_served_when_files_are_looked_up_per_request(
    url, db, monkeypatch
):
    monkeypatch.setattr(middleware, "_FINDER_FILES", {})
    with override_settings(WHITENOISE_AUTOREFRESH=True):
        answer = Client().get(url)
    assert answer.status_code == 404
    assert b"SECRET_KEY" not in b"".join(getattr(answer, "streaming_content", [answer.content]))
