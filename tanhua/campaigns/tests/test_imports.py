"""Import kinds `talks` and `meetings` (DESIGN §6): resolved as the importer sees them,
matched so a second import changes nothing, all-or-nothing with problems in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from tanhua.audit.models import AuditEntry
from tanhua.campaigns.models import Campaign, TeamMeeting
from tanhua.core.testing import add_scope_probes
from tanhua.exchange.services import ImportRejected, import_tables
from tanhua.talks.models import Talk

pytestmark = pytest.mark.django_db
UNKNOWN_CADRE = "干部编号“{}”不存在或不在您的管辖范围内"
UNKNOWN_ORG = "组织编码“{}”不存在或不在您的管辖范围内"


def row(subject="GK11", **kw):
    return {
        "campaign": "2025",
        "committee_code": "C1",
        "talker_code": "GC1",
        "subject_code": subject,
        "type": "政治监督谈话",
        "held_on": "2025-06-10",
        "status": "",
        **kw,
    }


def lines(exc):
    return [(p.row, p.column, p.message) for p in exc.problems]


def test_a_ledger_of_talks_creates_the_campaign_and_its_talks(owner, world):
    report = import_tables(
        {"talks": [row(), row("GC1M", type="诫勉谈话", held_on="", status="planned")]},
        actor=owner,
    )
    assert report.changed
    campaign = Campaign.objects.unscoped("test").get(committee__code="C1", year=2025)
    assert (campaign.window_start, campaign.window_end) == (
        dt.date(2025, 5, 15),
        dt.date(2025, 7, 10),
    )
    talks = {t.subject.code: t for t in Talk.objects.unscoped("test").filter(campaign=campaign)}
    assert talks["GK11"].status == "held" and talks["GK11"].held_on == dt.date(2025, 6, 10)
    assert talks["GK11"].subject_org.code == "K11" and talks["GK11"].subject_title == "县委书记"
    assert talks["GC1M"].type == "admonition" and talks["GC1M"].status == "planned"
    assert AuditEntry.objects.filter(action="talk.import").exists()


def test_importing_the_same_ledger_twice_changes_nothing(owner, world):
    import_tables({"talks": [row()]}, actor=owner)
    again = import_tables({"talks": [row()]}, actor=owner)
    assert not again.changed
    assert Talk.objects.unscoped("test").count() == 1


def test_a_changed_row_updates_the_matched_talk(owner, world):
    import_tables({"talks": [row(held_on="", status="planned")]}, actor=owner)
    import_tables({"talks": [row()]}, actor=owner)
    talk = Talk.objects.unscoped("test").get()
    assert (talk.status, talk.held_on) == ("held", dt.date(2025, 6, 10))


def test_out_of_scope_codes_read_the_same_as_unknown_ones_and_nothing_is_written(owner, world):
    add_scope_probes(world)
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {
                "talks": [
                    row("GC2"),  # a sibling city's cadre
                    row("GSECRET"),  # above clearance
                    row("GDECL"),  # declared 回避
                    row("NOSUCH"),
                    row("GT111", committee_code="C2"),
                    row("GT111", committee_code="ZZ"),
                ]
            },
            actor=owner,
        )
    assert lines(exc.value) == [
        (2, "subject_code", UNKNOWN_CADRE.format("GC2")),
        (3, "subject_code", UNKNOWN_CADRE.format("GSECRET")),
        (4, "subject_code", UNKNOWN_CADRE.format("GDECL")),
        (5, "subject_code", UNKNOWN_CADRE.format("NOSUCH")),
        (6, "committee_code", UNKNOWN_ORG.format("C2")),
        (7, "committee_code", UNKNOWN_ORG.format("ZZ")),
    ]
    assert not Talk.objects.unscoped("test").exists()
    assert not Campaign.objects.unscoped("test").exists()


def test_bad_cells_are_named_by_row_and_column_in_chinese(owner, world):
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {
                "talks": [
                    row(campaign="去年"),
                    row(type="闲聊"),
                    row("GT111", held_on="2025-13-40"),
                    row(talker_code="GK11"),
                    row("GC1M"),
                    row("GC1M"),
                ]
            },
            actor=owner,
        )
    found = lines(exc.value)
    assert found[0] == (2, "campaign", "年度“去年”无效，应为 2000–2100 之间的年份")
    assert found[1][:2] == (3, "type") and "不是有效的取值" in found[1][2]
    assert found[2][:2] == (4, "held_on") and "日期“2025-13-40”无效" in found[2][2]
    assert found[3] == (5, "subject_code", "谈话人与被谈话人不能是同一人")
    assert found[4][0] == 7 and "与第6行重复" in found[4][2]


def test_the_operator_imports_from_the_command_line_as_everyone(world):
    import_tables({"talks": [row("GC2", committee_code="P", talker_code="GP1")]}, actor=None)
    assert Talk.objects.unscoped("test").get().subject.code == "GC2"


def test_meeting_dates_import_and_reimport_without_change(owner, world):
    rows = [
        {"org_code": "K11", "year": "2026", "date": "2026-07-01"},
        {"org_code": "T111", "year": "2026", "date": "2026年6月20日"},
    ]
    import_tables({"meetings": rows}, actor=owner)
    assert TeamMeeting.objects.get(organization__code="T111").date == dt.date(2026, 6, 20)
    assert not import_tables({"meetings": rows}, actor=owner).changed
    rows[0]["date"] = "2026-06-30"
    import_tables({"meetings": rows}, actor=owner)
    assert TeamMeeting.objects.get(organization__code="K11").date == dt.date(2026, 6, 30)


def test_a_meeting_outside_scope_or_year_is_refused(owner, world):
    with pytest.raises(ImportRejected) as exc:
        import_tables(
            {
                "meetings": [
                    {"org_code": "C2", "year": "2026", "date": "2026-07-01"},
                    {"org_code": "K11", "year": "2026", "date": "2025-07-01"},
                ]
            },
            actor=owner,
        )
    assert lines(exc.value) == [
        (2, "org_code", UNKNOWN_ORG.format("C2")),
        (3, "date", "民主生活会日期应在 2026 年内"),
    ]
    assert not TeamMeeting.objects.exists()
