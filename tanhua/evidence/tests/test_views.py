"""The findings page: staff of the scope see its findings with their focus areas and correct
them in place (htmx), others get not found."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tanhua.audit.models import AuditEntry
from tanhua.evidence.models import Finding, FocusAreaSource
from tanhua.evidence.testing import make_finding


@pytest.fixture
def shown(world):
    return {
        "k11": make_finding(
            world.orgs["K11"], code="FK11", cadre=world.cadres["GK11"], focus_area="A1",
            proposed_focus_area="A1", confidence=0.61,
            focus_area_source=FocusAreaSource.PROPOSED, text="秸秆禁烧不力",
        ),
        "c2": make_finding(world.orgs["C2"], code="FC2", text="西城的问题"),
    }  # fmt: skip


def test_staff_see_their_scopes_findings_with_the_proposal_and_its_confidence(client, owner, shown):
    client.force_login(owner)
    body = client.get(reverse("evidence:finding_list")).content.decode()
    assert "FK11" in body and "秸秆禁烧不力" in body and "置信度 0.61" in body
    assert "FC2" not in body and "西城的问题" not in body
    assert "甲县书记戊" in body  # the cadre, whom the staff member may see


def test_the_list_filters_by_focus_area(client, owner, shown):
    client.force_login(owner)
    body = client.get(reverse("evidence:finding_list"), {"focus_area": "A2"}).content.decode()
    assert "FK11" not in body and "没有符合条件的问题" in body


def test_opening_the_list_is_an_audited_read_of_the_cadres_shown(client, owner, shown):
    client.force_login(owner)
    client.get(reverse("evidence:finding_list"))
    entry = AuditEntry.objects.filter(action__in=["cadre.read", "cadre.list"]).get()
    assert "GK11" in str(entry.detail) or entry.object_id == "GK11"


def test_a_correction_from_the_page_swaps_the_row_and_is_kept(client, owner, shown):
    client.force_login(owner)
    url = reverse("evidence:finding_focus_area", args=["FK11"])
    response = client.post(url, {"focus_area": "A3"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert (
        'id="finding-FK11"' in response.content.decode() and "人工校正" in response.content.decode()
    )
    f = Finding.objects.unscoped("test").get(code="FK11")
    assert (f.focus_area, f.focus_area_source, f.focus_area_set_by) == ("A3", "corrected", owner)


def test_a_bad_focus_area_answers_a_chinese_error_not_a_500(client, owner, shown):
    client.force_login(owner)
    url = reverse("evidence:finding_focus_area", args=["FK11"])
    response = client.post(url, {"focus_area": "A9"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "请选择重点方面" in response.content.decode()


def test_a_finding_out_of_scope_answers_not_found(client, owner, shown):
    client.force_login(owner)
    url = reverse("evidence:finding_focus_area", args=["FC2"])
    assert client.post(url, {"focus_area": "A3"}).status_code == 404
    assert client.post(reverse("evidence:finding_focus_area", args=["NOPE"])).status_code == 404


def test_staff_retrain_the_model_from_the_page_and_read_the_accuracy(client, owner, shown):
    client.force_login(owner)
    response = client.post(reverse("evidence:classifier_retrain"), follow=True)
    body = response.content.decode()
    assert "模型已重新训练：留出集准确率" in body
    entry = AuditEntry.objects.get(action="classifier.retrain")
    assert entry.username == owner.username and entry.after["accuracy"] >= 0.9
