"""The caller's own notices over the REST API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema

from tanhua.api.schemas import READ_ERRORS, PageQuery, paginate
from tanhua.notices.models import Notice

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read: bool


class NoticePage(Schema):
    count: int
    unread: int
    items: list[NoticeOut]


class NoticeQuery(PageQuery):
    unread: bool | None = Field(None, description="true 只列未读")


@router.get(
    "/notices",
    response={200: NoticePage, **READ_ERRORS},
    summary="我的通知",
    operation_id="list_notices",
)
def list_notices(request, query: Query[NoticeQuery]):
    mine = Notice.objects.visible_to(request.auth)
    qs = mine.unread() if query.unread else mine
    count, rows = paginate(qs, query)
    return {
        "count": count,
        "unread": mine.unread().count(),
        "items": [
            {
                "id": n.pk,
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "url": n.url,
                "created_at": n.created_at,
                "read": n.read_at is not None,
            }
            for n in rows
        ],
    }
