"""The measure page (progress, closing, extension, history), 我的整改 for owners and subjects,
the talker's side's list of what awaits their decision, and the 整改台账 export.

Reads start from `visible_to(user)`; each POST is one service call."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.exchange import listing
from tanhua.files.content import FileRefused
from tanhua.files.services import read_upload
from tanhua.rectification import forms
from tanhua.rectification.imports.measures import MeasuresKind
from tanhua.rectification.models import (
    CloseRequest,
    Decision,
    ExtensionRequest,
    Measure,
    PlanStatus,
    ProgressReport,
    RectificationPlan,
)
from tanhua.rectification.services import closing, extension, progress, rules
from tanhua.rectification.views import answer_post

LIMIT = 200


def _measures(user):
    return Measure.objects.visible_to(user).select_related(
        "talk__campaign__committee", "problem__plan", "owner_cadre", "owner_org", "subject"
    )


def visible_measure(request, pk: int) -> Measure:
    measure = get_object_or_404(_measures(request.user), pk=pk)
    scoping.require(rules.may_read_measure(request.user, measure))
    return measure


def measure_context(request, measure: Measure, error: str = "", done: str = "") -> dict:
    from tanhua.files.models import Attachment

    user = request.user
    reports = list(
        ProgressReport.objects.visible_to(user).filter(measure=measure).select_related("by")
    )
    files: dict[int, list] = {}
    for a in Attachment.objects.visible_to(user).filter(
        owner_kind=progress.ATTACHMENT_KIND, owner_id__in=[r.pk for r in reports]
    ):
        files.setdefault(a.owner_id, []).append(a)
    closes = list(
        CloseRequest.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("requested_by", "decided_by")
    )
    extensions = list(
        ExtensionRequest.objects.visible_to(user)
        .filter(measure=measure)
        .select_related("requested_by", "decided_by")
    )
    pending_close = next((c for c in closes if c.decision == Decision.PENDING), None)
    pending_ext = next((e for e in extensions if e.decision == Decision.PENDING), None)
    in_force = measure.problem.plan.status == PlanStatus.APPROVED and measure.is_open
    reporter = rules.may_report(user, measure) and in_force
    return {
        "measure": measure,
        "talk": measure.talk,
        "reports": [{"r": r, "files": files.get(r.pk, [])} for r in reports],
        "closes": closes,
        "extensions": extensions,
        "pending_close": pending_close,
        "pending_ext": pending_ext,
        "may_report": reporter,
        "may_request_close": reporter and pending_close is None,
        "may_request_extension": reporter and pending_ext is None,
        "may_decide_close": pending_close is not None
        and rules.may_decide_close(user, measure, pending_close.requested_by_id),
        "may_decide_extension": pending_ext is not None
        and rules.may_decide_extension(user, measure, pending_ext.requested_by_id),
        "overdue": measure.is_overdue(timezone.localdate()),
        "plan_link": rules.may_read_plan(user, measure.talk),
        "progress_form": forms.ProgressForm(),
        "error": error,
        "done": done,
    }


def _version(post) -> int:
    try:
        return int(post.get("version"))
    except (TypeError, ValueError):
        raise ValidationError(_("页面已过期，请刷新后重试"), code="version") from None


def _valid(form) -> dict:
    if not form.is_valid():
        raise ValidationError(forms.first_error(form), code="form")
    return form.cleaned_data


def _apply(request, measure: Measure) -> str:
    user, post = request.user, request.POST
    action = post.get("action", "")
    common = {"actor": user, "measure": measure, "expected_version": _version(post)}
    if action == "progress":
        data = _valid(forms.ProgressForm(post, request.FILES))
        try:
            files = [read_upload(f) for f in data["files"] or []]
            progress.report_progress(**common, text=data["text"], value=data["value"], files=files)
        except FileRefused as refused:
            raise ValidationError(str(refused), code="file") from None
        return _("已报告整改进展")
    if action == "close_request":
        data = _valid(forms.CloseRequestForm(post))
        closing.request_close(**common, evidence=data["evidence"])
        return _("已提交销号申请，等待审批")
    if action in {"close_accept", "close_return"}:
        data = _valid(forms.DecisionForm(post))
        accept = action == "close_accept"
        closing.decide_close(**common, accept=accept, reason=data["comment"])
        return _("已同意销号") if accept else _("已退回销号申请")
    if action == "extension_request":
        data = _valid(forms.ExtensionForm(post))
        extension.request_extension(
            **common, proposed_deadline=data["proposed_deadline"], reason=data["reason"]
        )
        return _("已提交延期申请，等待审批")
    if action in {"extension_approve", "extension_refuse"}:
        data = _valid(forms.DecisionForm(post))
        approve = action == "extension_approve"
        extension.decide_extension(**common, approve=approve, comment=data["comment"])
        return _("已同意延期") if approve else _("已不同意延期")
    raise ValidationError(_("不认识的操作，请刷新后重试"), code="action")


@login_required
@require_http_methods(["GET", "POST"])
def measure(request, pk: int):
    """One measure: its owner, deadline (and the original one), target and figure reached;
    progress reports with files; close and extension requests and their decisions."""
    found = visible_measure(request, pk)
    if request.method == "POST":
        return answer_post(
            request,
            lambda: _apply(request, found),
            reread=lambda: visible_measure(request, pk),
            page=("rectification:measure", pk),
            partial="rectification/measure_body.html",
            context=lambda obj, error, done: measure_context(request, obj, error, done),
        )
    return render(request, "rectification/measure_detail.html", measure_context(request, found))


# --- 我的整改 ------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    """The measures the user owns (as a cadre) and those of their own talks' lists, open first;
    and their own talks' plans with where each stands."""
    user = request.user
    scoping.require(scoping.has_any(user, R.BUSINESS_ROLES))
    cadre_id = getattr(user, "cadre_id", None)
    rows, plans = [], []
    if cadre_id:
        rows = list(
            _measures(user)
            .filter(Q(owner_cadre_id=cadre_id) | Q(subject_id=cadre_id))
            .filter(problem__plan__status=PlanStatus.APPROVED)
            .order_by("status", "deadline", "pk")[:LIMIT]
        )
        plans = list(
            RectificationPlan.objects.visible_to(user)
            .filter(talk__subject_id=cadre_id)
            .select_related("talk__campaign")
            .order_by("-talk__campaign__year", "pk")
        )
    today = timezone.localdate()
    return render(
        request,
        "rectification/my_measures.html",
        {
            "rows": [
                {"m": m, "colour": m.colour(today), "overdue": m.is_overdue(today)} for m in rows
            ],
            "plans": plans,
            "more": len(rows) >= LIMIT,
        },
    )


# --- what awaits the talker's side -------------------------------------------------------


def awaiting(user) -> dict:
    """Plans submitted for approval and close/extension requests pending, that the user may
    decide (the talker's side, never their own submission or request, never as owner)."""
    out = {"plans": [], "closes": [], "extensions": []}
    if not scoping.has_any(user, R.PLAN_TALKS | {R.Role.TALKER}):
        return out
    plans = (
        RectificationPlan.objects.visible_to(user)
        .filter(status=PlanStatus.SUBMITTED)
        .exclude(filed_by=user)
        .select_related("talk__campaign__committee", "talk__subject", "talk__subject_org")
        .order_by("submitted_at", "pk")[:LIMIT]
    )
    out["plans"] = [p for p in plans if rules.is_talker_side(user, p.talk)]
    closes = (
        CloseRequest.objects.visible_to(user)
        .filter(decision=Decision.PENDING)
        .exclude(requested_by=user)
        .select_related("measure__talk__campaign__committee", "measure__talk__subject")
        .order_by("requested_at", "pk")[:LIMIT]
    )
    out["closes"] = [
        c for c in closes if rules.may_decide_close(user, c.measure, c.requested_by_id)
    ]
    extensions = (
        ExtensionRequest.objects.visible_to(user)
        .filter(decision=Decision.PENDING)
        .exclude(requested_by=user)
        .select_related("measure__talk__campaign__committee", "measure__talk__subject")
        .order_by("requested_at", "pk")[:LIMIT]
    )
    out["extensions"] = [
        e for e in extensions if rules.may_decide_extension(user, e.measure, e.requested_by_id)
    ]
    return out


@login_required
@require_GET
def waiting(request):
    scoping.require(scoping.has_any(request.user, R.PLAN_TALKS | {R.Role.TALKER}))
    return render(request, "rectification/plan_waiting.html", awaiting(request.user))


# --- the 整改台账 export -----------------------------------------------------------------

LEDGER_COLUMNS = [
    listing.Column("年度（campaign）", lambda m: m.campaign.year, 12),
    listing.Column("被谈话人编号（subject_code）", lambda m: m.subject.code, 16),
    listing.Column("问题（problem）", lambda m: m.problem.text, 40),
    listing.Column("重点方面（focus_area）", lambda m: m.focus_area, 10),
    listing.Column("举措（measure）", lambda m: m.text, 40),
    listing.Column(
        "责任人或单位编码（owner_code）",
        lambda m: m.owner_cadre.code if m.owner_cadre_id else m.owner_org.code,
        16,
    ),
    listing.Column("时限（deadline）", lambda m: m.deadline, 12),
    listing.Column("状态（status）", lambda m: ledger_status(m), 12),
    listing.Column("被谈话人", lambda m: m.subject.name, 12),
    listing.Column("责任人或单位", lambda m: (m.owner_cadre or m.owner_org).name, 16),
    listing.Column("原定时限", lambda m: m.original_deadline, 12),
    listing.Column("目标值", lambda m: m.target_value, 10),
    listing.Column("计量单位", lambda m: m.target_unit, 8),
    listing.Column("已完成", lambda m: m.achieved_value, 10),
]


def ledger_status(m: Measure) -> str:
    """The ledger's status word (DESIGN §6): long-term measures that are not closed read
    `long_term`."""
    if m.kind == "long_term" and m.status != "closed":
        return "long_term"
    return m.status


@login_required
@require_GET
def ledger_export(request, pk: int):
    """A campaign's 整改台账 as xlsx, in the `measures` import's columns: the measures the
    user sees, formula-escaped, with the exporter's name and time on top, audited."""
    from tanhua.campaigns.models import Campaign

    user = request.user
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    campaign = get_object_or_404(Campaign.objects.visible_to(user), pk=pk)
    rows = (
        _measures(user)
        .filter(campaign=campaign, problem__plan__status=PlanStatus.APPROVED)
        .select_related("campaign", "problem")
        .order_by("subject_org__path", "subject__code", "problem__order", "order", "pk")
    )
    return listing.export_list(
        request,
        kind="measure",
        title=f"{campaign.name}整改台账",
        columns=LEDGER_COLUMNS,
        rows=rows.iterator(chunk_size=500),
        filters={"campaign": str(campaign.year), "committee": campaign.committee.code},
        # The `measures` import's own sheet name: the ledger, with rows added, imports back.
        sheet=MeasuresKind.label,
    )
