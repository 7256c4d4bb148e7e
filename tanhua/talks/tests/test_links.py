"""The links between the talk's pages, the campaign's and the calendars, per role: every
button leads to a page that opens for the user, and the pages a journey needs are linked
(the talk to its schedule and its campaign, the schedule back to the talk). Before the login
stages are passed no navigation is offered."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tanhua.core.testing import TEST_PASSWORD
from tanhua.talks.models import Outline
from tanhua.talks.tests.helpers import talk_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def tworld(db):
    return talk_world()


def client_for(world, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def _hrefs(response) -> set[str]:
    import re

    return set(re.findall(r'href="([^"]+)"', response.content.decode()))


def test_staff_reach_the_schedule_and_the_campaign_from_the_talk_page(tworld):
    talk, campaign = tworld.talks["k11"], tworld.campaigns["C1"]
    page = client_for(tworld, "commission_c1").get(f"/talks/{talk.pk}/")
    hrefs = _hrefs(page)
    assert f"/talks/{talk.pk}/schedule/" in hrefs
    assert {f"/campaigns/{campaign.pk}/", f"/campaigns/{campaign.pk}/talks/"} <= hrefs
    assert "调整安排" in page.content.decode()  # the world's talk has a time already


def test_the_schedule_page_leads_back_to_the_talk_and_its_campaign(tworld):
    talk, campaign = tworld.talks["k11"], tworld.campaigns["C1"]
    hrefs = _hrefs(client_for(tworld, "commission_c1").get(f"/talks/{talk.pk}/schedule/"))
    assert {f"/talks/{talk.pk}/", f"/campaigns/{campaign.pk}/"} <= hrefs


def test_the_campaign_calendar_leads_back_to_its_campaign_and_on_to_the_talk(tworld):
    talk, campaign = tworld.talks["k11"], tworld.campaigns["C1"]
    page = client_for(tworld, "commission_c1").get(
        f"/campaigns/{campaign.pk}/calendar/", {"week": "2026-06-08"}
    )
    assert {f"/campaigns/{campaign.pk}/", f"/talks/{talk.pk}/"} <= _hrefs(page)


def test_the_talker_and_the_recorder_are_not_offered_the_schedule(tworld):
    talk = tworld.talks["k11"]
    for name in ("talker_c1", "recorder_c1"):
        hrefs = _hrefs(client_for(tworld, name).get(f"/talks/{talk.pk}/"))
        assert f"/talks/{talk.pk}/schedule/" not in hrefs, name
        assert f"/talks/{talk.pk}/outline/" in hrefs, name


def test_without_an_outline_only_staff_are_offered_the_outline_page(tworld):
    talk = tworld.talks["k11"]
    Outline.objects.unscoped("test").filter(talk=talk).delete()
    recorder = client_for(tworld, "recorder_c1")
    assert f"/talks/{talk.pk}/outline/" not in _hrefs(recorder.get(f"/talks/{talk.pk}/"))
    assert recorder.get(f"/talks/{talk.pk}/outline/").status_code == 404
    staff = client_for(tworld, "commission_c1")
    assert f"/talks/{talk.pk}/outline/" in _hrefs(staff.get(f"/talks/{talk.pk}/"))


def test_every_button_on_the_campaign_page_opens_for_its_user(tworld):
    campaign = tworld.campaigns["C1"]
    base = f"/campaigns/{campaign.pk}/"
    for name in ("commission_c1", "viewer_c1", "talker_c1", "recorder_c1"):
        client = client_for(tworld, name)
        for href in _hrefs(client.get(base)):
            if href.startswith(base) and "export" not in href:
                assert client.get(href).status_code == 200, (name, href)


def test_the_viewer_is_offered_neither_the_talk_list_nor_the_calendar(tworld):
    campaign = tworld.campaigns["C1"]
    hrefs = _hrefs(client_for(tworld, "viewer_c1").get(f"/campaigns/{campaign.pk}/"))
    assert f"/campaigns/{campaign.pk}/talks/" not in hrefs
    assert f"/campaigns/{campaign.pk}/calendar/" not in hrefs
    assert f"/campaigns/{campaign.pk}/meetings/" in hrefs


def test_the_subject_is_not_offered_the_campaigns(tworld):
    page = client_for(tworld, "subject_k11").get("/")
    assert "/campaigns/" not in _hrefs(page)
    assert "/talks/calendar/" in _hrefs(page)


def test_before_the_second_factor_no_navigation_and_htmx_is_sent_to_the_stage(tworld, settings):
    settings.REQUIRE_TOTP = True
    TOTPDevice.objects.create(user=tworld.users["talker_c1"], name="手机", confirmed=True)
    client = Client()
    client.post("/accounts/login/", {"username": "talker_c1", "password": TEST_PASSWORD})
    page = client.get("/accounts/otp/verify/")
    assert page.status_code == 200
    hrefs = _hrefs(page)
    assert "/campaigns/" not in hrefs and "/notices/" not in hrefs
    assert 'id="bell"' not in page.content.decode()
    fragment = client.get("/notices/bell/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 204
    assert fragment["HX-Redirect"] == "/accounts/otp/verify/"
    assert client.get("/notices/bell/").status_code == 302  # a plain request: redirected
