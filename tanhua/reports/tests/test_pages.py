"""The report pages and the dashboard, as staff, a leadership viewer and a sibling."""

import pytest
from django.urls import reverse

from tanhua.core.testing import TEST_PASSWORD
from tanhua.reports.models import Report
from tanhua.reports.testing import add_year
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uncached(settings):
    # Every request counts anew: the tests look at what a request does.
    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture
def year(world):
    return add_year(add_talks(world))


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_staff_generate_edit_issue_and_download_a_special_report(client, year, owner):
    login(client, owner)
    r = client.post(reverse("reports:create"), {"kind": "special", "year": "2026"})
    report = Report.objects.visible_to(owner).get()
    assert r.status_code == 302 and r.url == reverse("reports:detail", args=[report.pk])
    page = client.get(r.url).content.decode()
    assert "共谈话" in page and "版头和版记" in page
    section = report.sections.unscoped("test").get(key="next")
    client.post(
        reverse("reports:section", args=[report.pk, section.pk]),
        {"heading": "四、下一步工作打算", "body": "（一）继续督办。", "version": section.version},
    )
    client.post(reverse("reports:issue", args=[report.pk]))
    report.refresh_from_db()
    assert report.is_issued
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert report.file_sha256 in page
    r = client.get(reverse("reports:download", args=[report.pk, "docx"]))
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.docx"')


def test_a_viewer_sees_the_dashboard_aggregates_without_links_to_records(client, year):
    login(client, year.users["viewer_c1"])
    page = client.get(reverse("reports:dashboard") + "?year=2026").content.decode()
    assert "领导看板" in page and "整改完成率" in page
    assert "/talks/" not in page and "/campaigns/1" not in page
    assert client.get(reverse("reports:list")).status_code == 404


def test_the_dashboard_of_a_sibling_city_answers_like_an_unknown_one(client, year, owner):
    login(client, owner)
    assert client.get(reverse("reports:dashboard") + "?org=C2").status_code == 404
    assert client.get(reverse("reports:dashboard") + "?org=NOPE").status_code == 404
    assert client.get(reverse("reports:dashboard") + "?org=K11&year=2026").status_code == 200


def test_the_dashboard_takes_the_same_queries_as_rows_grow(
    client, year, owner, django_assert_max_num_queries
):
    from tanhua.core.testing import CadreFactory
    from tanhua.reports.testing import seal
    from tanhua.talks.testing import TalkFactory

    login(client, owner)
    url = reverse("reports:dashboard") + "?year=2026"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    w = year
    for i in range(5):
        talk = TalkFactory(
            campaign=w.campaigns["C1"],
            talker=w.cadres["GC1"],
            subject=CadreFactory(),
            subject_title=f"职务{i}",
            subject_org=w.orgs["C1"],
        )
        seal(talk, [("A1", f"问题{i}")])
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_the_received_annexes_page_sums_them_for_the_receiving_office(client, year, tmp_path):
    from django.core.management import call_command

    from tanhua.exchange.services import import_files
    from tanhua.reports.testing import deployment_key, trust

    # Each city from a deployment of its own, its key registered at the province.
    for code, name in (("C1", "东城市委"), ("C2", "西城市委")):
        with deployment_key(tmp_path / f"{code}.key"):
            call_command(
                "report",
                "special",
                "2026",
                "--committee",
                code,
                "--out",
                str(tmp_path / f"{code}.docx"),
            )
        trust(code, name, key_file=tmp_path / f"{code}.key")
    import_files([tmp_path / "C1.annex.json", tmp_path / "C2.annex.json"], actor=None)
    login(client, year.users["commission_p"])
    page = client.get(reverse("reports:annexes")).content.decode()
    assert "东城市委" in page and "西城市委" in page
    client.logout()
    login(client, year.users["viewer_c1"])
    page = client.get(reverse("reports:annexes")).content.decode()
    assert "西城市委" not in page and "尚未导入数据附件" in page


def test_the_board_is_counted_once_and_then_reused_for_a_while(client, year, owner, settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.REPORTS_DASHBOARD_CACHE_SECONDS = 120
    cache.clear()
    login(client, owner)
    url = reverse("reports:dashboard") + "?year=2026"
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        page = client.get(url).content.decode()
    assert len(second) < len(first) and "数据统计于" in page


def _links(page: str, marker: str) -> list[str]:
    import html
    import re

    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page) if marker in h]


def test_each_rectification_figure_of_the_dashboard_opens_the_measures_it_counts(
    client, year, owner
):
    import re

    login(client, owner)
    page = client.get(reverse("reports:dashboard") + "?year=2026").content.decode()
    links = _links(page, reverse("rectification:track_measures"))
    overdue = next(h for h in links if h.endswith("colour=red") and "subject_org" not in h)
    assert "within=C1" in overdue and "year=2026" in overdue
    listed = client.get(overdue).content.decode()
    assert "精简会议文件" in listed and "建立常态化调研机制" not in listed
    assert "党委（含下级）：C1" in listed
    by_unit = next(h for h in links if "subject_org=" in h and "colour" not in h)
    unit_page = client.get(by_unit).content.decode()
    # The table's figure is the number of measures the unit's link lists (all visible here).
    unit = re.search(r"subject_org=(\w+)", by_unit).group(1)
    shown = re.search(rf'subject_org={unit}">(\d+)</a>', page.replace("&amp;", "&")).group(1)
    assert unit_page.count('href="/rectification/measures/') == int(shown)


def test_a_year_or_committee_filter_past_the_viewers_scope_finds_no_measure(client, year, owner):
    login(client, owner)
    url = reverse("rectification:track_measures")
    hidden = client.get(url + "?within=C2").content.decode()
    unknown = client.get(url + "?within=NOPE").content.decode()
    assert "未找到编码为 C2 的单位" in hidden and "未找到编码为 NOPE 的单位" in unknown
    assert "精简会议文件" not in client.get(url + "?year=2025").content.decode()
