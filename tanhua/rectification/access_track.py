"""Access-matrix entries of the tracking half's pages and API operations (merged into
tanhua.core.access_matrix). The world gains measures on every talk of `add_talks` (in scope
C1's talk with GK11; hidden: the 机密 and the declared subjects' talks, C2's and the
province's), a look-back over C1's campaign and one over C2's."""

from __future__ import annotations

from tanhua.accounts import roles as R
from tanhua.core.access_matrix import PLAIN, Access

BOARD_ROLES = frozenset(R.PLAN_TALKS | {R.Role.TALKER})
DOSSIER_ROLES = frozenset(R.SEE_PEOPLE | {R.Role.SUBJECT})
_MARK = "权限矩阵整改举措"


def seed(world) -> dict:
    """Measures on each talk of the world, once (a closed one and an overdue one each)."""
    import datetime as dt

    from tanhua.rectification.models import Measure, MeasureStatus
    from tanhua.rectification.testing import MeasureSpec, ProblemSpec, make_plan

    if not hasattr(world, "talks"):
        from tanhua.talks.testing import add_talks

        add_talks(world)
    have = set(
        Measure.objects.unscoped("test world")
        .filter(text__startswith=_MARK)
        .values_list("talk_id", flat=True)
    )
    for name, talk in world.talks.items():
        if talk.pk in have:
            continue
        talk.refresh_from_db()
        make_plan(
            talk,
            [
                ProblemSpec(
                    text=f"{_MARK}问题{name}",
                    measures=[
                        MeasureSpec(text=f"{_MARK}{name}甲", deadline=dt.date(2026, 1, 31)),
                        MeasureSpec(
                            text=f"{_MARK}{name}乙",
                            deadline=dt.date(2026, 1, 31),
                            status=MeasureStatus.CLOSED,
                        ),
                    ],
                )
            ],
        )
    return {}


def _look_back(where: str, key: str = "pk"):
    def kwargs(world) -> dict:
        return {key: _make_look_back(world, where).pk}

    return kwargs


def _make_look_back(world, where: str):
    from tanhua.rectification.models import LookBack, LookBackItem, Measure

    seed(world)
    title = f"权限矩阵回头看{where}"
    found = LookBack.objects.unscoped("test world").filter(title=title).first()
    if found is None:
        found = LookBack.objects.create(
            campaign=world.campaigns[where], title=title, sample_size=1, seed=7
        )
        talk = world.talks["k11" if where == "C1" else "c2"]
        for m in Measure.objects.unscoped("test world").filter(talk=talk):
            LookBackItem.objects.create(look_back=found, measure=m, why=LookBackItem.Why.SAMPLE)
    return found


def _item(where: str, key: str = "pk"):
    def kwargs(world) -> dict:
        from tanhua.rectification.models import LookBackItem

        lb = _make_look_back(world, where)
        items = LookBackItem.objects.unscoped("test world").filter(look_back=lb)
        return {key: items.order_by("pk").first().pk}

    return kwargs


BOARD_FILTERS = (
    {},
    {"group": "subject"},
    {"group": "campaign"},
    {"focus_area": "A3"},
    {"unit": "K11"},
    {"unit": "C2"},
    {"group": "subject", "unit": "GSECRET"},
)
MEASURE_FILTERS = (
    {},
    {"colour": "red"},
    {"colour": "green"},
    {"subject": "GSECRET"},
    {"subject": "GC2V"},
    {"subject": "GK11"},
    {"committee": "C2"},
    {"unit": "C2"},
    {"state": "overdue"},
    {"within": "C1", "year": "2026", "colour": "red"},
    {"within": "C2"},
    {"subject_org": "K11"},
    {"subject_org": "C2"},
)
# One code a variant: the page echoes each code typed (its own query), not a list of them.
SANCHA_FILTERS = (
    {},
    {"units": "K11"},
    {"units": "C1"},
    {"units": "C2"},
    {"units": "GSECRET"},
    {"units": "K11", "campaign": "1"},
)

ENTRIES: dict = {
    # The board and its cells: staff in scope and the talker (their talks' measures); counts
    # come from the viewer's own measures, so none of the hidden talks' measures count. (A
    # page without an object has no world hook here: tests/test_board.py puts measures on
    # the hidden talks and checks what the pages show.)
    "rectification:board": Access(allowed=BOARD_ROLES, lists=BOARD_FILTERS),
    "rectification:track_measures": Access(allowed=BOARD_ROLES, lists=MEASURE_FILTERS),
    "rectification:sancha": Access(allowed=BOARD_ROLES, lists=SANCHA_FILTERS),
    "rectification:lookback_list": Access(allowed=R.PLAN_TALKS, lists=PLAIN),
    "rectification:lookback_create": Access(allowed=R.PLAN_TALKS),
    "rectification:lookback_detail": Access(
        allowed=R.PLAN_TALKS, kwargs=_look_back("C1"), outside=_look_back("C2"), lists=PLAIN
    ),
    # Neither owner nor acceptor: every staff persona may check C1's item (a redirect back).
    "rectification:lookback_verify": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_item("C1"),
        outside=_item("C2"),
        method="POST",
        ok=302,
        data={"result": "passed"},
    ),
    # The 廉政档案 section of a cadre's page: where the cadre page is.
    "rectification:dossier": Access(
        allowed=DOSSIER_ROLES,
        kwargs=lambda w: (seed(w), {"code": "GK11"})[1],
        outside=lambda w: (seed(w), {"code": "GC2V"})[1],
        anchor="K11",
        lists=PLAIN,
    ),
}
API_BOARD_FILTERS = (
    {},
    {"group": "subject"},
    {"group": "campaign"},
    {"unit": "K11"},
    {"unit": "C2"},
    {"unit": "GSECRET"},
)
API_MEASURE_FILTERS = (
    {},
    {"colour": "red"},
    {"subject": "GSECRET"},
    {"subject": "GC2V"},
    {"committee": "C2"},
    {"unit": "C2"},
    {"within": "C2"},
    {"subject_org": "C2"},
    {"page_size": "1", "page": "2"},
)


def _campaign(where: str):
    def kwargs(world) -> dict:
        seed(world)
        return {"campaign_id": world.campaigns[where].pk}

    return kwargs


API_ENTRIES: dict = {
    "GET /api/v1/tracking/board": Access(allowed=BOARD_ROLES, lists=API_BOARD_FILTERS),
    "GET /api/v1/tracking/measures": Access(allowed=BOARD_ROLES, lists=API_MEASURE_FILTERS),
    "GET /api/v1/tracking/sancha": Access(allowed=BOARD_ROLES, lists=SANCHA_FILTERS),
    "GET /api/v1/tracking/look-backs": Access(allowed=R.PLAN_TALKS, lists=PLAIN),
    # C1's campaign holds closed measures (seed): every staff persona reaching it starts one.
    "POST /api/v1/tracking/campaigns/{campaign_id}/look-backs": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_campaign("C1"),
        outside=_campaign("C2"),
        method="POST",
        ok=201,
        data={"title": "权限矩阵接口回头看", "sample_size": 1, "seed": 1},
    ),
    "GET /api/v1/tracking/look-backs/{look_back_id}": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_look_back("C1", "look_back_id"),
        outside=_look_back("C2", "look_back_id"),
        lists=PLAIN,
    ),
    "POST /api/v1/tracking/look-back-items/{item_id}/verify": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_item("C1", "item_id"),
        outside=_item("C2", "item_id"),
        method="POST",
        data={"result": "passed"},
    ),
}
