"""Talk records in the full-text search (tanhua/search/registry.py): the record's sections
and the problems pointed out, searched by staff and the talk's talker — not the recorder: a
record names its subject, whose registry entry a recorder may not open. Each hit is read
through TalkRecord.visible_to(user); the write path (services/record.save) touches the
index."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.search.registry import DocumentSource, register

RECORD = "talk_record"
SEARCH_ROLES = frozenset(R.PLAN_TALKS | {R.Role.TALKER})


def _problems(records: list) -> dict[int, list[str]]:
    from tanhua.talks.models import RecordProblem

    out: dict[int, list[str]] = {}
    rows = RecordProblem.objects.unscoped("search index: a record's problems are its text")
    for record_id, text in (
        rows.filter(record_id__in=[r.pk for r in records])
        .order_by("record_id", "order", "pk")
        .values_list("record_id", "text")
    ):
        out.setdefault(record_id, []).append(text)
    return out


def _title(record) -> str:
    talk = record.talk
    return (
        f"{talk.subject.name}（{talk.subject_title}）谈话记录"
        if talk.subject_title
        else (f"{talk.subject.name} 谈话记录")
    )


def _detail(record) -> str:
    talk = record.talk
    when = f"{talk.held_on:%Y-%m-%d}" if talk.held_on else str(_("尚未谈话"))
    return f"{talk.get_type_display()} · {when}"


register(
    DocumentSource(
        key=RECORD,
        label=_("谈话记录"),
        model="talks.TalkRecord",
        fields=("overall_evaluation", "explanation", "suggestions", "requirements"),
        extra_text=_problems,
        allowed=lambda user: scoping.has_any(user, SEARCH_ROLES),
        title=_title,
        url=lambda record: reverse("talks:detail", kwargs={"pk": record.talk_id}),
        detail=_detail,
        related=("talk__subject",),
    )
)
