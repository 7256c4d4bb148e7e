"""Importing indicators, indicator values and findings (DESIGN §6) through the generic
pipeline: Chinese headers, problems by row and column in Chinese, codes resolved as the
importer sees them, re-import changes nothing, all-or-nothing, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tanhua.accounts.models import ConflictDeclaration
from tanhua.audit.models import AuditEntry
from tanhua.core.testing import add_scope_probes
from tanhua.evidence.models import Finding, FocusAreaSource, Indicator, IndicatorValue
from tanhua.evidence.services import correct_focus_area
from tanhua.evidence.testing import make_finding
from tanhua.exchange import parsers
from tanhua.exchange.services import ImportRejected, import_files, import_tables
from tanhua.org.messages import CODE_UNAVAILABLE

INDICATORS = [
    {"code": "PM25", "name": "PM2.5年均浓度", "unit": "微克/立方米", "direction": "越低越好",
     "focus_area": "A1"},
    {"code": "KH", "name": "综合考核得分", "unit": "分", "direction": "higher_better",
     "focus_area": ""},
]  # fmt: skip
VALUES = [
    {"org_code": "C1", "indicator_code": "PM25", "period": "2019", "value": 38.5, "target": 35},
    {"org_code": "C1", "indicator_code": "PM25", "period": "2020", "value": "41", "target": ""},
    {"org_code": "K11", "indicator_code": "KH", "period": "2020", "value": "1,234.25"},
]


def finding(code="F1", org="K11", text="县委书记插手工程招投标，为亲属企业承揽项目", **more):
    return {
        "code": code, "org_code": org, "cadre_code": "", "source": "巡视巡察",
        "date": "2020-05-14", "severity": "3", "focus_area": "", "text": text, **more,
    }  # fmt: skip


def rejected(tables, actor):
    with pytest.raises(ImportRejected) as exc:
        import_tables(tables, actor=actor)
    return [(p.row, p.column, p.message) for p in exc.value.problems]


def all_findings():
    return Finding.objects.unscoped("test")


def test_indicators_and_their_values_import_and_reimport_changes_nothing(owner, world):
    tables = {"indicators": INDICATORS, "indicator_values": VALUES}
    report = import_tables(tables, actor=owner)
    assert report.counts["indicators"].created == 2
    assert report.counts["indicator_values"].created == 3
    assert Indicator.objects.get(code="PM25").direction == "lower_better"
    value = IndicatorValue.objects.get(organization__code="K11", indicator__code="KH")
    assert value.value == Decimal("1234.25") and value.target is None
    again = import_tables(tables, actor=owner)
    assert again.changed == 0
    assert again.counts["indicator_values"].unchanged == 3


def test_a_changed_value_updates_the_same_row_and_is_audited(owner, world):
    import_tables({"indicators": INDICATORS, "indicator_values": VALUES}, actor=owner)
    changed = [{**VALUES[0], "value": "39.75"}]
    report = import_tables({"indicator_values": changed}, actor=owner)
    assert report.counts["indicator_values"].updated == 1
    assert IndicatorValue.objects.filter(indicator__code="PM25").count() == 2
    entry = AuditEntry.objects.filter(action="indicator_value.update").get()
    assert entry.before["value"] == "38.5" and entry.after["value"] == "39.75"


def test_values_with_bad_numbers_periods_and_unknown_codes_are_refused_by_row(owner, world):
    bad = [
        {"org_code": "C1", "indicator_code": "KH", "period": "去年", "value": "abc"},
        {"org_code": "C2", "indicator_code": "NOPE", "period": "2020", "value": "1.23456"},
    ]
    problems = rejected({"indicators": INDICATORS, "indicator_values": bad}, owner)
    assert problems == [
        (2, "period", "期间“去年”无效：应以四位年份开头，例如 2020 或 2020H1"),
        (2, "value", "“value”的值“abc”不是数字"),
        (3, "value", "“value”的值“1.23456”小数位过多（最多 4 位）"),
        # C2 exists, outside C1's scope: worded exactly like a code that names nothing.
        (3, "org_code", "组织编码“C2”不存在或不在您的管辖范围内"),
        (3, "indicator_code", "指标编码“NOPE”不存在或不在您的管辖范围内"),
    ]
    assert not Indicator.objects.exists()  # all or nothing


def test_findings_import_with_chinese_headers_and_get_a_focus_area_proposed(owner, world):
    csv = (
        "问题编号,组织编码,干部编号,来源,日期,严重程度,重点方面,问题描述\n"
        "F1,K11,GK11,巡视巡察,2020/5/14,高,,县委书记插手工程招投标，为亲属企业承揽项目\n"
        "F2,C1,,audit,2020年6月1日,1,A1,长江禁渔落实不到位\n"
    ).encode("gb18030")
    report = import_files([parsers.Upload("问题.csv", csv)], actor=owner)
    assert report.counts["findings"].created == 2
    f1 = all_findings().get(code="F1")
    assert (f1.cadre.code, f1.source, f1.severity) == ("GK11", "inspection", 3)
    assert f1.focus_area == f1.proposed_focus_area == "A4"
    assert f1.focus_area_source == FocusAreaSource.PROPOSED and 0.25 < f1.confidence <= 1
    f2 = all_findings().get(code="F2")
    assert (f2.focus_area, f2.focus_area_source, f2.proposed_focus_area) == (
        "A1", FocusAreaSource.IMPORTED, "",
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="finding.create").get().detail["count"] == 2
    assert AuditEntry.objects.filter(action="finding.propose_focus_area").exists()
    assert import_files([parsers.Upload("问题.csv", csv)], actor=owner).changed == 0


def test_a_staff_correction_survives_reimporting_the_source_file(owner, world):
    import_tables({"findings": [finding()]}, actor=owner)
    f1 = all_findings().get(code="F1")
    correct_focus_area(actor=owner, finding=f1, focus_area="A2")
    assert import_tables({"findings": [finding(focus_area="A3")]}, actor=owner).changed == 0
    f1.refresh_from_db()
    assert (f1.focus_area, f1.focus_area_source) == ("A2", FocusAreaSource.CORRECTED)


def test_a_changed_text_updates_the_finding_and_keeps_its_focus_area(owner, world):
    import_tables({"findings": [finding()]}, actor=owner)
    rows = [finding(text="插手工程项目，收受企业礼金")]
    report = import_tables({"findings": rows}, actor=owner)
    assert report.counts["findings"].updated == 1
    f1 = all_findings().get(code="F1")
    assert f1.text == "插手工程项目，收受企业礼金" and f1.focus_area == "A4"
    assert f1.version == 2


def test_bad_finding_rows_are_refused_with_one_chinese_line_each(owner, world):
    rows = [
        finding("F1", source="传闻", severity="4", date="2020-13-01"),
        finding("F2", focus_area="A5", text=""),
    ]
    assert rejected({"findings": rows}, owner) == [
        (2, "source", "“传闻”不是有效的取值，可选：assessment、personnel、development、"
         "supervision、investigation、inspection、audit、petition、综合考核、选人用人、"
         "经济社会发展、日常监督检查、审查调查、巡视巡察、审计、信访举报"),
        (2, "date", "日期“2020-13-01”无效，请写作 2020-05-14、2020/5/14 或 2020年5月14日"),
        (2, "severity", "“4”不是有效的取值，可选：low、medium、high、低、轻、一般、中、较重、高、"
         "重、严重"),
        (3, "focus_area", "重点方面“A5”无效，可选：A1、A2、A3、A4"),
        (3, "text", "“text”不能为空"),
    ]  # fmt: skip
    assert not all_findings().exists()


def test_hidden_organizations_and_cadres_read_exactly_like_unknown_ones(owner, world):
    add_scope_probes(world)
    rows = [
        finding("F1", org="C2"),
        finding("F2", org="NOPE"),
        finding("F3", cadre_code="GSECRET"),  # above the importer's clearance
        finding("F4", cadre_code="GDECL"),  # declared 回避
        finding("F5", cadre_code="GC2"),  # a cadre of the sibling city
        finding("F6", cadre_code="GNONE"),
    ]
    problems = rejected({"findings": rows}, owner)
    assert problems == [
        (2, "org_code", "组织编码“C2”不存在或不在您的管辖范围内"),
        (3, "org_code", "组织编码“NOPE”不存在或不在您的管辖范围内"),
        (4, "cadre_code", "干部编号“GSECRET”不存在或不在您的管辖范围内"),
        (5, "cadre_code", "干部编号“GDECL”不存在或不在您的管辖范围内"),
        (6, "cadre_code", "干部编号“GC2”不存在或不在您的管辖范围内"),
        (7, "cadre_code", "干部编号“GNONE”不存在或不在您的管辖范围内"),
    ]


def test_a_code_taken_by_a_finding_the_importer_cannot_see_is_unavailable(owner, world):
    make_finding(world.orgs["C2"], code="FTAKEN")
    declared = make_finding(world.orgs["K11"], code="FDECL", cadre=world.cadres["GK11"])
    ConflictDeclaration.objects.create(
        user=owner, cadre=world.cadres["GK11"], reason="kin", detail="测试"
    )
    problems = rejected({"findings": [finding("FTAKEN"), finding("FDECL")]}, owner)
    assert problems == [(2, "code", str(CODE_UNAVAILABLE)), (3, "code", str(CODE_UNAVAILABLE))]
    declared.refresh_from_db()
    assert declared.text == "巡察发现该县落实一岗双责不到位"


def test_findings_may_name_organizations_and_cadres_the_same_file_set_creates(owner, world):
    tables = {
        "organizations": [
            {"code": "K12", "name": "东城乙县委", "level": "县", "parent_code": "C1"}
        ],
        "cadres": [{"code": "GK12", "name": "乙县书记", "tier": "县管"}],
        "findings": [finding(org="K12", cadre_code="GK12")],
    }
    report = import_tables(tables, actor=owner)
    assert report.counts["findings"].created == 1
    assert all_findings().get(code="F1").organization.code == "K12"


def test_a_person_without_the_registry_role_cannot_import_findings(world):
    from tanhua.core.scoping import OutOfScope

    with pytest.raises(OutOfScope):
        import_tables({"findings": [finding()]}, actor=world.users["viewer_c1"])


def test_the_operator_imports_findings_from_the_command_line(tmp_path, world, capsys):
    from django.core.management import call_command

    path = tmp_path / "findings.csv"
    path.write_text(
        "code,org_code,source,date,severity,text\nF9,C2,petition,2020-01-02,2,文山会海\n",
        encoding="utf-8-sig",
    )
    call_command("import_files", str(path))
    assert "问题（findings）: 新增 1" in capsys.readouterr().out
    assert all_findings().get(code="F9").focus_area_source == FocusAreaSource.PROPOSED


def test_findings_upload_on_the_web_preview_then_apply_with_proposals(client, owner, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tanhua.exchange.models import BatchStatus, ImportBatch

    client.force_login(owner)
    data = (
        "问题编号,组织编码,来源,日期,严重程度,问题描述\n"
        "FW1,K11,巡视巡察,2020-05-14,2,三会一课制度执行不到位，党内政治生活不严肃\n"
    ).encode()
    client.post(reverse("exchange:upload"), {"files": [SimpleUploadedFile("findings.csv", data)]})
    batch = ImportBatch.objects.get(user=owner)
    preview = client.get(reverse("exchange:preview", args=[batch.pk])).content.decode()
    assert "FW1" in preview and not all_findings().exists()
    assert client.post(reverse("exchange:confirm", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPLIED
    fw1 = all_findings().get(code="FW1")
    assert (fw1.focus_area, fw1.focus_area_source) == ("A2", FocusAreaSource.PROPOSED)


def test_the_audit_trail_holds_a_findings_digest_not_its_secret_text(owner, world):
    import_tables({"findings": [finding(text="某县委书记收受企业老板礼金")]}, actor=owner)
    entry = AuditEntry.objects.get(action="finding.create")
    assert "礼金" not in str(entry.after)
    assert entry.after["objects"][0]["text"].startswith("sha256:")
