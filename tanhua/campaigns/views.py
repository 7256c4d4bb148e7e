"""The campaign pages: the list in scope, a campaign (settings, rules, the plan button,
statistics rolled up from the lower committees' campaigns, progress over the window), its
talk list (filters, paging, export) and its teams' 民主生活会 dates.

Every read starts from `visible_to(user)`; every write calls tanhua.campaigns.services or
tanhua.talks.services.plan. Out of scope answers 404 like absent."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanhua.accounts import roles as R
from tanhua.campaigns import services, stats
from tanhua.campaigns.forms import CampaignForm, ChosenTalkForm, MeetingForm, TalkFilterForm
from tanhua.campaigns.models import Campaign, CampaignStatus, PlanRule, RuleKind, TeamMeeting
from tanhua.core import scoping
from tanhua.core.versioning import StaleEdit
from tanhua.exchange import listing
from tanhua.org.models import Cadre, Organization, get_by_code_or_404
from tanhua.talks.models import Talk, TalkType
from tanhua.talks.services import plan

TALKS_PER_PAGE = 50
# Who opens a campaign: staff and viewers of its committee's scope, and the talker and the
# recorder of its talks. A subject reaches their own talk from their work page, not here.
VIEW_ROLES = frozenset(R.SEE_CAMPAIGNS | {R.Role.TALKER, R.Role.RECORDER})
LIST_ROLES = frozenset(R.SEE_CAMPAIGNS | R.TAKE_PART_IN_TALKS)
# Who sees talks of a campaign (its talk list and calendar): not the leadership viewer.
TALK_ROLES = frozenset(R.PLAN_TALKS | {R.Role.TALKER, R.Role.RECORDER})

TALK_COLUMNS = [
    listing.Column("干部编号", lambda t: t.subject.code),
    listing.Column("被谈话人", lambda t: t.subject.name),
    listing.Column("所在组织", lambda t: t.subject_org.name, width=24),
    listing.Column("职务", lambda t: t.subject_title, width=24),
    listing.Column("管理层级", lambda t: t.subject.get_tier_display()),
    listing.Column("谈话类型", lambda t: t.get_type_display()),
    listing.Column("谈话依据", lambda t: t.get_basis_display()),
    listing.Column("状态", lambda t: t.get_status_display()),
    listing.Column("谈话时间", lambda t: t.scheduled_start),
    listing.Column("谈话日期", lambda t: t.held_on),
    listing.Column("离任日期", lambda t: t.left_on),
]


def _campaign(request, pk: int) -> Campaign:
    scoping.require(bool(scoping.user_roles(request.user) & VIEW_ROLES))
    qs = Campaign.objects.visible_to(request.user).select_related("committee", "parent")
    return get_object_or_404(qs, pk=pk)


def sees_figures(user, campaign: Campaign) -> bool:
    """Aggregates of the committee's subtree: staff, viewers and the talker of that scope."""
    path = scoping.scope_path(user)
    roles = scoping.user_roles(user)
    return bool(
        roles & (R.SEE_CAMPAIGNS | {R.Role.TALKER})
        and path is not None
        and campaign.committee.path.startswith(path)
    )


def _calendar_url(campaign: Campaign) -> str:
    # The campaign calendar is built on another branch; link it once it exists.
    try:
        return reverse("campaigns:calendar", args=[campaign.pk])
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def campaign_list(request):
    user = request.user
    scoping.require(bool(scoping.user_roles(user) & LIST_ROLES))
    campaigns = (
        Campaign.objects.visible_to(user)
        .select_related("committee")
        .order_by("-year", "committee__path")
    )
    year = request.GET.get("year", "")
    if year.isdigit():
        campaigns = campaigns.filter(year=int(year))
    page = Paginator(campaigns, 50).get_page(request.GET.get("page"))
    counts = dict(
        stats.narrowed(Talk.objects.unscoped("aggregate counts of the campaigns on the page"), user)
        .filter(campaign__in=[c.pk for c in page.object_list])
        .order_by()
        .values_list("campaign_id")
        .annotate(n=Count("pk"))
        .values_list("campaign_id", "n")
    )
    for c in page.object_list:
        c.talk_count = counts.get(c.pk, 0)
    return render(
        request,
        "campaigns/list.html",
        {
            "page": page,
            "year": year,
            "opens": bool(scoping.user_roles(user) & VIEW_ROLES),
        },
    )


def _figures(campaign: Campaign, user) -> dict:
    """The page's figures, its lower campaigns' rows and the chart from one grouped query
    over the subtree's talks (plus the campaigns, and the chart's days). An office member's
    count only their localities' talks and name only the lower campaigns they may see."""
    subtree = stats.subtree_campaigns(campaign)
    if scoping.office_paths(user) is not None:
        seen = set(
            Campaign.objects.visible_to(user)
            .filter(pk__in=[c["pk"] for c in subtree])
            .values_list("pk", flat=True)
        )
        subtree = [c for c in subtree if c["pk"] in seen]
    ids = [c["pk"] for c in subtree]
    rows = stats.grouped(ids, user)
    figures = stats.figures_of(rows, {c["pk"]: c["committee__level"] for c in subtree})
    per_campaign: dict[int, Counter] = {}
    for row in rows:
        bucket = per_campaign.setdefault(row["campaign_id"], Counter())
        for stage in stats.stage_of(row["status"]):
            bucket[stage] += row["n"]
    path_of = {c["pk"]: c["committee__path"] for c in subtree}
    children = []
    for child in (c for c in subtree if c["parent_id"] == campaign.pk):
        total = Counter()
        for cid, bucket in per_campaign.items():
            if path_of[cid].startswith(child["committee__path"]):
                total.update(bucket)
        children.append({"campaign": child, **{s: total[s] for s in stats.STAGES}})
    return {
        "figures": figures,
        "by_level": figures.table("level"),
        "by_tier": figures.table("tier"),
        "children": children,
        "progress": stats.progress(
            campaign, campaign_ids=ids, planned=figures.totals["planned"], viewer=user
        ),
    }


@login_required
@require_GET
def campaign_detail(request, pk: int):
    user = request.user
    campaign = _campaign(request, pk)
    may_plan = services.may_plan(user, campaign.committee)
    roles = scoping.user_roles(user)
    # Buttons only to pages that open for this user: a leadership viewer sees no talk (the
    # list would be empty, the calendar 404), a talker or a recorder no team dates.
    sees_talks = bool(roles & TALK_ROLES)
    context = {
        "campaign": campaign,
        "may_plan": may_plan,
        "sees_talks": sees_talks,
        "sees_meetings": bool(roles & R.SEE_CAMPAIGNS),
        "rules": _rules(campaign),
        "calendar_url": _calendar_url(campaign) if sees_talks else "",
        "parent": (
            Campaign.objects.visible_to(user).filter(pk=campaign.parent_id).first()
            if campaign.parent_id
            else None
        ),
        "substitute": (
            Cadre.objects.visible_to(user).filter(pk=campaign.substitute_talker_id).first()
            if campaign.substitute_talker_id
            else None
        ),
    }
    if sees_figures(user, campaign):
        context.update(_figures(campaign, user))
    if may_plan:
        context.update(
            talk_types=TalkType.choices,
            statuses=CampaignStatus.choices,
            substitute_code=_substitute_code(campaign, user),
            substitute_hidden=_substitute_hidden(campaign, user),
        )
    return render(request, "campaigns/detail.html", context)


def _rules(campaign: Campaign) -> list[tuple[str, str, bool]]:
    active = dict(PlanRule.objects.filter(campaign=campaign).values_list("kind", "active"))
    return [(k.value, k.label, active.get(k.value, False)) for k in RuleKind]


def _substitute_code(campaign: Campaign, user) -> str:
    """The substitute's code where the planner may see that cadre (a substitute from above
    their scope is named to them by nothing: see `_substitute_hidden`)."""
    if not campaign.substitute_talker_id:
        return ""
    return (
        Cadre.objects.visible_to(user)
        .filter(pk=campaign.substitute_talker_id)
        .values_list("code", flat=True)
        .first()
    ) or ""


def _substitute_hidden(campaign: Campaign, user) -> bool:
    return bool(campaign.substitute_talker_id) and not _substitute_code(campaign, user)


def _campaign_form(campaign: Campaign, user, data=None) -> CampaignForm:
    substitute = _substitute_code(campaign, user)
    return CampaignForm(
        data,
        initial={
            "name": campaign.name,
            "window_start": campaign.window_start,
            "window_end": campaign.window_end,
            "status": campaign.status,
            "substitute_code": substitute,
            "substitute_reason": campaign.substitute_reason,
            "version": campaign.version,
        },
    )


def _planner(request, pk: int) -> Campaign:
    campaign = _campaign(request, pk)
    scoping.require(services.may_plan(request.user, campaign.committee))
    return campaign


@login_required
@require_POST
def campaign_plan(request, pk: int):
    campaign = _planner(request, pk)
    try:
        summary = plan.plan_campaign(actor=request.user, campaign=campaign)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            _("已生成谈话计划：新增 %(c)s 人次，更新 %(u)s 人次，标记离任 %(m)s 人次。")
            % {"c": summary.created, "u": summary.updated, "m": summary.marked},
        )
    return redirect("campaigns:detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_edit(request, pk: int):
    campaign = _planner(request, pk)
    form = _campaign_form(campaign, request.user, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        substitute = None
        code = (data.get("substitute_code") or "").strip()
        if not code and _substitute_hidden(campaign, request.user):
            # A substitute outside the planner's scope stays unless they clear it on purpose:
            # an empty field they could not fill is no decision.
            substitute = None if data.get("clear_substitute") else False
        elif code:
            substitute = Cadre.objects.visible_to(request.user).filter(code=code).first()
            if substitute is None:
                form.add_error("substitute_code", _("干部“%(code)s”不存在") % {"code": code})
        if not form.errors:
            try:
                services.update_campaign(
                    actor=request.user,
                    campaign=campaign,
                    expected_version=data.get("version"),
                    name=data["name"],
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                    status=data["status"],
                    substitute_talker=substitute,
                    substitute_reason=data.get("substitute_reason") or "",
                )
            except (ValidationError, StaleEdit) as exc:
                form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
            else:
                messages.success(request, _("谈话工作已保存。"))
                return redirect("campaigns:detail", pk=campaign.pk)
    messages.error(request, _("未保存：%(e)s") % {"e": _errors_text(form)})
    return redirect("campaigns:detail", pk=campaign.pk)


def _errors_text(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def campaign_rule(request, pk: int):
    campaign = _planner(request, pk)
    kind = request.POST.get("kind", "")
    try:
        services.set_rule(
            actor=request.user,
            campaign=campaign,
            kind=kind,
            active=request.POST.get("active") == "1",
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("谈话规则已更新，请重新生成谈话计划。"))
    return redirect("campaigns:detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_add_talk(request, pk: int):
    """选择谈: a talk added by hand, with its reason."""
    campaign = _planner(request, pk)
    form = ChosenTalkForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["subject_code"].strip()
        # Absent, out of scope, above clearance and 回避 read the same.
        subject = Cadre.objects.visible_to(request.user).filter(code=code).first()
        if subject is None:
            form.add_error("subject_code", _("干部“%(code)s”不存在") % {"code": code})
        else:
            try:
                plan.add_chosen_talk(
                    actor=request.user,
                    campaign=campaign,
                    subject=subject,
                    reason=form.cleaned_data["reason"],
                    type=form.cleaned_data["type"],
                )
            except ValidationError as exc:
                form.add_error(None, "；".join(exc.messages))
            else:
                messages.success(request, _("已新增选择谈。"))
                return redirect("campaigns:talks", pk=campaign.pk)
    messages.error(request, _("未新增：%(e)s") % {"e": _errors_text(form)})
    return redirect("campaigns:detail", pk=campaign.pk)


@login_required
@require_GET
def campaign_talks(request, pk: int):
    user = request.user
    campaign = _campaign(request, pk)
    form = TalkFilterForm(request.GET or None)
    talks = Talk.objects.visible_to(user)
    own = form.is_valid() and form.cleaned_data.get("scope") == "own"
    if own:
        talks = talks.filter(campaign=campaign)
    else:
        talks = talks.filter(
            campaign__year=campaign.year,
            campaign__committee__path__startswith=campaign.committee.path,
        )
    if form.is_valid():
        talks = form.apply(talks)
    talks = talks.select_related("subject", "subject_org", "campaign__committee").order_by(
        "campaign__committee__path", "subject_org__path", "subject__code"
    )
    if listing.wants_export(request):
        filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
        return listing.export_list(
            request,
            kind="talk",
            title=f"{campaign.name}谈话名单"[:60],
            columns=TALK_COLUMNS,
            rows=talks,
            filters={str(form.fields[k].label): str(v) for k, v in filters.items()},
        )
    page = Paginator(talks, TALKS_PER_PAGE).get_page(request.GET.get("page"))
    template = "campaigns/_talk_rows.html" if request.htmx else "campaigns/talks.html"
    return render(
        request,
        template,
        {
            "campaign": campaign,
            "form": form,
            "page": page,
            "may_plan": services.may_plan(user, campaign.committee),
        },
    )


def _team_talk_counts(user, campaign: Campaign, orgs) -> dict[int, int]:
    """How many talks each team's members have in the campaign. Staff who handle talks count
    the talks they may see: a team is a handful of people, and a count one higher than the
    rows they can open would tell them a 机密 talk or a subject they declared 回避 on is
    there. A leadership viewer, who sees no talk, gets the aggregate the campaign's figures
    give (narrowed to an office's localities), naming no person."""
    if scoping.user_roles(user) & R.PLAN_TALKS:
        base = Talk.objects.visible_to(user)
    else:
        base = stats.narrowed(
            Talk.objects.unscoped("how many talks each team's members have, no person named"),
            user,
        )
    return dict(
        base.filter(campaign=campaign, subject_org__in=[o.pk for o in orgs])
        .order_by()
        .values_list("subject_org_id")
        .annotate(n=Count("pk"))
        .values_list("subject_org_id", "n")
    )


def _teams(request, campaign: Campaign):
    """The leadership teams of the plan: the organizations the campaign's talks are held
    in (no person named), with their 民主生活会 date of the year."""
    user = request.user
    org_ids = (
        stats.narrowed(
            Talk.objects.unscoped("the organizations of a campaign's talks, no person named"),
            user,
        )
        .filter(campaign=campaign)
        .order_by()
        .values("subject_org_id")
    )
    orgs = list(
        Organization.objects.visible_to(request.user).filter(pk__in=org_ids).order_by("path")
    )
    dates = dict(
        TeamMeeting.objects.filter(organization__in=orgs, year=campaign.year).values_list(
            "organization_id", "date"
        )
    )
    counts = _team_talk_counts(user, campaign, orgs)
    for org in orgs:
        org.meeting_date = dates.get(org.pk)
        org.talk_count = counts.get(org.pk, 0)
    return orgs


@login_required
@require_GET
def campaign_meetings(request, pk: int):
    campaign = _campaign(request, pk)
    scoping.require(bool(scoping.user_roles(request.user) & R.SEE_CAMPAIGNS))
    return render(
        request,
        "campaigns/meetings.html",
        {
            "campaign": campaign,
            "teams": _teams(request, campaign),
            "may_plan": services.may_plan(request.user, campaign.committee),
        },
    )


@login_required
@require_POST
def campaign_meeting_set(request, pk: int, code: str):
    """The htmx inline edit of one team's 民主生活会 date: answers the row."""
    campaign = _planner(request, pk)
    org = get_by_code_or_404(
        Organization.objects.visible_to(request.user).filter(
            path__startswith=campaign.committee.path
        ),
        code,
    )
    form = MeetingForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.set_team_meeting(
                actor=request.user,
                organization=org,
                year=campaign.year,
                date=form.cleaned_data.get("date"),
            )
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = _errors_text(form)
    meeting = TeamMeeting.objects.filter(organization=org, year=campaign.year).first()
    org.meeting_date = meeting.date if meeting else None
    org.talk_count = _team_talk_counts(request.user, campaign, [org]).get(org.pk, 0)
    context = {"campaign": campaign, "team": org, "may_plan": True, "error": error}
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("campaigns:meetings", pk=campaign.pk)
    return render(request, "campaigns/_meeting_row.html", context)
