"""An outline's versions: every saved change keeps one (who, when, the problems as they were);
the page and the API list them and show a readable diff between any two; the subject never
sees them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tanhua.core.testing import TEST_PASSWORD
from tanhua.talks.models import Outline, OutlineRevision, Talk
from tanhua.talks.services import outline as outlines
from tanhua.talks.services import outline_history as history
from tanhua.talks.services.outline import OutlineDraft, ProblemDraft
from tanhua.talks.tests.helpers import talk_world
from tanhua.talks.tests.test_api import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def tworld(db):
    return talk_world()


def _outline(talk):
    return Outline.objects.unscoped("test").get(talk=talk)


def _two_staff_edit(tworld):
    """The commission's staff add a problem; the organization department's rewrite the first."""
    talk = tworld.talks["k11"]
    commission, organization = tworld.users["commission_c1"], tworld.users["organization_c1"]
    o = outlines.add_problem(
        actor=commission, talk=talk, focus_area="A4", statement="政商交往边界不清",
        evidence="2025年信访举报12件", expected_version=_outline(talk).version,
    )  # fmt: skip
    first = o.problems.unscoped("test").first()
    o = outlines.edit_problem(
        actor=organization, talk=talk, problem_id=first.pk, focus_area="A3",
        statement="调研不深入，文山会海现象突出", evidence="2025年县委发文数量同比增长23%",
        expected_version=o.version,
    )  # fmt: skip
    return talk, o


def _client(user):
    c = Client()
    assert c.login(username=user.username, password=TEST_PASSWORD)
    return c


def test_every_saved_change_keeps_a_version_with_who_saved_it_and_the_problems(tworld):
    talk, _o = _two_staff_edit(tworld)
    revs = history.revisions(tworld.users["commission_c1"], talk)
    assert [r.version for r in revs] == [3, 2, 1]
    assert [r.by.username if r.by else None for r in revs] == [
        "organization_c1", "commission_c1", None,
    ]  # fmt: skip
    assert [p["statement"] for p in revs[0].problems] == [
        "调研不深入，文山会海现象突出", "政商交往边界不清",
    ]  # fmt: skip
    assert revs[1].problems[0]["statement"] == "调研不深入，存在文山会海现象"


def test_submit_approve_and_return_keep_versions_of_the_status_with_the_same_problems(tworld):
    talk, o = _two_staff_edit(tworld)
    o = outlines.submit(actor=tworld.users["commission_c1"], talk=talk, expected_version=3)
    o = outlines.approve(actor=tworld.users["talker_c1"], talk=talk, expected_version=o.version)
    revs = history.revisions(tworld.users["talker_c1"], talk)
    assert [(r.version, r.action, r.status) for r in revs[:2]] == [
        (5, "approve", "approved"), (4, "submit", "submitted"),
    ]  # fmt: skip
    d = history.diff(revs[2], revs[0])
    assert d.status_changed and all(p.kind == "same" for p in d.problems)
    assert "状态：起草中 → 已审定" in d.summary


def test_the_diff_names_added_removed_changed_and_moved_problems_and_the_changed_words(tworld):
    talk, o = _two_staff_edit(tworld)
    staff = tworld.users["commission_c1"]
    first, second = [d.id for d in outlines.current_drafts(o)]
    o = outlines.move_problem(actor=staff, talk=talk, problem_id=second, by=-1,
                              expected_version=o.version)  # fmt: skip
    o = outlines.add_problem(actor=staff, talk=talk, focus_area="A1", statement="学习贯彻不深入",
                             expected_version=o.version)  # fmt: skip
    o = outlines.remove_problem(actor=staff, talk=talk, problem_id=first,
                                expected_version=o.version)  # fmt: skip
    revs = {r.version: r for r in history.revisions(staff, talk)}
    d = history.diff(revs[1], revs[o.version])
    kinds = {p.statement: p.kind for p in d.problems}
    assert kinds == {
        "政商交往边界不清": "added", "学习贯彻不深入": "added",
        "调研不深入，存在文山会海现象": "removed",
    }  # fmt: skip
    rewrite = history.diff(revs[2], revs[3])
    changed = [p for p in rewrite.problems if p.kind == "changed"]
    assert len(changed) == 1
    fields = {f.field: f for f in changed[0].fields}
    assert set(fields) == {"statement"}
    assert ("removed", "存在") in fields["statement"].segments
    assert ("added", "现象突出") in fields["statement"].segments or any(
        op == "added" and "突出" in t for op, t in fields["statement"].segments
    )
    moved = history.diff(revs[3], revs[4])
    assert [p.kind for p in moved.problems] == ["moved", "moved"]
    assert moved.summary == "调整顺序2个"


def test_a_stale_edit_keeps_no_version(tworld):
    talk, o = _two_staff_edit(tworld)
    from tanhua.core.versioning import StaleEdit

    with pytest.raises(StaleEdit):
        outlines.add_problem(actor=tworld.users["commission_c1"], talk=talk, focus_area="A1",
                             statement="旧版本上的修改", expected_version=2)  # fmt: skip
    assert OutlineRevision.objects.unscoped("test").filter(outline=o).count() == 3


def test_the_operators_bulk_prefill_keeps_the_same_versions_as_the_per_talk_path(tworld):
    talk = tworld.talks["secret"]
    drafts = [ProblemDraft(focus_area="A2", statement="主体责任落实不到位", sources=())]
    versions = outlines.save_many(actor=None, drafts=[OutlineDraft(talk.pk, drafts)])
    o = _outline(talk)
    revs = list(OutlineRevision.objects.unscoped("test").filter(outline=o).order_by("version"))
    assert versions[talk.pk] == 2 == o.version
    assert [(r.version, r.action, len(r.problems)) for r in revs] == [
        (1, "create", 0), (2, "prefill", 1),
    ]  # fmt: skip
    assert revs[1].problems[0]["id"] == o.problems.unscoped("test").get().pk


def test_the_versions_page_shows_both_editors_and_the_diff_of_the_last_change(tworld):
    talk, _o = _two_staff_edit(tworld)
    page = _client(tworld.users["commission_c1"]).get(f"/talks/{talk.pk}/outline/versions/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "organization_c1" in html and "commission_c1" in html
    assert "第 2 版 → 第 3 版" in html
    assert "<del>存在</del>" in html
    older = _client(tworld.users["talker_c1"]).get(
        f"/talks/{talk.pk}/outline/versions/", {"from": 1, "to": 2}
    )
    assert "政商交往边界不清" in older.content.decode() and "新增" in older.content.decode()
    unknown = _client(tworld.users["recorder_c1"]).get(
        f"/talks/{talk.pk}/outline/versions/", {"to": 99}
    )
    assert unknown.status_code == 200 and "没有第 99 版" in unknown.content.decode()
    outline_page = _client(tworld.users["commission_c1"]).get(f"/talks/{talk.pk}/outline/")
    assert "版本记录（3 个版本）" in outline_page.content.decode()


def test_the_subject_and_other_cities_never_see_the_versions(tworld):
    talk, _o = _two_staff_edit(tworld)
    for user in ("subject_k11", "commission_c2"):
        c = _client(tworld.users[user])
        assert c.get(f"/talks/{talk.pk}/outline/versions/").status_code == 404
        assert Api(tworld.users[user]).get(f"/talks/{talk.pk}/outline/versions").status_code == 404
        assert Api(tworld.users[user]).get(f"/talks/{talk.pk}/outline/diff").status_code == 404


def test_the_api_lists_versions_and_diffs_any_two(tworld):
    talk, _o = _two_staff_edit(tworld)
    api = Api(tworld.users["organization_c1"])
    body = api.get(f"/talks/{talk.pk}/outline/versions").json()
    assert body["current_version"] == 3
    assert [(v["version"], v["by"]) for v in body["items"]] == [
        (3, "organization_c1"), (2, "commission_c1"), (1, None),
    ]  # fmt: skip
    last = api.get(f"/talks/{talk.pk}/outline/diff").json()
    assert (last["from_version"], last["to_version"]) == (2, 3)
    assert [p["kind"] for p in last["problems"]] == ["changed", "same"]
    segs = last["problems"][0]["fields"][0]["segments"]
    assert {"op": "removed", "text": "存在"} in segs
    whole = api.get(f"/talks/{talk.pk}/outline/diff", **{"from": 0, "to": 3}).json()
    assert whole["counts"]["added"] == 2
    missing = api.get(f"/talks/{talk.pk}/outline/diff", **{"from": 7})
    assert missing.status_code == 422 and "没有第 7 版" in missing.content.decode()


def test_the_versions_page_costs_the_same_queries_however_many_versions(tworld):
    talk, o = _two_staff_edit(tworld)
    c = _client(tworld.users["commission_c1"])
    url = f"/talks/{talk.pk}/outline/versions/"
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for n in range(8):
        o = outlines.add_problem(actor=tworld.users["commission_c1"], talk=Talk(pk=talk.pk),
                                 focus_area="A1", statement=f"问题{n}",
                                 expected_version=o.version)  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        c.get(url)
    assert len(many) == len(few)
