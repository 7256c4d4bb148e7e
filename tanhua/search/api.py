"""Search over the REST API. The quick find has no operation of its own: scripts list
organizations and cadres through the registry's endpoints (`/api/v1/organizations`,
`/api/v1/cadres?q=`). The full-text search is GET /search?q=: the same query, ranking and
scope as the page (tanhua/search/query.py)."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from tanhua.api.schemas import READ_ERRORS, SearchText
from tanhua.core import scoping
from tanhua.search import query

router = Router(tags=["search"])


class TextSearchQuery(Schema):
    q: SearchText = Field("", description="要查找的词语（按中文分词，多个词须同时出现）")
    source: str = Field("", max_length=32, description="只搜一类：finding、talk_record 等")
    page: int = Field(1, ge=1, le=10_000, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=query.MAX_PAGE_SIZE, description="每页条数，最多 100")


class TextHitOut(Schema):
    source: str
    source_label: str
    title: str
    detail: str
    url: str
    snippet: str = Field(description="摘要（HTML：已转义，命中词以 <mark> 标出）")


class TextSearchOut(Schema):
    count: int
    page: int
    pages: int
    terms: list[str] = Field(description="查询分出的词")
    message: str
    items: list[TextHitOut]


@router.get(
    "/search",
    response={200: TextSearchOut, **READ_ERRORS},
    summary="全文搜索（问题线索、谈话记录等，仅限有权查看的内容）",
    operation_id="text_search",
)
def text_search(request, params: Query[TextSearchQuery]):
    user = request.auth
    scoping.require(query.can_search(user))
    results = query.search(
        user, params.q, page=params.page, per_page=params.page_size, source=params.source
    )
    return {
        "count": results.total,
        "page": results.page,
        "pages": results.pages,
        "terms": results.terms,
        "message": results.message,
        "items": [
            {
                "source": h.source,
                "source_label": h.label,
                "title": h.title,
                "detail": h.detail,
                "url": h.url,
                "snippet": str(h.snippet),
            }
            for h in results.hits
        ],
    }
