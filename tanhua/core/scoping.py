"""The one scoping layer: what a user may see, decided here and nowhere else.

Every read in views, the API and the CLI starts from a `visible_to(user)` QuerySet method,
which calls into this module. Out of scope answers 404, exactly like what does not exist.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R


class OutOfScope(Http404):
    """Raised by services when the actor may not touch the object; answers 404."""


def user_roles(user) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return user.role_names


def has_any(user, allowed: frozenset) -> bool:
    return bool(user_roles(user) & allowed)


def can_browse_orgs(user) -> bool:
    return has_any(user, R.BROWSE_ORGS)


def can_see_people(user) -> bool:
    return has_any(user, R.SEE_PEOPLE)


def can_edit_registry(user) -> bool:
    return has_any(user, R.EDIT_REGISTRY)


def scope_path(user) -> str | None:
    """The materialized path of the user's organization: they see it and what is below."""
    org = getattr(user, "organization", None)
    return org.path if org is not None else None


def clearance(user) -> int:
    return int(getattr(user, "clearance", 0) or 0)


def declared_cadres(user):
    """The cadres `user` declared 回避 on (active declarations), as a subquery of ids: what
    is about them, or quotes them, is out of the user's reach."""
    from tanhua.accounts.models import ConflictDeclaration

    return ConflictDeclaration.objects.filter(user=user, active=True).values("cadre_id")


def path_and_above(path: str) -> list[str]:
    """The materialized paths of an organization and of each organization above it."""
    parts = [c for c in path.split("/") if c]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def office_paths(user) -> list[str] | None:
    """The paths of the localities a commission staff member's office (纪检监察室) covers:
    they see only those localities' talks (DESIGN §2). None: no office, nothing narrowed."""
    if R.Role.COMMISSION not in user_roles(user):
        return None
    office = getattr(user, "office", None)
    if office is None:
        return None
    return list(office.localities.values_list("path", flat=True))


def office_cover(user, field: str):
    """A Q keeping rows whose organization path `field` lies in the user's office's
    localities (nothing where they cover none); None when the user has no office. Talks
    (by their subject's organization), their counts and the teams of a campaign all narrow
    through it, so no page, figure or API answer of an office member reaches past it."""
    from django.db.models import Q

    paths = office_paths(user)
    if paths is None:
        return None
    q = Q(pk__in=[])
    for loc in paths:
        q |= Q(**{f"{field}__startswith": loc})
    return q


def office_campaign_cover(user, field: str = "committee__path"):
    """For an office member, the campaigns run by a committee at or above a covered
    locality (the province's round holds their cities' talks) or inside one; None when the
    user has no office."""
    from django.db.models import Q

    paths = office_paths(user)
    if paths is None:
        return None
    q = Q(pk__in=[])
    above: set[str] = set()
    for loc in paths:
        q |= Q(**{f"{field}__startswith": loc})
        above.update(path_and_above(loc))
    return q | Q(**{f"{field}__in": sorted(above)})


def require(condition: bool) -> None:
    """Refuse as 'not found', never as 'forbidden': out of scope must look like absent."""
    if not condition:
        raise OutOfScope


def nav_items(user) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = [(_("首页"), reverse("core:home"))]
    if can_browse_orgs(user):
        items.append((_("组织机构"), reverse("org:tree")))
    if can_see_people(user):
        items.append((_("干部"), reverse("org:cadre_list")))
    # A subject follows their own talk from the work page, not the campaigns.
    if has_any(user, R.SEE_CAMPAIGNS | {R.Role.TALKER, R.Role.RECORDER}):
        items.append((_("谈话工作"), reverse("campaigns:list")))
    if has_any(user, R.PLAN_TALKS):
        items.append((_("问题线索"), reverse("evidence:finding_list")))
        items.append((_("调取材料"), reverse("evidence:request_list")))
    if has_any(user, {R.Role.SUBMITTER}):
        items.append((_("材料报送"), reverse("evidence:inbox")))
    if has_any(user, R.PLAN_TALKS):
        items.append((_("两报一看"), reverse("reports:list")))
    if has_any(user, R.SEE_CAMPAIGNS):
        items.append((_("领导看板"), reverse("reports:dashboard")))
    from tanhua.search import query as text_search

    if text_search.can_search(user):
        items.append((_("全文搜索"), reverse("search:text")))
    if can_edit_registry(user):
        items.append((_("数据导入"), reverse("exchange:upload")))
    if has_any(user, R.PLAN_TALKS | R.TAKE_PART_IN_TALKS):
        items.append((_("谈话日历"), reverse("talks:calendar")))
    # The four-colour board of rectification: staff and talkers (their talks' measures).
    if has_any(user, R.PLAN_TALKS | {R.Role.TALKER}):
        items.append((_("整改看板"), reverse("rectification:board")))
    # A subject files and follows their own 三清单 (and the measures they own) there.
    if has_any(user, {R.Role.SUBJECT}):
        items.append((_("我的整改"), reverse("rectification:mine")))
    if has_any(user, R.MANAGE_USERS):
        items.append((_("用户管理"), reverse("accounts:user_list")))
    if has_any(user, R.READ_AUDIT):
        items.append((_("审计日志"), reverse("audit:log")))
    return items
