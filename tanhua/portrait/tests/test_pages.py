"""The portrait pages: who sees them, the figures link to their sources, the staff's button,
the 政治生态 scheme page."""

import pytest
from django.urls import reverse

from tanhua.evidence.models import Indicator
from tanhua.portrait.models import EcologyScheme
from tanhua.portrait.services import prepare
from tanhua.portrait.tests.test_prepare import AS_OF, _untouched_k11
from tanhua.portrait.tests.test_prepare import world as world
from tanhua.talks.models import OutlineProblem
from tanhua.talks.testing import YEAR

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_staff_and_the_talker_see_the_portrait_with_links_to_sources(client, world):
    prepare(actor=None, year=YEAR, as_of=AS_OF)
    url = reverse("portrait:talk", args=[world.talks["k11"].pk])
    for name in ("commission_c1", "talker_c1"):
        page = _get(client, world.users[name], url).content.decode()
        assert "PM2.5年均浓度" in page and "反弹" in page and "屡查屡犯" in page
        assert "key=indicator:PM25" in page and "portrait-data" in page
    assert "生成画像与提纲草稿" in _get(client, world.users["commission_c1"], url).content.decode()
    assert "生成画像与提纲草稿" not in _get(client, world.users["talker_c1"], url).content.decode()


def test_the_subject_the_recorder_and_a_sibling_city_get_404(client, world):
    prepare(actor=None, year=YEAR, as_of=AS_OF)
    pk = world.talks["k11"].pk
    for name in ("subject_k11", "recorder_c1", "commission_c2"):
        for view in ("portrait:talk", "portrait:sources"):
            assert _get(client, world.users[name], reverse(view, args=[pk])).status_code == 404
    c2 = reverse("portrait:talk", args=[world.talks["c2"].pk])
    assert _get(client, world.users["commission_c1"], c2).status_code == 404


def test_a_figure_opens_on_the_records_it_came_from(client, world):
    prepare(actor=None, year=YEAR, as_of=AS_OF)
    url = reverse("portrait:sources", args=[world.talks["k11"].pk])
    page = _get(client, world.users["commission_c1"], url + "?key=repeated").content.decode()
    assert world.repeat.code in page and "相似度" in page
    page = client.get(url + "?key=indicator:PM25").content.decode()
    assert "2023" in page and "2025" in page and "排第" in page


def test_the_button_drafts_the_outline_of_an_untouched_talk(client, world):
    _untouched_k11(world)
    client.force_login(world.users["commission_c1"])
    talk = world.talks["k11"]
    response = client.post(reverse("portrait:prepare", args=[talk.pk]))
    assert response.status_code == 302
    assert OutlineProblem.objects.unscoped("test").filter(outline__talk=talk).count() >= 3
    assert client.post(reverse("portrait:prepare", args=[talk.pk])).status_code == 302


def test_the_scheme_page_saves_weights_adding_to_100_and_refuses_others(client, world):
    prepare(actor=None, year=YEAR, as_of=AS_OF)
    Indicator.objects.create(code="XF", name="信访举报件数", direction="lower_better")
    client.force_login(world.users["commission_c1"])
    url = reverse("portrait:ecology")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"indicator": ["PM25", "XF"], "weight": ["60", "30"],
                            "sign": ["positive", "negative"], "green_min": "80",
                            "yellow_min": "60"})  # fmt: skip
    assert bad.status_code == 200 and "之和须为100" in bad.content.decode()
    assert not EcologyScheme.objects.exists()
    ok = client.post(url, {"indicator": ["PM25", "XF"], "weight": ["60", "40"],
                           "sign": ["positive", "negative"], "green_min": "80",
                           "yellow_min": "60"})  # fmt: skip
    assert ok.status_code == 302
    scheme = EcologyScheme.objects.get(committee=world.orgs["C1"])
    assert scheme.weights.count() == 2
    prepare(actor=None, year=YEAR, as_of=AS_OF)
    page = client.get(reverse("portrait:talk", args=[world.talks["k11"].pk])).content.decode()
    assert "政治生态指数" in page and "eco-" in page and "缺数据" in page
