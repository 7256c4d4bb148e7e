"""Static files are served from the apps without collectstatic, and the finders' listing is
read once per process, not once per middleware instance (each test client builds its own)."""

from __future__ import annotations

from django.test import Client

from tanhua.core import middleware


def test_a_vendored_asset_is_served_from_the_apps_to_every_new_client(monkeypatch):
    listings = []
    original = middleware.WhiteNoiseMiddleware.add_files_from_finders

    def counted(self):
        listings.append(self)
        original(self)

    monkeypatch.setattr(middleware.WhiteNoiseMiddleware, "add_files_from_finders", counted)
    monkeypatch.setattr(middleware, "_FINDER_FILES", {})
    answers = [Client().get("/static/tanhua/vendor/htmx-2.0.11.min.js") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert b"htmx" in b"".join(answers[0].streaming_content)
    assert len(listings) == 1


def test_a_file_no_finder_holds_is_not_found(db):
    assert Client().get("/static/tanhua/vendor/no-such-file.js").status_code == 404
