"""Keeping the full-text index in step with the rows it indexes.

The owning write paths call `touch(source_key, values)` — the findings import, the record's
save — rather than a post_save signal: the import pipeline writes in bulk (insert_rows /
update_rows) where no signal fires, and the project keeps one write path per change, so
that path is where the index is told. `touch` defers the work to `transaction.on_commit`:
segmenting is done after the write transaction has released SQLite's single writer lock, a
rolled-back write leaves the index untouched, and the rows a write touched are refreshed
together in one short transaction of their own. If the process dies between the
commit and the refresh the index is stale, never wrong about scope (search re-reads every
hit through `visible_to`); `tanhua reindex` rebuilds it from the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction

from tanhua.search import registry, segment
from tanhua.search.models import SearchDocument

CHUNK = 1000


def touch(source_key: str, values: Iterable, *, field_name: str = "pk") -> None:
    """Refresh the index rows of the source's rows whose `field_name` is among `values`, once
    the current transaction commits (at once outside one). One callback per call: a write
    path touches all its rows at once, and a callback registered inside a savepoint that
    rolls back goes with it."""
    registry.get(source_key)  # an unknown key fails here, in the write path's tests
    values = set(values)
    if values:
        transaction.on_commit(lambda: refresh(source_key, values, field_name=field_name))


def refresh(source_key: str, values: Iterable, *, field_name: str = "pk") -> int:
    """Re-index the rows of one source matched by `field_name`; returns how many were
    indexed. Rows that no longer exist (looked up by pk) lose their index row."""
    source = registry.get(source_key)
    values = sorted(set(values), key=str)
    done = 0
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        rows = list(source.every_row().filter(**{f"{field_name}__in": chunk}))
        done += _write(source, rows)
        if field_name == "pk":
            gone = set(chunk) - {r.pk for r in rows}
            if gone:
                SearchDocument.objects.filter(source=source.key, object_id__in=gone).delete()
    return done


@transaction.atomic
def _write(source: registry.DocumentSource, rows: list) -> int:
    if not rows:
        return 0
    texts = source.texts(rows)
    SearchDocument.objects.filter(source=source.key, object_id__in=list(texts)).delete()
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                source=source.key, object_id=pk, body=text, tokens=segment.index_text(text)
            )
            for pk, text in texts.items()
        ],
        batch_size=500,
    )
    return len(texts)


def rebuild(
    keys: list[str] | None = None, *, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, int]:
    """Index every row of the given sources (all by default) afresh: {key: rows indexed}."""
    out = {}
    for source in registry.sources():
        if keys and source.key not in keys:
            continue
        pks = list(source.every_row().order_by("pk").values_list("pk", flat=True))
        with transaction.atomic():
            SearchDocument.objects.filter(source=source.key).exclude(
                object_id__in=source.every_row().values("pk")
            ).delete()
        done = 0
        for start in range(0, len(pks), CHUNK):
            done += refresh(source.key, pks[start : start + CHUNK])
            if progress:
                progress(source.key, done, len(pks))
        out[source.key] = done
    return out
