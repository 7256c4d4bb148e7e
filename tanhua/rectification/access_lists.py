"""Access-matrix entries of the lists' pages and API operations (merged into
tanhua.core.access_matrix). The in-scope object is C1's talk with the K11 secretary (its
subject, subject_k11, owns the measure), sealed and given a plan in the state the entry
needs; the out-of-scope one is sibling city C2's talk. Objects are made on first use inside
each test's savepoint, and found again by later calls of the same test."""

from __future__ import annotations

from tanhua.accounts import roles as R
from tanhua.core.access_matrix import Access

PARTS = frozenset(R.PLAN_TALKS | {R.Role.TALKER, R.Role.SUBJECT})
FILERS = frozenset(R.PLAN_TALKS | {R.Role.SUBJECT})
SUPERVISORS = frozenset(R.PLAN_TALKS | {R.Role.TALKER})
OWNERS = frozenset({R.Role.SUBJECT})
PLAIN = ({},)


def _talk(world, name: str):
    from tanhua.core.access_matrix import _with_talks
    from tanhua.rectification.testing_lists import seal_talk
    from tanhua.talks.models import Talk, TalkStatus

    talk = Talk.objects.unscoped("matrix: set up the object").get(
        pk=_with_talks(world).talks[name].pk
    )
    if talk.status not in (TalkStatus.SEALED, TalkStatus.RECTIFYING, TalkStatus.CLOSED):
        talk = seal_talk(talk)
    return talk


def _plan(world, name: str, status: str):
    from tanhua.rectification.models import RectificationPlan
    from tanhua.rectification.testing import make_plan

    talk = _talk(world, name)
    plan = RectificationPlan.objects.unscoped("matrix: set up the object").filter(talk=talk).first()
    return plan or make_plan(talk, status=status)


def _c2_subject(world):
    """The C2 talk's subject as a user (no persona): who asks on C2's measure."""
    from tanhua.accounts.models import User
    from tanhua.core.testing import make_user

    found = User.objects.filter(username="subject_c2v").first()
    return found or make_user(
        "subject_c2v", org=world.orgs["C2"], roles=[R.Role.SUBJECT], cadre=world.cadres["GC2V"]
    )


def _measure(world, name: str, pending: str = ""):
    from tanhua.rectification.models import CloseRequest, ExtensionRequest, Measure

    plan = _plan(world, name, "approved")
    measure = (
        Measure.objects.unscoped("matrix: set up the object").filter(problem__plan=plan).first()
    )
    requester = world.users["subject_k11"] if name == "k11" else _c2_subject(world)
    if (
        pending == "close"
        and not CloseRequest.objects.unscoped("matrix").filter(measure=measure).exists()
    ):
        CloseRequest.objects.create(measure=measure, evidence="已完成", requested_by=requester)
        Measure.objects.unscoped("matrix").filter(pk=measure.pk).update(status="submitted")
    if (
        pending == "extension"
        and not ExtensionRequest.objects.unscoped("matrix").filter(measure=measure).exists()
    ):
        import datetime as dt

        ExtensionRequest.objects.create(
            measure=measure, current_deadline=measure.deadline,
            proposed_deadline=dt.date(2026, 12, 31), reason="协调中", requested_by=requester,
        )  # fmt: skip
    return measure


def plan_of(name: str, status: str = "approved", key: str = "pk"):
    return lambda w: {key: _plan(w, name, status).talk_id}


def sealed(name: str, key: str = "id"):
    return lambda w: {key: _talk(w, name).pk}


def measure_of(name: str, pending: str = "", key: str = "pk"):
    return lambda w: {key: _measure(w, name, pending).pk}


def _campaign(code: str):
    from tanhua.core.access_matrix import _campaign as campaign

    return campaign(code)


ENTRIES: dict = {
    "rectification:plan": Access(
        allowed=PARTS, kwargs=plan_of("k11"), outside=plan_of("c2"), anchor="K11", lists=PLAIN
    ),
    "rectification:measure": Access(
        allowed=PARTS,
        kwargs=measure_of("k11"),
        outside=measure_of("c2"),
        anchor="K11",
        lists=PLAIN,
    ),
    "rectification:mine": Access(allowed=R.BUSINESS_ROLES, lists=PLAIN),
    "rectification:waiting": Access(allowed=SUPERVISORS, lists=PLAIN),
    "rectification:ledger_export": Access(
        allowed=R.PLAN_TALKS, kwargs=_campaign("C1"), outside=_campaign("C2")
    ),
}

PLAN_BODY = {
    "problems": [
        {
            "focus_area": "A3",
            "text": "调研不深入，存在文山会海现象",
            "measures": [
                {
                    "text": "建立常态化调研机制",
                    "owner_code": "GK11",
                    "deadline": "2026-10-31",
                    "target_value": "190",
                    "target_unit": "项",
                }
            ],
        }
    ]
}
# A problem id no plan has: the allowed get the service's 422 (the access decision comes
# first: everyone else 404); ids of the rows made per test cannot be written in `data`.
NO_PROBLEM = 2**61

API_ENTRIES: dict = {
    "GET /api/v1/talks/{id}/plan": Access(
        allowed=PARTS,
        kwargs=plan_of("k11", key="id"),
        outside=plan_of("c2", key="id"),
        anchor="K11",
        lists=PLAIN,
    ),
    "PUT /api/v1/talks/{id}/plan": Access(
        allowed=FILERS,
        method="PUT",
        kwargs=sealed("k11"),
        outside=sealed("c2"),
        anchor="K11",
        data=PLAN_BODY,
        # C2's staff reach C2's talk but cannot name its body's owner (the K11 secretary):
        # their refusal names the field (422); anyone the talk is hidden from gets 404.
        also_ok=frozenset({422}),
    ),
    "POST /api/v1/talks/{id}/plan/submit": Access(
        allowed=FILERS,
        method="POST",
        kwargs=plan_of("k11", "draft", "id"),
        outside=plan_of("c2", "draft", "id"),
        anchor="K11",
    ),
    "POST /api/v1/talks/{id}/plan/approve": Access(
        allowed=SUPERVISORS,
        method="POST",
        kwargs=plan_of("k11", "submitted", "id"),
        outside=plan_of("c2", "submitted", "id"),
        anchor="K11",
    ),
    "POST /api/v1/talks/{id}/plan/return": Access(
        allowed=SUPERVISORS,
        method="POST",
        kwargs=plan_of("k11", "submitted", "id"),
        outside=plan_of("c2", "submitted", "id"),
        anchor="K11",
        data={"comment": "举措不够具体"},
    ),
    "POST /api/v1/talks/{id}/plan/analyses": Access(
        allowed=FILERS,
        method="POST",
        ok=422,
        kwargs=plan_of("k11", "draft", "id"),
        outside=plan_of("c2", "draft", "id"),
        anchor="K11",
        data={"problem_id": NO_PROBLEM, "text": "对照检查"},
    ),
    "GET /api/v1/measures": Access(
        allowed=R.BUSINESS_ROLES, lists=({}, {"mine": "true"}, {"status": "open"})
    ),
    "GET /api/v1/measures/{id}": Access(
        allowed=PARTS,
        kwargs=measure_of("k11", key="id"),
        outside=measure_of("c2", key="id"),
        anchor="K11",
        lists=PLAIN,
    ),
    "POST /api/v1/measures/{id}/progress": Access(
        allowed=OWNERS,
        method="POST",
        kwargs=measure_of("k11", key="id"),
        outside=measure_of("c2", key="id"),
        anchor="K11",
        data={"text": "已建立交流机制120项"},
    ),
    "POST /api/v1/measures/{id}/close-request": Access(
        allowed=OWNERS,
        method="POST",
        kwargs=measure_of("k11", key="id"),
        outside=measure_of("c2", key="id"),
        anchor="K11",
        data={"evidence": "机制已运行"},
    ),
    "POST /api/v1/measures/{id}/close-request/decide": Access(
        allowed=SUPERVISORS,
        method="POST",
        kwargs=measure_of("k11", "close", "id"),
        outside=measure_of("c2", "close", "id"),
        anchor="K11",
        data={"accept": True},
    ),
    "POST /api/v1/measures/{id}/extension": Access(
        allowed=OWNERS,
        method="POST",
        kwargs=measure_of("k11", key="id"),
        outside=measure_of("c2", key="id"),
        anchor="K11",
        data={"proposed_deadline": "2026-12-31", "reason": "涉及跨部门协调"},
    ),
    "POST /api/v1/measures/{id}/extension/decide": Access(
        allowed=SUPERVISORS,
        method="POST",
        kwargs=measure_of("k11", "extension", "id"),
        outside=measure_of("c2", "extension", "id"),
        anchor="K11",
        data={"approve": True},
    ),
}
