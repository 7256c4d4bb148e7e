"""An attacker's pass over the reports: a committee's template that crashes or exhausts the
server, workbook cells a spreadsheet would run, and annexes whose figures are not figures."""

import io

import pytest
from django.core.exceptions import ValidationError
from docx import Document
from openpyxl import load_workbook

from tanhua.reports import annex, services, templating
from tanhua.reports.testing import deployment_key, trust_map

pytestmark = pytest.mark.django_db


def _docx(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "body",
    [
        "{% include 'settings.py' %}",
        "{% extends '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{{ 1 / 0 }}",
        "{{ 'x' * 10 ** 10 }}",
        "{{ ''|center(10 ** 10) }}",
        "{{ 9 ** 999999999 }}",
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    ],
)
def test_a_template_reaching_for_files_or_exhausting_the_server_is_refused_in_chinese(
    world, body, monkeypatch
):
    monkeypatch.setattr(templating, "RENDER_SECONDS", 5)
    with pytest.raises(ValidationError) as exc:
        services.upload_template(
            actor=world.users["commission_c1"], committee=world.orgs["C1"], kind="special",
            name="t.docx", data=_docx(body),
        )  # fmt: skip
    assert "t.docx" in exc.value.messages[0] and "模板" in exc.value.messages[0]


def test_a_template_failing_only_on_the_real_figures_refuses_the_download_in_chinese(world):
    owner = world.users["commission_c1"]
    services.upload_template(
        actor=owner, committee=world.orgs["C1"], kind="special", name="t.docx",
        data=_docx("{% if figures.talks %}{{ 1 / 0 }}{% endif %}"),
    )  # fmt: skip
    report = services.create_report(
        actor=owner, kind="special", year=2026, committee=world.orgs["C1"]
    )
    with pytest.raises(ValidationError) as exc:
        services.export(actor=owner, report=report, fmt="docx")
    assert "模板" in exc.value.messages[0]


def test_a_legitimate_template_still_renders_its_loops_and_figures():
    body = "{{ title }}{% for s in sections %}{{ s.heading }}{% endfor %}"
    templating.check("ok.docx", _docx(body))


def test_the_annex_workbook_escapes_every_cell_a_spreadsheet_would_run():
    content = {
        "format": annex.FORMAT, "kind": "special", "year": 2026,
        "committee": {"code": "C1", "name": "=HYPERLINK(\"http://x\")", "level": "city"},
        "generated_at": "x", "figures": {"note": "\t=cmd|' /C calc'!A0", "bad": "a\x01b"},
    }  # fmt: skip
    data = annex.workbook(annex.seal(content))
    wb = load_workbook(io.BytesIO(data))
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert not [v for v in cells if isinstance(v, str) and v.lstrip()[:1] in "=+-@"]


def test_the_year_end_ledger_escapes_names_on_its_summary_sheet():
    data = {
        "cadres": [
            {"code": "G1", "name": "=1+1", "org": "@SUM(A1)", "problems": 1, "measures": 1,
             "closed": 0, "in_progress": 1, "overdue": 0,
             "items": [{"problem": "-2", "measure": "+3", "deadline": "2026-10-01",
                        "state": "in_progress"}]}
        ]
    }  # fmt: skip
    wb = load_workbook(io.BytesIO(services.ledger_workbook(data)))
    cells = [c.value for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert not [v for v in cells if isinstance(v, str) and v[:1] in "=+-@"]


@pytest.mark.parametrize(
    "figures",
    [
        {"talks": {"held": "很多"}},
        {"talks": []},
        {"talks": {"held_by_level": {"city": "x"}}},
        {"rectification": {"outcomes": [{"target": 3}]}},
        {"problems": {"by_area": ["A1"]}},
    ],
)
def test_an_annex_whose_figures_are_not_figures_is_refused_before_it_is_summed(figures):
    content = {
        "format": annex.FORMAT, "kind": "special", "year": 2026,
        "committee": {"code": "C9", "name": "某市委", "level": "city"},
        "generated_at": "x", "figures": figures,
    }  # fmt: skip
    # Signed by a registered sender: the refusal is the figures', not the signature's.
    with pytest.raises(annex.AnnexInvalid, match="figures"):
        annex.verify(annex.dumps(annex.seal(content)), trusted=trust_map("C9", "某市委"))


def test_an_annex_edited_and_rehashed_by_a_third_party_is_refused(world):
    content = {
        "format": annex.FORMAT, "kind": "special", "year": 2026,
        "committee": {"code": "C1", "name": "东城市委", "level": "city"},
        "generated_at": "x", "figures": {"talks": {"held": 10}},
    }  # fmt: skip
    genuine = annex.seal(content)
    trusted = trust_map("C1", "东城市委")
    assert annex.verify(annex.dumps(genuine), trusted=trusted)["figures"]["talks"]["held"] == 10
    forged = {**content, "figures": {"talks": {"held": 1000}}}
    rehashed = {**genuine, **forged, "sha256": annex.digest(forged)}
    with pytest.raises(annex.AnnexInvalid, match="签名无效"):
        annex.verify(annex.dumps(rehashed), trusted=trusted)


def test_an_annex_re_signed_by_a_third_party_with_a_key_of_its_own_is_refused(world, tmp_path):
    content = {
        "format": annex.FORMAT, "kind": "special", "year": 2026,
        "committee": {"code": "C1", "name": "东城市委", "level": "city"},
        "generated_at": "x", "figures": {"talks": {"held": 1000}},
    }  # fmt: skip
    trusted = trust_map("C1", "东城市委")
    with deployment_key(tmp_path / "forger.key"):
        forged = annex.seal(content)
    with pytest.raises(annex.AnnexInvalid, match="未登记的报送单位密钥") as exc:
        annex.verify(annex.dumps(forged), trusted=trusted)
    assert forged["key_id"] in str(exc.value) and "C1" in str(exc.value)


SECRET_PROBLEM = "机密谈话中指出的问题"


@pytest.fixture
def secret_year(world):
    from tanhua.reports.testing import add_year, seal
    from tanhua.talks.testing import add_talks

    w = add_year(add_talks(world))
    seal(w.talks["secret"], [("A3", SECRET_PROBLEM)])
    return w


def _readable_text(user) -> str:
    from tanhua.reports.models import ReportSection

    return " ".join(s.body for s in ReportSection.objects.visible_to(user))


def test_a_report_quoting_a_record_above_a_readers_clearance_is_out_of_their_reach(secret_year):
    w = secret_year
    report = services.create_report(
        actor=w.users["commission_p"], kind="special", year=2026, committee=w.orgs["C1"]
    )
    assert SECRET_PROBLEM in " ".join(s.body for s in report.sections.unscoped("test").all())
    assert SECRET_PROBLEM not in _readable_text(w.users["commission_c1"])


def test_a_report_quoting_nothing_secret_stays_readable_by_the_committees_staff(secret_year):
    w = secret_year
    report = services.create_report(
        actor=w.users["commission_c1"], kind="special", year=2026, committee=w.orgs["C1"]
    )
    assert "调研不深入" in _readable_text(w.users["organization_c1"])
    assert report.classification == 2


DECLARED_PROBLEM = "回避对象谈话中指出的问题"


@pytest.fixture
def declared_year(world):
    from tanhua.core.testing import add_scope_probes
    from tanhua.reports.testing import add_year, seal
    from tanhua.talks.testing import add_talks

    w = add_year(add_talks(add_scope_probes(world)))
    seal(w.talks["declared"], [("A3", DECLARED_PROBLEM)])
    return w


def test_a_report_quoting_a_declared_subjects_talk_is_out_of_the_declarers_reach(declared_year):
    w = declared_year
    services.create_report(
        actor=w.users["commission_p"], kind="special", year=2026, committee=w.orgs["C1"]
    )
    assert DECLARED_PROBLEM not in _readable_text(w.users["commission_c1"])


def test_a_report_keeps_the_subjects_of_the_problems_it_quotes(declared_year):
    w = declared_year
    report = services.create_report(
        actor=w.users["commission_p"], kind="special", year=2026, committee=w.orgs["C1"]
    )
    quoted = set(report.quoted.unscoped("test").values_list("code", flat=True))
    # GK11's two problems and GDECL's are the shortest of their areas; C2's talk is not C1's.
    assert quoted == {"GK11", "GDECL"}


def test_a_report_quoting_a_declared_subject_answers_the_declarer_as_absent(declared_year):
    from django.test import Client
    from django.urls import reverse

    from tanhua.reports.models import Report

    w = declared_year
    report = services.create_report(
        actor=w.users["commission_p"], kind="special", year=2026, committee=w.orgs["C1"]
    )
    declarer, colleague = w.users["commission_c1"], w.users["organization_c1"]
    assert not Report.objects.visible_to(declarer).filter(pk=report.pk).exists()
    assert Report.objects.visible_to(colleague).filter(pk=report.pk).exists()
    assert DECLARED_PROBLEM in _readable_text(colleague)
    client = Client()
    client.force_login(declarer)
    assert client.get(reverse("reports:detail", kwargs={"pk": report.pk})).status_code == 404


def test_a_report_quoting_no_declared_subject_stays_readable_by_the_declarer(declared_year):
    from tanhua.accounts.models import ConflictDeclaration
    from tanhua.reports.models import Report

    w = declared_year
    ConflictDeclaration.objects.unscoped("test").update(active=False)
    report = services.create_report(
        actor=w.users["commission_p"], kind="special", year=2026, committee=w.orgs["C1"]
    )
    assert Report.objects.visible_to(w.users["commission_c1"]).filter(pk=report.pk).exists()


def _read_codes(path):
    from tanhua.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(action__in=["cadre.list", "cadre.read"])
    return {c for e in entries if e.detail.get("path") == path for c in e.detail["codes"]}


def test_reading_a_special_report_writes_the_read_entry_of_the_subjects_it_quotes(secret_year):
    from django.test import Client
    from django.urls import reverse

    from tanhua.talks.tests.test_api import Api

    w = secret_year
    owner = w.users["commission_c1"]
    report = services.create_report(actor=owner, kind="special", year=2026, committee=w.orgs["C1"])
    client = Client()
    client.force_login(owner)
    page = reverse("reports:detail", kwargs={"pk": report.pk})
    assert "调研不深入" in client.get(page).content.decode()
    assert Api(owner).get(f"/reports/{report.pk}").status_code == 200
    assert "GK11" in _read_codes(page)
    assert "GK11" in _read_codes(f"/api/v1/reports/{report.pk}")


def test_reading_a_year_end_report_writes_the_read_entry_of_the_cadres_it_names(secret_year):
    from django.test import Client
    from django.urls import reverse

    from tanhua.audit.models import AuditEntry
    from tanhua.org.models import Cadre, Tier
    from tanhua.talks.tests.test_api import Api

    w = secret_year
    Cadre.objects.unscoped("test").filter(code="GK11").update(tier=Tier.CENTRAL)
    owner = w.users["commission_c1"]
    report = services.create_report(actor=owner, kind="year_end", year=2026, committee=w.orgs["C1"])
    client = Client()
    client.force_login(owner)
    page = reverse("reports:detail", kwargs={"pk": report.pk})
    assert "甲县书记戊" in client.get(page).content.decode()
    assert Api(owner).get(f"/reports/{report.pk}").status_code == 200

    def codes(path):
        entries = AuditEntry.objects.filter(action__in=["cadre.list", "cadre.read"])
        return {c for e in entries if e.detail.get("path") == path for c in e.detail["codes"]}

    assert "GK11" in codes(page)
    assert "GK11" in codes(f"/api/v1/reports/{report.pk}")


def test_the_migration_finds_again_whom_a_report_written_before_it_quotes(declared_year):
    import importlib

    from django.apps import apps

    from tanhua.core.scoped import unscoped_block
    from tanhua.org.models import Cadre, Tier
    from tanhua.reports.models import Report

    w = declared_year
    Cadre.objects.unscoped("test").filter(code="GK11").update(tier=Tier.CENTRAL)
    made = [
        services.create_report(actor=w.users["commission_p"], kind=k, year=2026,
                               committee=w.orgs["C1"])
        for k in ("special", "year_end")
    ]  # fmt: skip
    Report.quoted.through.objects.all().delete()
    Report.objects.unscoped("test").update(quoted_classification=0)
    migration = importlib.import_module("tanhua.reports.migrations.0003_report_quoted_people")
    with unscoped_block("the migration's historical models are the real ones here"):
        migration.backfill(apps, None)
    special, year_end = (Report.objects.unscoped("test").get(pk=r.pk) for r in made)
    assert set(special.quoted.unscoped("test").values_list("code", flat=True)) >= {
        "GK11", "GDECL"
    }  # fmt: skip
    assert set(year_end.quoted.unscoped("test").values_list("code", flat=True)) == {"GK11"}
    assert special.quoted_classification == special.classification
