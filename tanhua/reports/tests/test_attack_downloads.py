"""A report's downloads show what its page shows: the Word file and the annex quote the same
people, so each download writes the read entry of the cadres the report quotes."""

import pytest
from django.test import Client
from django.urls import reverse

from tanhua.reports import services
from tanhua.reports.tests.test_attack_reports import _read_codes
from tanhua.talks.tests.test_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(world):
    from tanhua.reports.testing import add_year
    from tanhua.talks.testing import add_talks

    return add_year(add_talks(world))


@pytest.mark.parametrize("fmt", ["docx", "annex_json"])
def test_downloading_a_report_writes_the_read_entry_of_the_subjects_it_quotes(year, fmt):
    w = year
    owner = w.users["commission_c1"]
    report = services.create_report(actor=owner, kind="special", year=2026, committee=w.orgs["C1"])
    client = Client()
    client.force_login(owner)
    url = reverse("reports:download", kwargs={"pk": report.pk, "fmt": fmt})
    assert client.get(url).status_code == 200
    assert "GK11" in _read_codes(url)


def test_the_annex_over_the_api_writes_the_read_entry_of_the_subjects_it_quotes(year):
    w = year
    owner = w.users["commission_c1"]
    report = services.create_report(actor=owner, kind="special", year=2026, committee=w.orgs["C1"])
    assert Api(owner).get(f"/reports/{report.pk}/annex").status_code == 200
    assert "GK11" in _read_codes(f"/api/v1/reports/{report.pk}/annex")


def test_a_report_download_answers_a_sibling_city_as_absent(year):
    w = year
    report = services.create_report(
        actor=w.users["commission_c1"], kind="special", year=2026, committee=w.orgs["C1"]
    )
    client = Client()
    client.force_login(w.users["commission_c2"])
    url = reverse("reports:download", kwargs={"pk": report.pk, "fmt": "docx"})
    missing = reverse("reports:download", kwargs={"pk": report.pk + 999, "fmt": "docx"})
    assert client.get(url).status_code == client.get(missing).status_code == 404
