"""The look-back (回头看): a reproducible sample of closed measures plus every measure of the
chosen subjects; checked by someone who neither owned nor accepted the measure; a failure
reopens it with the reason, tells the owner and shows in the subject's next portrait."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tanhua.audit.models import AuditEntry
from tanhua.core.scoping import OutOfScope
from tanhua.core.testing import build_world
from tanhua.notices.models import Notice
from tanhua.rectification.models import (
    CloseRequest,
    Decision,
    LookBackItem,
    Measure,
    MeasureStatus,
)
from tanhua.rectification.services import lookback as lb
from tanhua.rectification.testing import MeasureSpec, ProblemSpec, make_plan
from tanhua.rectification.testing_track import measures_world
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = add_talks(build_world())
    w.measures = measures_world(w)
    closed = [MeasureSpec(text=f"已销号举措{i}", status=MeasureStatus.CLOSED) for i in range(12)]
    make_plan(w.talks["p_gc1"], [ProblemSpec(measures=closed)])
    return w


def _items(look_back):
    return LookBackItem.objects.unscoped("test").filter(look_back=look_back)


def _start(world, **kw):
    args = {
        "actor": world.users["commission_p"], "campaign": world.campaigns["P"],
        "title": "2026年度回头看", "sample_size": 5, "seed": 42,
    }  # fmt: skip
    return lb.start_look_back(**{**args, **kw})


def test_the_same_seed_draws_the_same_sample(world):
    first = _start(world)
    second = _start(world, title="再抽一次")
    pick = lambda x: sorted(_items(x).values_list("measure_id", flat=True))  # noqa: E731
    assert pick(first) == pick(second) and len(pick(first)) == 5
    other = _start(world, title="另一种子", seed=43)
    assert pick(other) != pick(first)
    assert first.seed == 42 and first.sample_size == 5


def test_a_look_back_without_a_seed_records_the_one_it_drew(world):
    made = _start(world, seed=None)
    entry = AuditEntry.objects.get(action="look_back.start", object_id=str(made.pk))
    assert entry.detail["seed"] == made.seed and entry.detail["pool"] == 12


def test_the_chosen_subjects_measures_are_all_checked(world):
    made = lb.start_look_back(
        actor=world.users["commission_c1"], campaign=world.campaigns["C1"], title="全面复查",
        sample_size=0, subjects=[world.cadres["GK11"]],
    )  # fmt: skip
    assert _items(made).filter(why=LookBackItem.Why.SUBJECT).count() == 6


def test_only_closed_measures_in_the_starters_scope_are_sampled(world):
    made = lb.start_look_back(
        actor=world.users["commission_c1"], campaign=world.campaigns["C1"], title="抽查",
        sample_size=50, seed=1,
    )  # fmt: skip
    assert list(_items(made).values_list("measure__text", flat=True)) == ["建立交流机制"]


def test_a_failed_check_reopens_the_measure_and_tells_the_owner(world):
    made = lb.start_look_back(
        actor=world.users["commission_c1"], campaign=world.campaigns["C1"], title="抽查",
        sample_size=1, seed=1,
    )  # fmt: skip
    item = _items(made).get()
    lb.verify_item(
        actor=world.users["organization_c1"], item=item, passed=False, note="调研台账未建立"
    )
    measure = Measure.objects.unscoped("test").get(pk=item.measure_id)
    assert measure.status == MeasureStatus.IN_PROGRESS and measure.reopened == 1
    notice = Notice.objects.get(recipient=world.users["subject_k11"], kind="measure_reopened")
    assert "调研台账未建立" in notice.body
    assert AuditEntry.objects.filter(action="measure.reopen", object_id=str(measure.pk)).exists()


def test_a_reopen_notice_reaches_only_those_of_the_owners_accounts_who_may_read_the_measure(
    world,
):
    from tanhua.accounts.roles import Role
    from tanhua.core.classification import Classification
    from tanhua.core.testing import make_user

    # A second account of the same cadre, cleared below the talk: it may not read the measure.
    low = make_user(
        "gk11_low", org=world.orgs["K11"], roles=[Role.SUBJECT], cadre=world.cadres["GK11"],
        clearance=Classification.INTERNAL,
    )  # fmt: skip
    made = lb.start_look_back(
        actor=world.users["commission_c1"], campaign=world.campaigns["C1"], title="抽查",
        sample_size=1, seed=1,
    )  # fmt: skip
    item = _items(made).get()
    Measure.objects.unscoped("test").filter(pk=item.measure_id).update(
        classification=Classification.SECRET
    )
    assert not Measure.objects.visible_to(low).filter(pk=item.measure_id).exists()
    lb.verify_item(
        actor=world.users["organization_c1"], item=item, passed=False, note="调研台账未建立"
    )
    kinds = Notice.objects.filter(kind="measure_reopened")
    assert kinds.filter(recipient=world.users["subject_k11"]).exists()
    assert not kinds.filter(recipient=low).exists()


def test_the_owner_and_the_acceptor_may_not_check(world):
    done = world.measures["done"]
    CloseRequest.objects.create(
        measure=done, evidence="已建立", requested_by=world.users["subject_k11"],
        decision=Decision.ACCEPTED, decided_by=world.users["commission_c1"],
    )  # fmt: skip
    made = lb.start_look_back(
        actor=world.users["organization_c1"], campaign=world.campaigns["C1"], title="抽查",
        sample_size=1, seed=1,
    )  # fmt: skip
    item = _items(made).get()
    with pytest.raises(lb.LookBackError, match="既非责任人"):
        lb.verify_item(actor=world.users["commission_c1"], item=item, passed=True)
    with pytest.raises(OutOfScope):
        lb.verify_item(actor=world.users["subject_k11"], item=item, passed=True)
    lb.verify_item(actor=world.users["organization_c1"], item=item, passed=True)
    with pytest.raises(lb.LookBackError, match="已复查"):
        lb.verify_item(actor=world.users["commission_p"], item=item, passed=True)


def test_a_failed_check_needs_a_reason(world):
    item = _items(_start(world)).first()
    with pytest.raises(lb.LookBackError, match="写明理由"):
        lb.verify_item(actor=world.users["commission_c1"], item=item, passed=False, note=" ")


def test_staff_start_and_check_through_the_pages(world):
    client = Client()
    client.force_login(world.users["commission_c1"])
    response = client.post(
        reverse("rectification:lookback_create"),
        {"campaign": world.campaigns["C1"].pk, "title": "页面回头看", "sample_size": 1,
         "seed": 3, "subjects": "GK11"},
    )  # fmt: skip
    assert response.status_code == 302
    detail = client.get(response.url)
    assert "页面回头看" in detail.content.decode()
    item = detail.context["items"][0]
    other = Client()
    other.force_login(world.users["organization_c1"])
    answer = other.post(
        reverse("rectification:lookback_verify", args=[item.pk]),
        {"result": "failed", "note": "未见成效"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200 and "未通过" in answer.content.decode()


def test_an_unknown_subject_code_is_a_clear_error(world):
    client = Client()
    client.force_login(world.users["commission_c1"])
    response = client.post(
        reverse("rectification:lookback_create"),
        {"campaign": world.campaigns["C1"].pk, "title": "回头看", "sample_size": 1,
         "subjects": "GC2V"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "未找到干部编号：GC2V" in response.content.decode()
