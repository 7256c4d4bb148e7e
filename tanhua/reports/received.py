"""The received annexes summed (the national office's view of many committees' 专报): the
page, `tanhua report summary` and its Word summary report. Aggregates only: an annex names
no one."""

from __future__ import annotations

from django.utils import timezone

from tanhua.audit import services as audit
from tanhua.reports import annex, gongwen, writing
from tanhua.reports.models import ReportKind
from tanhua.reports.services import watermark_text


def summary_sections(year: int, agg: dict) -> list[tuple[str, str]]:
    """The summary report over received annexes (the national office's view)."""
    t = agg["talks"]
    areas = "，".join(
        f"{writing.area_label(a)}方面{n}个" for a, n in sorted(agg["problems_by_area"].items())
    )
    r = agg["rectification"]
    rows = "\n".join(
        f"{row['name']}：谈话{row['held']}人次，问题{row['problems']}个，"
        f"举措{row['measures']}项（已销号{row['closed']}项，逾期{row['overdue']}项）。"
        for row in agg["rows"]
    )
    return [
        ("", f"现将{agg['committees']}个党委报送的{year}年度政治监督谈话数据汇总如下。"),
        ("一、谈话开展情况", f"共谈话{t.get('held', 0)}人次。"),
        ("二、发现的主要问题", f"共指出问题{agg['problems']}个，其中{areas}。"),
        (
            "三、整改落实情况",
            f"共制定整改举措{r.get('total', 0)}项，已销号{r.get('closed', 0)}项，"
            f"逾期{r.get('overdue', 0)}项。",
        ),
        ("四、各地情况", rows or "尚未收到数据附件。"),
    ]


def received(actor, year: int):
    from tanhua.reports.models import ReceivedAnnex

    qs = (
        ReceivedAnnex.objects.unscoped("the operator's summary of received annexes")
        if actor is None
        else ReceivedAnnex.objects.visible_to(actor)
    )
    return qs.filter(year=year, kind=ReportKind.SPECIAL)


def aggregate_received(actor, year: int | None) -> dict:
    """The sum of the 专报 annexes received for a year (the page and the summary report):
    each committee once, by its latest annex (a superseded one sent again, or one annex
    received at two offices below, is not summed twice)."""
    from django.db.models import F

    rows = (
        received(actor, year)
        .order_by("committee_code", F("generated_at").desc(nulls_last=True), "-pk")
        .values("committee_code", "committee_name", "figures", "sha256")
    )
    latest: dict[str, dict] = {}
    for r in rows:
        latest.setdefault(r["committee_code"], r)
    return annex.aggregate(
        [
            {"committee": {"code": r["committee_code"], "name": r["committee_name"]},
             "figures": r["figures"], "sha256": r["sha256"]}
            for r in latest.values()
        ]
    )  # fmt: skip


def summary_document(*, actor, year: int, organ: str) -> tuple[bytes, dict]:
    agg = aggregate_received(actor, year)
    gw = gongwen.Gongwen(
        organ=organ,
        title=f"关于{year}年度各地党内政治监督谈话工作情况的汇总报告",
        body=writing.body_blocks(summary_sections(year, agg)),
        recipients="",
        date_text=writing.chinese_date(timezone.localdate()),
        watermark=watermark_text(actor) if actor is not None else "",
    )
    data = gongwen.build(gw)
    audit.record(
        "annex.export", object_type="annex", object_id=str(year),
        object_repr=gw.title, detail={"committees": agg["committees"]}, actor=actor,
    )  # fmt: skip
    return data, agg
