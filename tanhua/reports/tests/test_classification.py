"""A report's 密级, chosen by staff in the 版头: never below what its text quotes, never
above the editor's own clearance; the document's 密级 line follows it."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from tanhua.audit.models import AuditEntry
from tanhua.core.classification import Classification
from tanhua.core.testing import TEST_PASSWORD
from tanhua.reports import services
from tanhua.reports.models import Report
from tanhua.reports.testing import add_year, seal
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(world):
    w = add_year(add_talks(world))
    seal(w.talks["secret"], [("A3", "机密谈话中指出的问题")])
    return w


def _report(w, user, kind="special"):
    return services.create_report(actor=user, kind=kind, year=2026, committee=w.orgs["C1"])


def _masthead_lines(report) -> list[str]:
    doc = Document(io.BytesIO(services.document(report, chart=False)))
    return [p.text for p in doc.paragraphs[:3]]


def test_staff_raise_a_reports_classification_and_its_document_says_so(year, owner):
    report = _report(year, year.users["commission_p"])
    assert report.classification == Classification.CONFIDENTIAL
    mine = _report(year, owner)
    assert mine.classification == Classification.SECRET
    assert "秘密★1年" in _masthead_lines(mine)
    boss = year.users["commission_p"]
    raised = services.update_header(
        actor=boss, report=mine, expected_version=mine.version,
        classification=Classification.CONFIDENTIAL,
    )  # fmt: skip
    assert Report.objects.unscoped("test").get(pk=mine.pk).classification == 3
    assert "机密★1年" in _masthead_lines(raised)
    entry = AuditEntry.objects.filter(action="report.update").latest("pk")
    assert entry.before["classification"] == 2 and entry.after["classification"] == 3


def test_a_classification_below_what_the_report_quotes_is_refused_naming_the_floor(year):
    boss = year.users["commission_p"]
    report = _report(year, boss)
    with pytest.raises(ValidationError) as exc:
        services.update_header(
            actor=boss, report=report, expected_version=report.version,
            classification=Classification.SECRET,
        )  # fmt: skip
    assert "不能低于“机密”" in exc.value.messages[0]
    assert Report.objects.unscoped("test").get(pk=report.pk).classification == 3


def test_a_classification_above_the_editors_own_clearance_is_refused(year, owner):
    report = _report(year, owner)
    with pytest.raises(ValidationError) as exc:
        services.update_header(
            actor=owner, report=report, expected_version=report.version,
            classification=Classification.CONFIDENTIAL,
        )  # fmt: skip
    assert "不能高于您本人的涉密等级“秘密”" in exc.value.messages[0]
    assert Report.objects.visible_to(owner).get(pk=report.pk).classification == 2


def test_a_report_quoting_no_record_may_be_lowered_to_internal_and_loses_its_secret_line(
    year, owner
):
    report = _report(year, owner, kind="look_back")
    assert report.quoted_classification == 0
    lowered = services.update_header(
        actor=owner, report=report, expected_version=report.version,
        classification=Classification.INTERNAL,
    )  # fmt: skip
    assert lowered.classification == Classification.INTERNAL
    assert not any("★" in line for line in _masthead_lines(lowered))


@pytest.mark.parametrize("raw", ["9", "", "机密", None])
def test_a_classification_that_is_no_level_is_refused_in_chinese(year, owner, raw):
    report = _report(year, owner, kind="look_back")
    with pytest.raises(ValidationError) as exc:
        services.update_header(
            actor=owner, report=report, expected_version=report.version, classification=raw
        )
    message = exc.value.messages[0]
    assert message.startswith("密级") and "请您从内部、秘密、机密中选择" in message


def _header_post(report, **changes) -> dict:
    data = {f: getattr(report, f) for f in services.HEADER_FIELDS}
    return {**data, "version": report.version, **changes}


def test_the_header_form_offers_the_classification_and_saves_it(client, year, owner):
    report = _report(year, owner, kind="look_back")
    assert client.login(username=owner.username, password=TEST_PASSWORD)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'name="classification"' in page and "可选“内部”至“秘密”" in page
    r = client.post(
        reverse("reports:header", args=[report.pk]), _header_post(report, classification="1")
    )
    assert r.status_code == 302
    assert Report.objects.visible_to(owner).get(pk=report.pk).classification == 1


def test_the_header_form_refuses_a_classification_below_the_quoted_in_words(client, year):
    boss = year.users["commission_p"]
    report = _report(year, boss)
    assert client.login(username=boss.username, password=TEST_PASSWORD)
    r = client.post(
        reverse("reports:header", args=[report.pk]),
        _header_post(report, classification="1", signer="省委书记甲"),
        follow=True,
    )
    page = r.content.decode()
    assert "密级不能低于“机密”" in page
    # Nothing of the refused edit is saved: not the 密级, not the other fields with it.
    saved = Report.objects.visible_to(boss).get(pk=report.pk)
    assert (saved.classification, saved.signer) == (3, "")


def test_the_header_form_refuses_a_classification_that_is_no_level_in_words(client, year, owner):
    report = _report(year, owner, kind="look_back")
    assert client.login(username=owner.username, password=TEST_PASSWORD)
    r = client.post(
        reverse("reports:header", args=[report.pk]),
        _header_post(report, classification="9"),
        follow=True,
    )
    assert "密级：请您从“内部”“秘密”“机密”中选择" in r.content.decode()
    assert Report.objects.visible_to(owner).get(pk=report.pk).classification == 2
