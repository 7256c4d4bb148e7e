"""The document sources of the full-text search: what each app makes searchable.

An app registers a `DocumentSource` from a module named `fulltext.py` (found at start-up,
like the admin's `admin.py`): the model, the fields whose text is indexed (and any related
text, say a record's problems), who may search it, the user's scoped queryset, and the title,
detail and link of a hit. Search never reads a row but through `visible(user)`, so a source
cannot show what its model's `visible_to(user)` hides; the index itself is only a list of
candidate ids, joined against that queryset in the database.

Attachments (tanhua/files) become searchable with one more `fulltext.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DocumentSource:
    """One kind of searchable row.

    - `key`: stored with each index row ("finding"); never rename one without reindexing.
    - `model`: "app_label.ModelName"; its manager must offer `visible_to(user)`.
    - `fields`: the model's text fields, indexed in this order.
    - `extra_text(rows)`: {pk: [text, …]} for text held elsewhere (a record's problems).
    - `allowed(user)`: whether the user may search this source at all.
    - `title(row)`, `url(row)`, `detail(row)`: how a hit reads; only called on rows fetched
      through `visible(user)`.
    - `related`: select_related() for the hits' page (what title and detail read).
    """

    key: str
    label: str
    model: str
    fields: tuple[str, ...]
    allowed: Callable[[object], bool]
    title: Callable[[object], str]
    url: Callable[[object], str]
    detail: Callable[[object], str] = lambda row: ""
    extra_text: Callable[[list], dict[int, list[str]]] | None = None
    related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = field(default_factory=tuple)

    @property
    def model_class(self):
        return apps.get_model(self.model)

    def visible(self, user):
        """The rows `user` may open: the one way search reads this source for a person."""
        return self.model_class.objects.visible_to(user)

    def every_row(self):
        """All rows, for the indexer (the operator's reindex and the on-commit refresh): the
        index holds text of rows nobody may see yet, and search joins it against scope."""
        manager = self.model_class.objects
        if hasattr(manager, "unscoped"):
            return manager.unscoped("search index: every row is indexed, search joins scope")
        return manager.all()

    def texts(self, rows: list) -> dict[int, str]:
        """{pk: the text to index} for rows of this source."""
        extra = self.extra_text(rows) if self.extra_text else {}
        out = {}
        for row in rows:
            parts = [getattr(row, name) or "" for name in self.fields]
            parts += extra.get(row.pk, [])
            out[row.pk] = "\n".join(p for p in parts if p.strip())
        return out


_sources: dict[str, DocumentSource] = {}


def register(source: DocumentSource) -> DocumentSource:
    if source.key in _sources and _sources[source.key] != source:
        raise ValueError(f"search source {source.key!r} is registered twice")
    _sources[source.key] = source
    return source


def sources() -> list[DocumentSource]:
    return list(_sources.values())


def get(key: str) -> DocumentSource:
    return _sources[key]


def allowed_sources(user) -> list[DocumentSource]:
    return [s for s in _sources.values() if s.allowed(user)]


def discover() -> None:
    autodiscover_modules("fulltext")


def keys(items: Iterable[DocumentSource]) -> list[str]:
    return [s.key for s in items]
