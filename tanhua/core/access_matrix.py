"""Who may reach which URL: the permission matrix every URL must have an entry in.

The test in tanhua/core/tests/test_access_matrix.py walks the URL conf (and the API schema)
and fails for any named URL without an entry here. For each entry it requests the URL as
every persona of `tanhua.core.testing.build_world()` (business roles based at city C1,
administrators at the province) with an in-scope object, and with an out-of-scope object
(in sibling city C2) where the URL takes one:

- a role in `allowed` gets `ok` (200 unless given) for the in-scope object;
- every other role gets 404 — out of scope looks exactly like absent (DESIGN §2);
- the out-of-scope object answers 404 to every C1-based persona;
- anonymous gets a redirect to the login page (pages) or 401 (API).

`kwargs(world)` / `outside(world)` build the URL's arguments from the world; `None` for a
URL without arguments. `public=True` marks the few pages anyone may open (login, health).

`per_user=True` marks URLs of objects a user owns (import batches): `kwargs(world, user)` builds
the persona's own object, which every allowed role reaches wherever it sits, and
`outside(world, user)` someone else's, which answers 404 to everyone.

`API_ENTRIES` does the same for the REST API, keyed "METHOD /path" as in its OpenAPI schema;
`data` is the JSON body, and `kwargs` returning {} anchors a body-only write in C1.

A persona reaches an object when it sits in or below the persona's organization; a persona
below the object's organization (`anchor`, C1 unless given) is outside it. Beyond the status,
the matrix tries hidden objects (out of scope, above clearance, declared 回避; see
`tanhua.core.testing.add_scope_probes`) where they could leak:

- `code_fields`: each code-valued body field of a write, set to a hidden code, answers byte for
  byte like an unknown code (the caller's own code aside), and the refusal is audited;
- `new_codes`: a taken code answers one message, the same wherever its holder lies;
- `lists`: under every query variant, the body names no hidden object (codes, names, titles of
  hidden posts), and it does not change when the hidden objects change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tanhua.accounts import roles as R

Kw = Callable[[object], dict] | None


@dataclass(frozen=True)
class Access:
    allowed: frozenset = frozenset()
    kwargs: Kw = None
    outside: Kw = None
    method: str = "GET"
    ok: int = 200
    public: bool = False
    data: dict = field(default_factory=dict)
    # Extra statuses an allowed role may see instead of `ok` (e.g. 302 after a form redirect).
    also_ok: frozenset = frozenset()
    per_user: bool = False
    # The organization the in-scope object sits in, where deeper than city C1: a persona
    # below it does not reach it (say subject_k11 and a C1 post), one in or above it does.
    anchor: str | None = None
    # Body fields naming an existing object by code, with its kind ("organization" or
    # "cadre"): a code the persona may not see answers byte for byte like an unknown one.
    code_fields: dict = field(default_factory=dict)
    # Body fields naming a new code: a taken one answers one message wherever its holder lies
    # (in scope, out of it, above clearance, declared), quoting nothing stored.
    new_codes: dict = field(default_factory=dict)
    # For an entry that lists rows (or shows rows of related objects): query variants to try.
    # No variant may show an object hidden from the persona, nor answer differently once the
    # hidden objects change (filters, orderings and counts over what the persona may see).
    lists: tuple = ()


# Query variants of the list entries: every filter, hidden codes among the values, and a
# later page (an offset over hidden rows would shift it).
CADRE_PAGE_FILTERS = (
    {},
    {"level": "province"},
    {"level": "city"},
    {"level": "county"},
    {"level": "township"},
    {"tier": "city"},
    {"tier": "county"},
    {"q": "书记"},
    {"q": "G"},
    {"q": "GC2"},
    {"q": "GSECRET"},
    {"q": "GDECL"},
    {"page": "2"},
)
ORG_API_FILTERS = (
    {},
    {"level": "province"},
    {"level": "city"},
    {"level": "county"},
    {"parent": "P"},
    {"parent": "C2"},
    {"parent": "C1"},
    {"q": "城"},
    {"q": "C"},
    {"page_size": "1", "page": "2"},
)
CADRE_API_FILTERS = (
    {},
    {"tier": "provincial"},
    {"tier": "city"},
    {"q": "G"},
    {"q": "书记"},
    {"q": "GSECRET"},
    {"q": "GDECL"},
    {"q": "GC2"},
    {"page_size": "2", "page": "2"},
)
POSITION_API_FILTERS = (
    {},
    {"current": "true"},
    {"current": "false"},
    {"org_code": "P"},
    {"org_code": "C2"},
    {"org_code": "C1"},
    {"cadre_code": "GC1X"},
    {"cadre_code": "GC2"},
    {"cadre_code": "GSECRET"},
    {"cadre_code": "GDECL"},
    {"page_size": "1", "page": "3"},
)
PLAIN = ({},)


def _org(code):
    return lambda w: {"code": code}


def _c1_user(world) -> dict:
    return {"username": "commission_c1"}


def _conflict(world) -> dict:
    """An active declaration by a C1 user (one who reads no cadre pages, so it hides nothing
    the other entries rely on)."""
    from tanhua.accounts.models import ConflictDeclaration

    decl, _ = ConflictDeclaration.objects.unscoped("test world").get_or_create(
        user=world.users["recorder_c1"],
        cadre=world.cadres["GT111"],
        active=True,
        defaults={"reason": "kin", "detail": "权限矩阵测试"},
    )
    return {"pk": decl.pk}


def _waiting_grant(world) -> dict:
    """A grant a second security administrator asked for a C1 user, waiting for approval."""
    from tanhua.accounts.models import PendingGrant, RoleGrant, User

    asker, _ = User.objects.get_or_create(
        username="secadmin_second", defaults={"organization": world.orgs["P"]}
    )
    RoleGrant.objects.get_or_create(user=asker, role=R.Role.SECADMIN)
    grant = PendingGrant.objects.create(
        user=world.users["submitter_c1"], requested_by=asker, roles=[R.Role.TALKER]
    )
    return {"pk": grant.pk}


def _finding(org_code: str) -> Kw:
    """A finding of that organization (one per organization, made on first use)."""

    def kwargs(world) -> dict:
        from tanhua.evidence.models import Finding
        from tanhua.evidence.testing import make_finding

        code = f"FMX{org_code}"
        if not Finding.objects.unscoped("test world").filter(code=code).exists():
            make_finding(world.orgs[org_code], code=code)
        return {"code": code}

    return kwargs


FINDING_PAGE_FILTERS = (
    {},
    {"focus_area": "A2"},
    {"focus_area": "none"},
    {"focus_area_source": "proposed"},
    {"source": "inspection"},
    {"q": "F"},
    {"q": "FMXC2"},
    {"page": "2"},
)


TEXT_SEARCH_ROLES = frozenset(R.PLAN_TALKS | {R.Role.TALKER})
# Words only hidden rows hold (礼金: GSECRET's, 招投标: GDECL's, 吃喝: C2's), a word of visible
# and hidden rows alike (违规), FTS5 and tsquery syntax, a later page, and each source.
TEXT_SEARCH_FILTERS = (
    {},
    {"q": "违规"},
    {"q": "形式"},
    {"q": "礼金"},
    {"q": "招投标"},
    {"q": "吃喝"},
    {"q": "GSECRET"},
    {"q": "违规 礼金"},
    {"q": '违规 "礼金" OR NEAR(吃喝) * -招投标 ^形式'},
    {"q": "违规", "page": "2"},
    {"q": "违规", "source": "finding"},
    {"q": "违规", "source": "talk_record"},
)
TEXT_SEARCH_API_FILTERS = (
    *TEXT_SEARCH_FILTERS,
    {"q": "违规", "page_size": "1", "page": "2"},
)


def _own_batch(world, user) -> dict:
    from tanhua.exchange.testing import own_batch

    return own_batch(world, user)


def _others_batch(world, user) -> dict:
    from tanhua.exchange.testing import someone_elses_batch

    return someone_elses_batch(world, user)


ENTRIES: dict[str, Access] = {
    "core:home": Access(allowed=frozenset(R.Role), lists=PLAIN),
    "core:healthz": Access(public=True),
    "accounts:login": Access(public=True),
    "accounts:logout": Access(allowed=frozenset(R.Role), method="POST", ok=302),
    "accounts:password_change": Access(allowed=frozenset(R.Role)),
    "accounts:user_list": Access(allowed=R.MANAGE_USERS),
    # The personal page and its credential changes: every role, each only their own account
    # (no object in the URL; the personas hold no authenticator, so both forms explain that).
    "accounts:me": Access(allowed=frozenset(R.Role), lists=PLAIN),
    "accounts:me_otp": Access(allowed=frozenset(R.Role)),
    "accounts:me_backup_codes": Access(allowed=frozenset(R.Role)),
    # Second factor: any signed-in user may enrol; verify without a device sends to enrol.
    "accounts:otp_setup": Access(allowed=frozenset(R.Role)),
    "accounts:otp_verify": Access(allowed=frozenset(R.Role), ok=302),
    # The security administrator manages every account (no org scope applies): in-scope is a
    # C1 user, and there is no "outside" user for them.
    "accounts:user_create": Access(allowed=R.MANAGE_USERS),
    "accounts:user_detail": Access(allowed=R.MANAGE_USERS, kwargs=_c1_user),
    "accounts:user_roles": Access(
        allowed=R.MANAGE_USERS,
        kwargs=_c1_user,
        method="POST",
        ok=302,
        data={"action": "grant", "role": "viewer"},
    ),
    "accounts:user_clearance": Access(
        allowed=R.MANAGE_USERS, kwargs=_c1_user, method="POST", ok=302, data={"clearance": "1"}
    ),
    # commission_c1's organization has no office: choosing none answers a redirect.
    "accounts:user_office": Access(
        allowed=R.MANAGE_USERS, kwargs=_c1_user, method="POST", ok=302, data={"office": ""}
    ),
    "accounts:user_disable": Access(allowed=R.MANAGE_USERS, kwargs=_c1_user, method="POST", ok=302),
    # commission_c1 is active: enabling answers the page with the reason, not a redirect.
    "accounts:user_enable": Access(
        allowed=R.MANAGE_USERS, kwargs=_c1_user, method="POST", also_ok=frozenset({302})
    ),
    "accounts:user_reset_password": Access(allowed=R.MANAGE_USERS, kwargs=_c1_user, method="POST"),
    # Grants waiting for a second person: any security administrator but the requester
    # decides (the approvers named in settings are no persona of the world).
    "accounts:grant_list": Access(allowed=R.MANAGE_USERS),
    "accounts:grant_approve": Access(
        allowed=R.MANAGE_USERS, kwargs=lambda w: _waiting_grant(w), method="POST", ok=302
    ),
    "accounts:grant_reject": Access(
        allowed=R.MANAGE_USERS, kwargs=lambda w: _waiting_grant(w), method="POST", ok=302
    ),
    "accounts:conflict_list": Access(allowed=R.MANAGE_USERS),
    "accounts:conflict_withdraw": Access(
        allowed=R.MANAGE_USERS, kwargs=lambda w: _conflict(w), method="POST", ok=302
    ),
    "accounts:conflict_declare": Access(
        allowed=R.SEE_PEOPLE, kwargs=_org("GK11"), outside=_org("GC2")
    ),
    "org:tree": Access(allowed=R.BROWSE_ORGS, lists=PLAIN),
    "org:organization_detail": Access(
        allowed=R.BROWSE_ORGS, kwargs=_org("K11"), outside=_org("C2"), anchor="K11", lists=PLAIN
    ),
    "org:organization_children": Access(
        allowed=R.BROWSE_ORGS, kwargs=_org("C1"), outside=_org("C2"), lists=PLAIN
    ),
    "org:pick": Access(allowed=R.BROWSE_ORGS),
    "org:cadre_list": Access(allowed=R.SEE_PEOPLE, lists=CADRE_PAGE_FILTERS),
    "org:cadre_detail": Access(
        # A subject may open their own record (Cadre.visible_to); GK11 is subject_k11's.
        allowed=R.SEE_PEOPLE | {R.Role.SUBJECT},
        kwargs=lambda w: {"code": "GK11"},
        outside=lambda w: {"code": "GC2"},
        anchor="K11",
        lists=PLAIN,
    ),
    "evidence:finding_list": Access(allowed=R.PLAN_TALKS, lists=FINDING_PAGE_FILTERS),
    "evidence:finding_focus_area": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_finding("C1"),
        outside=_finding("C2"),
        method="POST",
        ok=302,
        data={"focus_area": "A2"},
    ),
    "evidence:classifier_retrain": Access(allowed=R.PLAN_TALKS, method="POST", ok=302),
    "exchange:upload": Access(allowed=R.EDIT_REGISTRY),
    "exchange:template": Access(allowed=R.EDIT_REGISTRY),
    "exchange:preview": Access(
        allowed=R.EDIT_REGISTRY, per_user=True, kwargs=_own_batch, outside=_others_batch
    ),
    "exchange:confirm": Access(
        allowed=R.EDIT_REGISTRY,
        per_user=True,
        kwargs=_own_batch,
        outside=_others_batch,
        method="POST",
        ok=302,
    ),
    "exchange:errors": Access(
        allowed=R.EDIT_REGISTRY, per_user=True, kwargs=_own_batch, outside=_others_batch
    ),
    "audit:log": Access(allowed=R.READ_AUDIT),
    "audit:export": Access(allowed=R.READ_AUDIT),
    "search:quick_find": Access(allowed=R.BROWSE_ORGS | R.SEE_PEOPLE),
    # Full-text search: the matrix world holds findings whose words only hidden rows hold
    # (tanhua/search/testing.py add_text_probes).
    "search:text": Access(allowed=TEXT_SEARCH_ROLES, lists=TEXT_SEARCH_FILTERS),
    # A user manages only their own API tokens: someone else's answers 404 to everyone.
    "api_tokens:list": Access(allowed=frozenset(R.Role)),
    "api_tokens:revoke": Access(method="POST", ok=302, kwargs=lambda w: _foreign_token(w)),
    # The talk (issue 9): in scope C1's talk with the K11 secretary (so anchored in K11, where
    # its subject sits), outside C2's talk. The subject reaches their own talk's page only;
    # the outline, the record and the print are staff's, the talker's and the recorder's.
    "talks:detail": Access(
        allowed=R.PLAN_TALKS | R.TAKE_PART_IN_TALKS,
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
    ),
    "talks:outline": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER},
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
    ),
    "talks:record": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER},
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
    ),
    # Only the talker and the subject confirm (k11 is not held yet: the page says so).
    "talks:confirm": Access(
        allowed=frozenset({R.Role.TALKER, R.Role.SUBJECT}),
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
    ),
    "talks:print": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER},
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
    ),
    # The portrait (issue 10): staff in scope and the talker, never the subject nor the recorder.
    "portrait:talk": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER},
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
    ),
    "portrait:sources": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER},
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
    ),
    "portrait:prepare": Access(
        allowed=R.PLAN_TALKS,
        kwargs=lambda w: _talk_pk(w, "k11"),
        outside=lambda w: _talk_pk(w, "c2"),
        anchor="K11",
        method="POST",
        ok=302,
    ),
    "portrait:ecology": Access(allowed=R.PLAN_TALKS),
}


# --- scheduling, calendars and notices (issue 9) -------------------------------------------
# In-scope talk: C1's talk with GK11 (world.talks["k11"]); outside: C2's (world.talks["c2"]).
CALENDAR_ROLES = frozenset(R.PLAN_TALKS | R.TAKE_PART_IN_TALKS)
CALENDAR_FILTERS = (
    {},
    {"view": "list"},
    {"week": "2026-06-01"},
    {"talker": "GC1"},
    {"talker": "GC2"},
    {"talker": "GSECRET"},
    {"view": "list", "talker": "GC2"},
)
CAMPAIGN_CALENDAR_FILTERS = (
    {},
    {"view": "list"},
    {"status": "planned", "view": "list"},
    {"talker": "GC2", "view": "list"},
    {"week": "2026-06-01"},
)


def _with_talks(world):
    """The world's talks, added on first use where a test built its world without them."""
    if not hasattr(world, "talks"):
        from tanhua.talks.testing import add_talks

        add_talks(world)
    return world


def _talk(name: str, key: str = "pk"):
    return lambda w: {key: _with_talks(w).talks[name].pk}


def _campaign(code: str, key: str = "pk"):
    return lambda w: {key: _with_talks(w).campaigns[code].pk}


def _own_notice(world, user) -> dict:
    from tanhua.notices.models import Notice

    user = user or world.users["commission_c1"]  # anonymous: someone's, it only needs to exist
    notice = Notice.objects.create(
        recipient=user, event_key=f"matrix:{user.pk}", kind="test", title="测试通知"
    )
    return {"pk": notice.pk}


def _others_notice(world, user) -> dict:
    from tanhua.notices.models import Notice

    other = world.users["viewer_c1" if user and user.username != "viewer_c1" else "auditor"]
    notice = Notice.objects.create(
        recipient=other, event_key=f"matrix-other:{user.pk}", kind="test", title="他人通知"
    )
    return {"pk": notice.pk}


def _feed(world) -> dict:
    from tanhua.notices.feeds import issue_feed

    _row, plain = issue_feed(actor=None, user=world.users["talker_c1"])
    return {"secret": plain}


def _talk_c2_with_recorder(world) -> dict:
    """C2's talk, given a C2 recorder, so the same body schedules it for the province staff
    who reach it (the body keeps each talk's recorder)."""
    from tanhua.accounts.models import User
    from tanhua.core.testing import make_user

    rec = User.objects.filter(username="recorder_c2").first() or make_user(
        "recorder_c2", org=world.orgs["C2"], roles=[R.Role.RECORDER]
    )
    talk = _with_talks(world).talks["c2"]
    type(talk).objects.unscoped("matrix: set up the object").filter(pk=talk.pk).update(recorder=rec)
    return {"id": talk.pk}


SCHEDULE_BODY = {
    "start": "2026-06-02T09:00:00+08:00",
    "end": "2026-06-02T10:00:00+08:00",
    "place": "市委第一会议室",
}

ENTRIES.update(
    {
        "talks:schedule": Access(
            allowed=R.PLAN_TALKS, kwargs=_talk("k11"), outside=_talk("c2"), lists=PLAIN
        ),
        "talks:calendar": Access(allowed=CALENDAR_ROLES, lists=CALENDAR_FILTERS),
        "talks:calendar_feed_issue": Access(allowed=CALENDAR_ROLES, method="POST"),
        "talks:calendar_feed_revoke": Access(allowed=CALENDAR_ROLES, method="POST", ok=302),
        # The secret address is the credential (calendar clients cannot log in).
        "talks:calendar_feed": Access(public=True, kwargs=_feed),
        "campaigns:calendar": Access(
            allowed=R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER},
            kwargs=_campaign("C1"),
            outside=_campaign("C2"),
            lists=CAMPAIGN_CALENDAR_FILTERS,
        ),
        "notices:list": Access(allowed=frozenset(R.Role), lists=PLAIN),
        "notices:bell": Access(allowed=frozenset(R.Role)),
        "notices:mark_all_read": Access(allowed=frozenset(R.Role), method="POST", ok=302),
        "notices:mark_read": Access(
            allowed=frozenset(R.Role),
            per_user=True,
            kwargs=_own_notice,
            outside=_others_notice,
            method="POST",
            ok=302,
        ),
        "notices:open": Access(
            allowed=frozenset(R.Role),
            per_user=True,
            kwargs=_own_notice,
            outside=_others_notice,
            ok=302,
        ),
    }
)


def _talk_pk(world, name: str, key: str = "pk") -> dict:
    return {key: world.talks[name].pk}


def _talk_id(name: str):
    return lambda w: _talk_pk(w, name, "id")


# --- campaigns (issue 9): C1's round in scope, C2's (a sibling city) outside --------------

CAMPAIGN_VIEW = frozenset(R.SEE_CAMPAIGNS | {R.Role.TALKER, R.Role.RECORDER})
TALK_FILTERS = (
    {},
    {"status": "planned"},
    {"basis": "required"},
    {"level": "county"},
    {"tier": "city"},
    {"q": "书记"},
    {"q": "GSECRET"},
    {"q": "GDECL"},
    {"scope": "own"},
    {"page": "2"},
)


def _team(code: str, team: str):
    return lambda w: {"pk": w.campaigns[code].pk, "code": team}


CAMPAIGN_ENTRIES: dict[str, Access] = {
    "campaigns:list": Access(allowed=frozenset(R.SEE_CAMPAIGNS | R.TAKE_PART_IN_TALKS)),
    "campaigns:detail": Access(
        allowed=CAMPAIGN_VIEW, kwargs=_campaign("C1"), outside=_campaign("C2")
    ),
    "campaigns:talks": Access(
        allowed=CAMPAIGN_VIEW, kwargs=_campaign("C1"), outside=_campaign("C2")
    ),
    "campaigns:meetings": Access(
        allowed=R.SEE_CAMPAIGNS, kwargs=_campaign("C1"), outside=_campaign("C2"), lists=PLAIN
    ),
    "campaigns:plan": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_campaign("C1"),
        outside=_campaign("C2"),
        method="POST",
        ok=302,
    ),
    "campaigns:edit": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_campaign("C1"),
        outside=_campaign("C2"),
        method="POST",
        ok=302,
        data={
            "name": "东城市委2026年度政治监督谈话",
            "window_start": "2026-05-15",
            "window_end": "2026-07-08",
            "status": "active",
        },
    ),
    "campaigns:rule": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_campaign("C1"),
        outside=_campaign("C2"),
        method="POST",
        ok=302,
        data={"kind": "subordinate_teams", "active": "1"},
    ),
    "campaigns:add_talk": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_campaign("C1"),
        outside=_campaign("C2"),
        method="POST",
        ok=302,
        data={"subject_code": "GT111", "reason": "信访反映较多", "type": "political_supervision"},
    ),
    "campaigns:meeting_set": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_team("C1", "K11"),
        outside=_team("C2", "C2"),
        method="POST",
        ok=302,
        data={"date": "2026-07-02"},
    ),
}
ENTRIES.update(CAMPAIGN_ENTRIES)


def _foreign_token(world) -> dict:
    from tanhua.accounts.models import User
    from tanhua.api.services import issue_token

    owner, _ = User.objects.get_or_create(
        username="token_owner", defaults={"organization": world.orgs["C1"]}
    )
    token, _plain = issue_token(actor=None, user=owner, name="matrix")
    return {"pk": token.pk}


def _pk_of(cadre_code: str):
    def build(world) -> dict:
        from tanhua.org.models import Position

        posts = Position.objects.unscoped("matrix: the object under test, as the test sees it")
        pks = posts.filter(cadre__code=cadre_code).values_list("pk", flat=True)
        return {"id": pks[0]}

    return build


def _in_c1(world) -> dict:
    """No path arguments: the write's body names objects in C1 (anchors the entry there)."""
    return {}


# Keyed "METHOD /path" exactly as in the OpenAPI schema (/api/v1/openapi.json).
FINDING_API_FILTERS = (
    {},
    {"focus_area": "A1"},
    {"focus_area_source": "proposed"},
    {"source": "inspection"},
    {"org_code": "C1"},
    {"org_code": "C2"},
    {"org_code": "K11"},
    {"page_size": "1", "page": "2"},
)

API_ENTRIES: dict[str, Access] = {
    "GET /api/v1/findings": Access(allowed=R.PLAN_TALKS, lists=FINDING_API_FILTERS),
    "GET /api/v1/findings/{code}": Access(
        allowed=R.PLAN_TALKS, kwargs=_finding("C1"), outside=_finding("C2"), lists=PLAIN
    ),
    "POST /api/v1/findings/{code}/focus-area": Access(
        allowed=R.PLAN_TALKS,
        kwargs=_finding("C1"),
        outside=_finding("C2"),
        method="POST",
        data={"focus_area": "A3"},
    ),
    "POST /api/v1/classify": Access(
        # Names no object: every persona with the role may ask, wherever it sits.
        allowed=R.PLAN_TALKS,
        method="POST",
        data={"texts": ["插手工程招投标"]},
    ),
    "GET /api/v1/search": Access(allowed=TEXT_SEARCH_ROLES, lists=TEXT_SEARCH_API_FILTERS),
    "GET /api/v1/organizations": Access(allowed=R.BROWSE_ORGS, lists=ORG_API_FILTERS),
    "GET /api/v1/organizations/{code}": Access(
        allowed=R.BROWSE_ORGS, kwargs=_org("K11"), outside=_org("C2"), anchor="K11", lists=PLAIN
    ),
    "GET /api/v1/organizations/{code}/children": Access(
        allowed=R.BROWSE_ORGS, kwargs=_org("C1"), outside=_org("C2"), lists=PLAIN
    ),
    "POST /api/v1/organizations": Access(
        allowed=R.EDIT_REGISTRY,
        method="POST",
        ok=201,
        kwargs=_in_c1,
        data={"code": "K19", "name": "东城新县委", "level": "county", "parent_code": "C1"},
        code_fields={"parent_code": "organization"},
        new_codes={"code": "organization"},
    ),
    "PATCH /api/v1/organizations/{code}": Access(
        allowed=R.EDIT_REGISTRY,
        method="PATCH",
        kwargs=_org("K11"),
        outside=_org("C2"),
        data={"name": "东城甲县委员会"},
        anchor="K11",
        code_fields={"parent_code": "organization"},
    ),
    "GET /api/v1/cadres": Access(allowed=R.SEE_PEOPLE, lists=CADRE_API_FILTERS),
    "GET /api/v1/cadres/{code}": Access(
        allowed=R.SEE_PEOPLE, kwargs=_org("GC1M"), outside=_org("GC2"), lists=PLAIN
    ),
    # A new cadre holds no post, so creating one has no place to be in or out of scope.
    "POST /api/v1/cadres": Access(
        allowed=R.EDIT_REGISTRY,
        method="POST",
        ok=201,
        data={"code": "GNEW1", "name": "新干部辛", "tier": "county"},
        new_codes={"code": "cadre"},
    ),
    "PATCH /api/v1/cadres/{code}": Access(
        allowed=R.EDIT_REGISTRY,
        method="PATCH",
        kwargs=_org("GC1M"),
        outside=_org("GC2"),
        data={"gender": "female"},
    ),
    "GET /api/v1/positions": Access(allowed=R.SEE_PEOPLE, lists=POSITION_API_FILTERS),
    "POST /api/v1/positions": Access(
        allowed=R.EDIT_REGISTRY,
        method="POST",
        ok=201,
        kwargs=_in_c1,
        data={"cadre_code": "GC1M", "org_code": "K11", "title": "兼职委员", "start": "2021-01-01"},
        code_fields={"cadre_code": "cadre", "org_code": "organization"},
    ),
    "POST /api/v1/talks/{id}/schedule": Access(
        allowed=R.PLAN_TALKS,
        method="POST",
        kwargs=lambda w: {"id": _with_talks(w).talks["k11"].pk},
        outside=_talk_c2_with_recorder,
        data=SCHEDULE_BODY,
    ),
    "GET /api/v1/calendar": Access(allowed=CALENDAR_ROLES, lists=PLAIN),
    "GET /api/v1/notices": Access(allowed=frozenset(R.Role), lists=PLAIN),
    # Campaigns (issue 9): C1's round in scope, C2's outside.
    "GET /api/v1/campaigns": Access(allowed=CAMPAIGN_VIEW),
    "GET /api/v1/campaigns/{campaign_id}": Access(
        allowed=CAMPAIGN_VIEW,
        kwargs=_campaign("C1", "campaign_id"),
        outside=_campaign("C2", "campaign_id"),
    ),
    "POST /api/v1/campaigns/{campaign_id}/plan": Access(
        allowed=R.PLAN_TALKS,
        method="POST",
        kwargs=_campaign("C1", "campaign_id"),
        outside=_campaign("C2", "campaign_id"),
    ),
    "GET /api/v1/campaigns/{campaign_id}/stats": Access(
        allowed=frozenset(R.SEE_CAMPAIGNS | {R.Role.TALKER}),
        kwargs=_campaign("C1", "campaign_id"),
        outside=_campaign("C2", "campaign_id"),
    ),
    "GET /api/v1/campaigns/{campaign_id}/talks": Access(
        allowed=CAMPAIGN_VIEW,
        kwargs=_campaign("C1", "campaign_id"),
        outside=_campaign("C2", "campaign_id"),
    ),
    "PATCH /api/v1/positions/{id}": Access(
        allowed=R.EDIT_REGISTRY,
        method="PATCH",
        kwargs=_pk_of("GC1M"),
        outside=_pk_of("GC2"),
        data={"end": "2030-12-31"},
    ),
    # The talk (issue 9). world.talks["k11"] (C1, subject in K11) in scope, ["c2"] outside.
    # k11's outline is a draft with one problem and its record not started: what the talker,
    # the recorder and the subject may not do yet answers 422 with the reason.
    "GET /api/v1/talks": Access(allowed=R.PLAN_TALKS | R.TAKE_PART_IN_TALKS),
    "GET /api/v1/talks/{id}": Access(
        allowed=R.PLAN_TALKS | R.TAKE_PART_IN_TALKS,
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
    ),
    "GET /api/v1/talks/{id}/outline": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER},
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
    ),
    "PUT /api/v1/talks/{id}/outline": Access(
        allowed=R.PLAN_TALKS,
        method="PUT",
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
        data={"problems": [{"focus_area": "A2", "statement": "主体责任落实不到位"}]},
    ),
    # C2's talk has no outline yet: the province's staff are told so (422).
    "POST /api/v1/talks/{id}/outline/submit": Access(
        allowed=R.PLAN_TALKS,
        method="POST",
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
        also_ok=frozenset({422}),
    ),
    "POST /api/v1/talks/{id}/outline/approve": Access(
        allowed=frozenset({R.Role.TALKER}),
        method="POST",
        ok=422,
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
    ),
    "POST /api/v1/talks/{id}/outline/return": Access(
        allowed=frozenset({R.Role.TALKER}),
        method="POST",
        ok=422,
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
        data={"comment": "请补充数据"},
    ),
    "GET /api/v1/talks/{id}/record": Access(
        allowed=R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER},
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
    ),
    "PUT /api/v1/talks/{id}/record": Access(
        allowed=frozenset({R.Role.RECORDER}),
        method="PUT",
        ok=422,
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
        data={"explanation": "情况属实"},
    ),
    "POST /api/v1/talks/{id}/record/start": Access(
        allowed=frozenset({R.Role.RECORDER}),
        method="POST",
        ok=422,
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
    ),
    "POST /api/v1/talks/{id}/record/held": Access(
        allowed=frozenset({R.Role.RECORDER}),
        method="POST",
        ok=422,
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
    ),
    "POST /api/v1/talks/{id}/confirm": Access(
        allowed=frozenset({R.Role.TALKER, R.Role.SUBJECT}),
        method="POST",
        ok=422,
        kwargs=_talk_id("k11"),
        outside=_talk_id("c2"),
        anchor="K11",
        data={"password": "not-checked-before-the-talk"},
    ),
}


# --- material requests and attachments (issue 10, helper F) ---------------------------------
# In scope: a request of C1's campaign addressed to C1 (submitter_c1's unit) and K11; outside:
# one of C2's campaign addressed to C2. Downloads: a file on C1's finding, and on C2's.
SUBMITTERS = frozenset({R.Role.SUBMITTER})
REQUEST_READERS = frozenset(R.PLAN_TALKS | SUBMITTERS)


def _material_request(where: str, key: str = "pk") -> Kw:
    def kwargs(world) -> dict:
        from tanhua.evidence.models import MaterialRequest
        from tanhua.evidence.requests_testing import make_request

        title = "权限矩阵调取材料甲" if where == "C1" else "权限矩阵调取材料乙"
        found = MaterialRequest.objects.unscoped("test world").filter(title=title).first()
        if found is None:
            campaigns = _with_talks(world).campaigns
            units = [world.orgs["C1"], world.orgs["K11"]] if where == "C1" else [world.orgs["C2"]]
            found = make_request(campaigns[where], units, title=title)
        return {key: found.pk}

    return kwargs


def _finding_attachment(org_code: str) -> Kw:
    def kwargs(world) -> dict:
        from tanhua.evidence.models import Finding
        from tanhua.files import storage
        from tanhua.files.models import Attachment
        from tanhua.files.testing import pdf_bytes

        code = _finding(org_code)(world)["code"]
        finding = Finding.objects.unscoped("test world").get(code=code)
        found = (
            Attachment.objects.unscoped("test world")
            .filter(owner_kind="finding", owner_id=finding.pk)
            .first()
        )
        if found is None:
            data = pdf_bytes()
            found = Attachment.objects.create(
                owner_kind="finding", owner_id=finding.pk, filename="巡察报告.pdf", kind="pdf",
                size=len(data), sha256=storage.store(data), text="inspection report",
            )  # fmt: skip
        return {"pk": found.pk}

    return kwargs


ENTRIES.update(
    {
        "evidence:request_list": Access(allowed=R.PLAN_TALKS, lists=PLAIN),
        "evidence:request_create": Access(allowed=R.PLAN_TALKS),
        "evidence:request_detail": Access(
            allowed=R.PLAN_TALKS,
            kwargs=_material_request("C1"),
            outside=_material_request("C2"),
            lists=PLAIN,
        ),
        "evidence:request_remind": Access(
            allowed=R.PLAN_TALKS,
            kwargs=_material_request("C1"),
            outside=_material_request("C2"),
            method="POST",
            ok=302,
        ),
        "evidence:inbox": Access(allowed=SUBMITTERS, lists=PLAIN),
        "evidence:inbox_request": Access(
            allowed=SUBMITTERS,
            kwargs=_material_request("C1"),
            outside=_material_request("C2"),
            lists=PLAIN,
        ),
        # No file in the body: the submitter is told to choose one (400 with the form).
        "evidence:inbox_submit": Access(
            allowed=SUBMITTERS,
            kwargs=_material_request("C1"),
            outside=_material_request("C2"),
            method="POST",
            ok=400,
        ),
        "files:download": Access(
            allowed=R.PLAN_TALKS,
            kwargs=_finding_attachment("C1"),
            outside=_finding_attachment("C2"),
        ),
    }
)
API_ENTRIES.update(
    {
        "GET /api/v1/material-requests": Access(allowed=REQUEST_READERS, lists=PLAIN),
        "GET /api/v1/material-requests/{request_id}": Access(
            allowed=REQUEST_READERS,
            kwargs=_material_request("C1", "request_id"),
            outside=_material_request("C2", "request_id"),
            lists=PLAIN,
        ),
        # A JSON body carries no file: the submitter is told to choose one (422).
        "POST /api/v1/material-requests/{request_id}/submissions": Access(
            allowed=SUBMITTERS,
            method="POST",
            ok=422,
            kwargs=_material_request("C1", "request_id"),
            outside=_material_request("C2", "request_id"),
        ),
    }
)


def _merge_app_entries() -> None:
    """Apps past the talk cycle keep their entries beside their code."""
    from tanhua.evidence import access as evidence_access
    from tanhua.portrait import access as portrait_access
    from tanhua.rectification import access_lists, access_track
    from tanhua.reports import access as reports_access
    from tanhua.talks import access as talks_access

    modules = (
        access_lists,
        access_track,
        talks_access,
        evidence_access,
        portrait_access,
        reports_access,
    )
    for module in modules:
        ENTRIES.update(module.ENTRIES)
        API_ENTRIES.update(module.API_ENTRIES)


_merge_app_entries()
