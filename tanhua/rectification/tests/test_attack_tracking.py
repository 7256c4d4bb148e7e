"""An attacker's pass over the tracking half: counts one higher than the rows one may open,
and notices quoting a measure the recipient may not read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tanhua.accounts.roles import Role
from tanhua.core.testing import add_scope_probes, build_world, make_user
from tanhua.notices.models import Notice
from tanhua.rectification.models import LookBackItem, Measure, MeasureStatus
from tanhua.rectification.services import lookback as lb
from tanhua.rectification.services.tracking import tick
from tanhua.rectification.testing import MeasureSpec, ProblemSpec, make_plan
from tanhua.rectification.testing_track import TODAY
from tanhua.talks.testing import add_talks

pytestmark = pytest.mark.django_db

SECRET_TEXT = "机密对象的整改举措"
DECLARED_TEXT = "回避对象的单位整改举措"


@pytest.fixture
def world():
    w = add_talks(add_scope_probes(build_world()))
    closed = MeasureStatus.CLOSED
    make_plan(w.talks["k11"], [ProblemSpec(measures=[MeasureSpec(text="甲县举措", status=closed)])])
    make_plan(
        w.talks["secret"], [ProblemSpec(measures=[MeasureSpec(text=SECRET_TEXT, status=closed)])]
    )
    make_plan(
        w.talks["declared"],
        [
            ProblemSpec(
                measures=[
                    MeasureSpec(
                        text=DECLARED_TEXT,
                        owner_org=w.orgs["K11"],
                        deadline=TODAY - dt.timedelta(days=3),
                    )
                ]
            )
        ],
    )
    return w


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_look_back_list_counts_only_the_items_the_reader_may_open(world):
    made = lb.start_look_back(
        actor=world.users["commission_p"], campaign=world.campaigns["C1"], title="全市回头看",
        sample_size=10, seed=3,
    )  # fmt: skip
    everything = LookBackItem.objects.unscoped("test").filter(look_back=made).count()
    c1 = world.users["commission_c1"]
    mine = LookBackItem.objects.visible_to(c1).filter(look_back=made).count()
    assert everything > mine >= 1
    response = _client(c1).get(reverse("rectification:lookback_list"))
    row = next(r for r in response.context["rows"] if r.pk == made.pk)
    assert (row.total, row.pending) == (mine, mine)


def test_a_units_principal_is_not_told_the_text_of_another_subjects_measure(world):
    measure = Measure.objects.unscoped("test").get(text=DECLARED_TEXT)
    principal = world.users["subject_k11"]
    assert not Measure.objects.visible_to(principal).filter(pk=measure.pk).exists()
    tick(today=TODAY, housekeeping=False)
    key = f"measure:{measure.pk}:"
    told = Notice.objects.filter(recipient=principal, event_key__startswith=key)
    assert told.exists()
    assert all(DECLARED_TEXT not in n.title + n.body for n in told)


def _read_codes(path: str) -> set[str]:
    from tanhua.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(action__in=["cadre.list", "cadre.read"])
    return {c for e in entries if (e.detail or {}).get("path") == path for c in e.detail["codes"]}


def test_the_board_by_subject_names_people_and_writes_their_read_entry(world):
    path = reverse("rectification:board")
    response = _client(world.users["commission_c1"]).get(path, {"group": "subject"})
    assert response.status_code == 200 and "甲县书记戊" in response.content.decode()
    assert "GK11" in _read_codes(path)


def test_the_board_api_by_subject_writes_the_read_entry_of_the_people_it_names(world):
    from tanhua.talks.tests.test_api import Api

    path = "/api/v1/tracking/board"
    response = Api(world.users["commission_c1"]).get("/tracking/board", group="subject")
    assert response.status_code == 200 and "GK11" in response.content.decode()
    assert "GK11" in _read_codes(path)


def test_who_asked_to_close_a_units_measure_may_not_verify_it_in_a_look_back(world):
    from tanhua.rectification.services.closing import decide_close, request_close

    make_plan(
        world.talks["p_gc1"],
        [ProblemSpec(measures=[MeasureSpec(text="单位举措", owner_org=world.orgs["C1"])])],
    )
    measure = Measure.objects.unscoped("test").get(text="单位举措")
    asker = world.users["commission_p"]
    accepter = make_user("organization_p", org=world.orgs["P"], roles=[Role.ORGANIZATION])
    request_close(actor=asker, measure=measure, evidence="已建立制度")
    decide_close(actor=accepter, measure=measure, accept=True)
    made = lb.start_look_back(
        actor=accepter, campaign=world.campaigns["P"], title="省级回头看", sample_size=5, seed=1
    )
    item = LookBackItem.objects.unscoped("test").get(look_back=made, measure=measure)
    with pytest.raises(lb.LookBackError):
        lb.verify_item(actor=asker, item=item, passed=True)


def test_a_talker_below_the_talks_clearance_is_not_told_the_text_of_its_measure(world):
    from tanhua.rectification.services.closing import request_close

    found = Measure.objects.unscoped("test").filter(text=SECRET_TEXT)
    found.update(status=MeasureStatus.OPEN, owner_cadre=None, owner_org=world.orgs["K11"])
    measure = found.get()
    talker = world.users["talker_c1"]
    assert not Measure.objects.visible_to(talker).filter(pk=measure.pk).exists()
    request_close(actor=world.users["commission_p"], measure=measure, evidence="已完成")
    told = Notice.objects.filter(recipient=talker)
    assert all(SECRET_TEXT not in n.title + n.body for n in told)
