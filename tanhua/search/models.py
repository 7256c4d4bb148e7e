"""The full-text index (DESIGN §8). The quick find in the top bar keeps no table: it reads
the registry through its scoped querysets."""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    """One indexed row of a document source (tanhua/search/registry.py): its source key and
    id, the text as stored for snippets (`body`) and that text pre-segmented by rjieba into
    space-separated words (`tokens`).

    The database's own index sits beside it, made by migration 0001: on SQLite the FTS5 table
    `search_fts` (tokenizer `unicode61`, kept in step by triggers), on PostgreSQL the
    generated `tsvector` column `vector` (`simple` config) with a GIN index. Not about a
    person by itself: search reads the source rows through `visible_to(user)`."""

    source = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    body = models.TextField()
    tokens = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "搜索索引"
        verbose_name_plural = "搜索索引"
        constraints = [
            models.UniqueConstraint(fields=["source", "object_id"], name="search_document_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.object_id}"
