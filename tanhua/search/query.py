"""Full-text search (DESIGN §8): the query segmented like the stored text, an AND of its
terms (each term, or all its pieces: segment.query_groups), ranked by the database (bm25
on SQLite FTS5, ts_rank on PostgreSQL), and SCOPED in the database: each source's hits are
joined against `visible_to(user)` inside the one query that ranks, pages and counts them, so
a hidden row can neither show nor be counted nor shift a page. The hits of a page are then
fetched through `visible_to(user)` too, which notes them for the read audit
(ScopedQuerySet, ReadAuditMiddleware)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tanhua.search import registry, segment
from tanhua.search.highlight import snippet
from tanhua.search.models import SearchDocument

PER_PAGE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class TextHit:
    source: str
    label: str
    title: str
    detail: str
    url: str
    snippet: SafeString
    rank: float


@dataclass
class TextResults:
    query: str
    terms: list[str] = field(default_factory=list)
    hits: list[TextHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    per_page: int = PER_PAGE
    message: str = ""

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def can_search(user) -> bool:
    return bool(registry.allowed_sources(user))


def _scope(user, sources) -> tuple[str, list]:
    """SQL true for index rows of a source row the user may see (an OR over the sources)."""
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    parts, params = [], []
    for source in sources:
        try:
            sql, sub = source.visible(user).order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            continue  # visible_to(user) is none(): nothing of this source is theirs
        parts.append(f"({table}.source = %s AND {table}.object_id IN ({sql}))")
        params += [source.key, *sub]
    if not parts:
        return "", []
    return "(" + " OR ".join(parts) + ")", params


def _fts5(groups: list[list[list[str]]]) -> str:
    """An FTS5 MATCH expression; every word quoted (they are plain words anyway)."""

    def word(w: str) -> str:
        return '"' + w.replace('"', '""') + '"'

    def alternative(words: list[str]) -> str:
        return "(" + " AND ".join(word(w) for w in words) + ")"

    return " AND ".join("(" + " OR ".join(alternative(a) for a in g) + ")" for g in groups)


def _tsquery(groups: list[list[list[str]]]) -> tuple[str, list]:
    """A tsquery built from plainto_tsquery of each alternative (its words ANDed), combined
    with || and &&: only parameters, never a tsquery string parsed from input."""
    parts, params = [], []
    for group in groups:
        parts.append("(" + " || ".join("plainto_tsquery('simple', %s)" for _a in group) + ")")
        params += [" ".join(a) for a in group]
    return "(" + " && ".join(parts) + ")", params


def _match_sql(groups: list[list[list[str]]]) -> tuple[str, str, list, list]:
    """(FROM … WHERE match, ORDER BY rank, params of the first, params of the second) for the
    vendor."""
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    if connection.vendor == "sqlite":
        return (
            f"FROM search_fts JOIN {table} ON {table}.id = search_fts.rowid "
            "WHERE search_fts MATCH %s",
            f"bm25(search_fts), {table}.id",
            [_fts5(groups)],
            [],
        )
    tsquery, params = _tsquery(groups)
    return (
        f"FROM {table} WHERE {table}.vector @@ {tsquery}",
        f"ts_rank({table}.vector, {tsquery}) DESC, {table}.id",
        params,
        params,
    )


def _clean_page(value) -> int:
    try:
        page = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return max(1, min(page, 10_000))


def search(user, q: str, *, page=1, per_page: int = PER_PAGE, source: str = "") -> TextResults:
    """One page of the hits of `q` the user may see, best first, with the total they may see."""
    q = (q or "").replace("\x00", "").strip()[: segment.MAX_QUERY]
    per_page = max(1, min(int(per_page), MAX_PAGE_SIZE))
    results = TextResults(query=q, page=_clean_page(page), per_page=per_page)
    sources = registry.allowed_sources(user)
    if source:
        sources = [s for s in sources if s.key == source]
        if not sources:
            results.message = _("没有这类内容可供搜索。")
            return results
    if not q:
        return results
    results.terms = segment.query_terms(q)
    if not results.terms:
        results.message = _("请输入要查找的字词（标点和符号不参与搜索）。")
        return results
    scope, scope_params = _scope(user, sources)
    if not scope:
        return results
    table = connection.ops.quote_name(SearchDocument._meta.db_table)
    base, order, match_params, order_params = _match_sql(segment.query_groups(q))
    where = f"{base} AND {scope}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {where}", [*match_params, *scope_params])
        results.total = cursor.fetchone()[0]
        results.pages = math.ceil(results.total / per_page) if results.total else 0
        results.page = min(results.page, max(results.pages, 1))
        cursor.execute(
            f"SELECT {table}.source, {table}.object_id, {table}.body {where} "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [*match_params, *scope_params, *order_params, per_page, (results.page - 1) * per_page],
        )
        rows = cursor.fetchall()
    results.hits = _hits(user, rows, segment.highlight_terms(q))
    return results


def _hits(user, rows, terms: list[str]) -> list[TextHit]:
    """The page's hits in rank order, each row re-read through its source's scope (a row that
    left the user's scope since the ranking query is dropped, not shown)."""
    wanted: dict[str, list[int]] = {}
    for key, object_id, _body in rows:
        wanted.setdefault(key, []).append(object_id)
    objects: dict[tuple[str, int], object] = {}
    for key, ids in wanted.items():
        source = registry.get(key)
        qs = source.visible(user).filter(pk__in=ids)
        if source.related:
            qs = qs.select_related(*source.related)
        if source.prefetch:
            qs = qs.prefetch_related(*source.prefetch)
        objects.update({(key, obj.pk): obj for obj in qs})
    hits = []
    for rank, (key, object_id, body) in enumerate(rows):
        obj = objects.get((key, object_id))
        if obj is None:
            continue
        source = registry.get(key)
        hits.append(
            TextHit(
                source=key,
                label=str(source.label),
                title=source.title(obj),
                detail=source.detail(obj),
                url=source.url(obj),
                snippet=snippet(body, terms),
                rank=float(rank),
            )
        )
    return hits
