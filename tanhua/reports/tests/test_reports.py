"""Reports written from the data: the 专报's sentences, the draft's versioned sections, the
issued file kept with its hash, watermarked audited exports, the command line, and annexes
a higher level imports and aggregates."""

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from docx import Document

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.versioning import StaleEdit
from tanhua.exchange.services import ImportRejected, import_files
from tanhua.reports import annex, figures, services
from tanhua.reports.models import ReceivedAnnex, Report, ReportSection
from tanhua.reports.testing import add_year, deployment_key, trust, trust_map
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 9, 1)


@pytest.fixture
def year(world):
    return add_year(add_talks(world))


def test_the_special_report_counts_talks_by_level_and_the_committees_own_by_tier(year):
    f = figures.special(year.orgs["P"], 2026, today=TODAY)
    assert f["talks"]["held"] == 3
    assert f["talks"]["own_held"] == 1 and f["talks"]["own_held_by_tier"]["provincial"] == 1
    sections = dict(
        (k, b) for k, _h, b in services.writing.special_sections(year.orgs["P"], 2026, f)
    )
    assert (
        "共谈话3人次，其中省委开展谈话1人次（省管干部1人次），省辖市党委开展谈话2人次"
        in sections["talks"]
    )


def test_problems_rectification_and_counted_outcomes_are_written_from_the_records(year):
    f = figures.special(year.orgs["C1"], 2026, today=TODAY)
    assert f["problems"]["by_area"] == {"A1": 0, "A2": 0, "A3": 1, "A4": 1}
    r = f["rectification"]
    assert (r["total"], r["closed"], r["overdue"], r["long_term"]) == (3, 1, 1, 1)
    assert r["outcomes"] == [{"unit": "项", "target": 200, "achieved": 190, "measures": 1}]
    text = dict((k, b) for k, _h, b in services.writing.special_sections(year.orgs["C1"], 2026, f))
    assert "完成190项（目标200项）" in text["rectification"]
    assert "调研不深入，存在文山会海现象" in text["problems"]


def test_typical_cases_quote_only_records_the_reader_may_see(year):
    own = figures.typical_cases(year.orgs["P"], 2026, year.users["commission_c1"])
    assert "西城重大项目推进迟缓" not in json.dumps(own, ensure_ascii=False)
    every = figures.typical_cases(year.orgs["P"], 2026, None)
    assert every["A1"] == ["西城重大项目推进迟缓"]


def test_staff_draft_edit_and_issue_a_report_whose_file_never_changes(year, owner):
    report = services.create_report(
        actor=owner, kind="special", year=2026, committee=year.orgs["C1"]
    )
    section = report.sections.unscoped("test").get(key="next")
    edited = services.edit_section(
        actor=owner, section=section, heading="四、下一步工作打算", body="（一）继续督办。",
        expected_version=section.version,
    )  # fmt: skip
    assert edited.version == section.version + 1
    with pytest.raises(StaleEdit):
        services.edit_section(
            actor=owner, section=section, heading="x", body="y", expected_version=section.version
        )
    issued = services.issue_report(actor=owner, report=report)
    assert len(issued.file_sha256) == 64 and issued.is_issued
    stored = services.issued_bytes(issued)
    assert "（一）继续督办。" in "\n".join(p.text for p in Document(io.BytesIO(stored)).paragraphs)
    with pytest.raises(ValidationError):
        services.edit_section(
            actor=owner, section=edited, heading="x", body="y", expected_version=None
        )
    download = services.export(actor=owner, report=issued, fmt="docx")
    header = Document(io.BytesIO(download.data)).sections[0].header.paragraphs[0].text
    assert "commission_c1" in header and "导出" in header
    assert services.issued_bytes(issued) == stored
    assert AuditEntry.objects.filter(action="report.export", object_id=str(issued.pk)).exists()


def test_a_report_is_out_of_reach_for_a_sibling_and_for_a_viewer(year, outsider):
    with pytest.raises(OutOfScope):
        services.create_report(actor=outsider, kind="special", year=2026, committee=year.orgs["C1"])
    report = services.create_report(
        actor=year.users["commission_c1"], kind="special", year=2026, committee=year.orgs["C1"]
    )
    assert not Report.objects.visible_to(outsider).filter(pk=report.pk).exists()
    assert not Report.objects.visible_to(year.users["viewer_c1"]).exists()
    assert not ReportSection.objects.visible_to(outsider).exists()


def test_the_annex_verifies_and_a_tampered_one_is_refused_with_a_chinese_reason(year, tmp_path):
    f = figures.special(year.orgs["C1"], 2026, today=TODAY)
    good = annex.make(
        kind="special", year=2026, committee=year.orgs["C1"], figures=f, generated_at="x"
    )
    trusted = trust_map("C1", "东城市委")
    assert annex.verify(annex.dumps(good), trusted=trusted)["sha256"] == good["sha256"]
    bad = json.loads(annex.dumps(good))
    bad["figures"]["talks"]["held"] += 1
    path = tmp_path / "c1.annex.json"
    path.write_bytes(annex.dumps(bad))
    with pytest.raises(ImportRejected) as exc:
        import_files([path], actor=None)
    assert "c1.annex.json" in str(exc.value.problems[0]) and "哈希不符" in str(
        exc.value.problems[0]
    )
    assert not ReceivedAnnex.objects.unscoped("test").exists()


def test_the_command_line_writes_the_report_and_annexes_that_another_side_aggregates(
    year, tmp_path
):
    out = tmp_path / "special.docx"
    call_command("report", "special", "2026", "--out", str(out), "--committee", "C1")
    assert out.exists() and (tmp_path / "special.annex.xlsx").exists()
    doc = Document(io.BytesIO(out.read_bytes()))
    assert any("共谈话" in p.text for p in doc.paragraphs)
    # C2 reports from a deployment of its own, with a key of its own; both keys registered.
    with deployment_key(tmp_path / "c2.key"):
        call_command(
            "report", "special", "2026", "--out", str(tmp_path / "c2.docx"), "--committee", "C2"
        )
    trust("C1", "东城市委")
    trust("C2", "西城市委", key_file=tmp_path / "c2.key")
    files = [tmp_path / "special.annex.json", tmp_path / "c2.annex.json"]
    report = import_files(files, actor=None)
    assert report.counts["annexes"].created == 2
    assert import_files(files, actor=None).counts["annexes"].unchanged == 2
    summary = tmp_path / "summary.docx"
    call_command("report", "summary", "2026", "--out", str(summary))
    text = "\n".join(p.text for p in Document(io.BytesIO(summary.read_bytes())).paragraphs)
    assert "2个党委" in text and "共谈话2人次" in text


def test_the_year_end_report_lists_each_central_cadres_measures_as_word_and_xlsx(year, tmp_path):
    from tanhua.org.models import Cadre, Tier

    Cadre.objects.unscoped("test").filter(code="GK11").update(tier=Tier.CENTRAL)
    f = figures.year_end(year.orgs["P"], 2026, today=TODAY)
    assert [(c["code"], c["closed"], c["overdue"], c["in_progress"]) for c in f["cadres"]] == [
        ("GK11", 1, 1, 1)
    ]
    call_command("report", "year-end", "2026", "--out", str(tmp_path / "ye.docx"))
    assert (tmp_path / "ye.xlsx").exists()
    call_command("report", "look-back", "2026", "--out", str(tmp_path / "lb.docx"))
    assert (tmp_path / "lb.docx").exists()


@pytest.mark.slow
def test_the_issued_special_report_renders_with_its_chart_on_a4_pages(year, owner, capsys):
    import os
    import shutil
    from pathlib import Path

    from pypdf import PdfReader

    from tanhua.reports import render

    if render.soffice() is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice (soffice) or pdftoppm is not installed: cannot render")
    report = services.create_report(
        actor=owner, kind="special", year=2026, committee=year.orgs["C1"]
    )
    services.update_header(
        actor=owner, report=report, expected_version=report.version,
        doc_number="东发〔2026〕8号", signer="东城书记乙", copy_number="000012",
        cc="省纪委监委，省委组织部",
    )  # fmt: skip
    issued = services.issue_report(actor=owner, report=report)
    pdf = services.export(actor=owner, report=issued, fmt="pdf").data
    reader = PdfReader(io.BytesIO(pdf))
    assert all(round(float(p.mediabox.width) / 72 * 25.4) == 210 for p in reader.pages)
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "")
    assert "东发〔2026〕8号" in text and "—1—" in text and "签发人：东城书记乙" in text
    artifacts = Path(os.environ.get("TANHUA_ARTIFACTS", "test-artifacts")) / "reports"
    images = render.page_images(pdf, artifacts, prefix="special", dpi=70)
    with capsys.disabled():
        print(f"\n专报页面图像：{artifacts.resolve()}（{len(images)} 页）")


def _template_docx(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_committees_own_template_is_rendered_sandboxed_and_autoescaped(year, owner):
    tpl = _template_docx(
        "{{ organ }}：{{ title }}{% for s in sections %}【{{ s.heading }}】"
        "{% for p in s.paragraphs %}{{ p }}{% endfor %}{% endfor %}"
    )
    services.upload_template(
        actor=owner, committee=year.orgs["C1"], kind="special", name="东城模板.docx", data=tpl
    )
    report = services.create_report(
        actor=owner, kind="special", year=2026, committee=year.orgs["C1"]
    )
    section = report.sections.unscoped("test").get(key="next")
    services.edit_section(
        actor=owner, section=section, heading="四、下一步", body="A<B & C",
        expected_version=section.version,
    )  # fmt: skip
    text = Document(io.BytesIO(services.document(report))).paragraphs[0].text
    assert text.startswith("中共东城市委：关于2026年度") and "A<B & C" in text


@pytest.mark.parametrize(
    "body, reason",
    [
        ("{{ title ", "标记有误"),
        ("{{ ''.__class__.__mro__ }}", "标记有误"),
    ],
)
def test_a_broken_or_unsafe_template_is_refused_with_a_chinese_reason(year, owner, body, reason):
    with pytest.raises(ValidationError) as exc:
        services.upload_template(
            actor=owner, committee=year.orgs["C1"], kind="special", name="t.docx",
            data=_template_docx(body),
        )  # fmt: skip
    assert reason in exc.value.messages[0] and "t.docx" in exc.value.messages[0]


def test_a_template_that_is_not_word_is_refused(year, owner):
    with pytest.raises(ValidationError) as exc:
        services.upload_template(
            actor=owner, committee=year.orgs["C1"], kind="special", name="t.docx", data=b"PK no"
        )
    assert "不是有效的 Word" in exc.value.messages[0]


def test_the_year_end_ledger_downloads_from_the_web_draft_with_the_viewers_mark(year, owner):
    from openpyxl import load_workbook

    from tanhua.org.models import Cadre, Tier

    Cadre.objects.unscoped("test").filter(code="GK11").update(tier=Tier.CENTRAL)
    report = services.create_report(
        actor=owner, kind="year_end", year=2026, committee=year.orgs["C1"]
    )
    out = services.export(actor=owner, report=report, fmt="ledger_xlsx")
    ws = load_workbook(io.BytesIO(out.data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:3] == ["干部编号", "姓名", "所在组织"] and rows[1][0] == "GK11"
    assert any(r[0] == "导出" and "commission_c1" in r[1] for r in rows)
    special = services.create_report(
        actor=owner, kind="special", year=2026, committee=year.orgs["C1"]
    )
    with pytest.raises(ValidationError):
        services.export(actor=owner, report=special, fmt="ledger_xlsx")
