"""The demo year's 三清单: the demo subject's sealed talk has approved lists, progress, a
close request waiting for demo_commission and an extension waiting for demo_talker."""

from __future__ import annotations

import pytest

from tanhua.rectification.models import (
    CloseRequest,
    ExtensionRequest,
    Measure,
    PlanStatus,
    RectificationPlan,
)
from tanhua.talks.models import TalkStatus

pytestmark = pytest.mark.django_db


def test_the_demo_subjects_lists_are_approved_and_in_progress():
    from tanhua.accounts.models import User
    from tanhua.demo.services import load_demo
    from tanhua.rectification.views_measures import awaiting

    load_demo()
    plan = RectificationPlan.objects.unscoped("test").select_related("talk").get()
    assert plan.status == PlanStatus.APPROVED
    assert plan.talk.status == TalkStatus.RECTIFYING
    measures = Measure.objects.unscoped("test").filter(talk=plan.talk)
    assert measures.count() == 3
    assert measures.filter(target_value=190, achieved_value=120).exists()
    assert CloseRequest.objects.unscoped("test").filter(decision="pending").count() == 1
    assert ExtensionRequest.objects.unscoped("test").filter(decision="pending").count() == 1
    commission = User.objects.get(username="demo_commission")
    talker = User.objects.get(username="demo_talker")
    assert len(awaiting(commission)["closes"]) == 1
    assert len(awaiting(talker)["extensions"]) == 1
