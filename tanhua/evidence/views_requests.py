"""Pages of material requests (调取材料): staff's list, form and per-unit progress (with a
reminder button for late units); the submitter's inbox of requests addressed to their unit,
where they upload and see only what they sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.evidence import requests as services
from tanhua.evidence.forms_requests import RequestForm, SubmissionForm
from tanhua.evidence.models import MaterialRequest, MaterialSubmission
from tanhua.files.models import Attachment
from tanhua.files.services import FileRefused, read_upload


def _staff(user) -> None:
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))


def _submitter(user) -> None:
    scoping.require(scoping.has_any(user, {R.Role.SUBMITTER}) and user.organization_id)


def _with_files(user, submissions) -> list:
    """Each submission with its attachments (through the attachments' own scope)."""
    submissions = list(submissions)
    files: dict[int, list] = {}
    if submissions:
        rows = Attachment.objects.visible_to(user).filter(
            owner_kind=services.SUBMISSION_KIND, owner_id__in=[s.pk for s in submissions]
        )
        for a in rows:
            files.setdefault(a.owner_id, []).append(a)
    for s in submissions:
        s.files = files.get(s.pk, [])
    return submissions


# --- staff ---------------------------------------------------------------------------------


@login_required
@require_GET
def request_list(request):
    user = request.user
    _staff(user)
    today = timezone.localdate()
    rows = (
        MaterialRequest.objects.visible_to(user)
        .select_related("campaign")
        .annotate(
            unit_count=Count("unit_rows", distinct=True),
            answered=Count("submissions__unit", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )
    return render(request, "evidence/requests_list.html", {"rows": rows, "today": today})


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    from tanhua.campaigns.models import Campaign
    from tanhua.org.models import Organization

    user = request.user
    _staff(user)
    campaigns = Campaign.objects.visible_to(user).select_related("committee")
    units = Organization.objects.visible_to(user).order_by("path")
    form = RequestForm(request.POST or None, campaigns=campaigns, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            req = services.create_request(
                actor=user, campaign=data["campaign"], title=data["title"],
                description=data["description"], deadline=data["deadline"],
                units=list(data["units"]), today=timezone.localdate(),
            )  # fmt: skip
        except services.RequestError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已发起调取材料，并已通知各报送单位。"))
            return redirect("evidence:request_detail", pk=req.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "evidence/requests_form.html", {"form": form}, status=status)


def _staff_request(user, pk: int) -> MaterialRequest:
    qs = MaterialRequest.objects.visible_to(user).filter(
        campaign__committee__path__startswith=scoping.scope_path(user) or "\x00"
    )
    return get_object_or_404(qs.select_related("campaign", "created_by", "closed_by"), pk=pk)


def _detail_context(user, req: MaterialRequest) -> dict:
    today = timezone.localdate()
    subs = _with_files(
        user,
        MaterialSubmission.objects.visible_to(user)
        .filter(request=req)
        .select_related("submitted_by", "unit")
        .order_by("submitted_at", "pk"),
    )
    units = services.unit_statuses(req, subs, today=today)
    return {
        "req": req,
        "units": units,
        "late_count": sum(1 for u in units if u.late),
        "sent_count": sum(1 for u in units if u.sent),
        "today": today,
    }


@login_required
@require_GET
def request_detail(request, pk: int):
    user = request.user
    _staff(user)
    req = _staff_request(user, pk)
    return render(request, "evidence/requests_detail.html", _detail_context(user, req))


@login_required
@require_POST
def request_remind(request, pk: int):
    user = request.user
    _staff(user)
    req = _staff_request(user, pk)
    sent = services.remind_late_units(today=timezone.localdate(), request=req, actor=user)
    if sent:
        text = _("已向逾期未报送单位的报送人发出 %(n)s 条催报通知。") % {"n": sent}
    else:
        text = _("没有需要催报的单位（未逾期，或今天已催报过）。")
    if request.htmx:
        return render(request, "evidence/_requests_remind_result.html", {"text": text})
    messages.info(request, text)
    return redirect("evidence:request_detail", pk=req.pk)


@login_required
@require_POST
def request_close(request, pk: int):
    user = request.user
    _staff(user)
    req = _staff_request(user, pk)
    try:
        services.close_request(actor=user, request=req)
    except services.RequestError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已结束调取材料，各单位不能再报送。"))
    return redirect("evidence:request_detail", pk=req.pk)


# --- the submitter's inbox ------------------------------------------------------------------


def _addressed(user):
    """Requests addressed to the submitter's own unit (not a staff member's view of them)."""
    return MaterialRequest.objects.visible_to(user).filter(
        unit_rows__organization_id=user.organization_id
    )


@login_required
@require_GET
def inbox(request):
    user = request.user
    _submitter(user)
    today = timezone.localdate()
    rows = (
        _addressed(user)
        .select_related("campaign")
        .annotate(mine=Count("submissions", filter=Q(submissions__submitted_by=user)))
        .order_by("deadline", "-pk")
    )
    return render(request, "evidence/requests_inbox.html", {"rows": rows, "today": today})


def _inbox_context(user, req, form) -> dict:
    mine = _with_files(
        user,
        MaterialSubmission.objects.visible_to(user)
        .filter(request=req, submitted_by=user)
        .order_by("-submitted_at", "-pk"),
    )
    return {"req": req, "form": form, "mine": mine, "today": timezone.localdate()}


@login_required
@require_GET
def inbox_request(request, pk: int):
    user = request.user
    _submitter(user)
    req = get_object_or_404(_addressed(user).select_related("campaign"), pk=pk)
    return render(
        request, "evidence/requests_inbox_detail.html", _inbox_context(user, req, SubmissionForm())
    )


@login_required
@require_POST
def inbox_submit(request, pk: int):
    user = request.user
    _submitter(user)
    req = get_object_or_404(_addressed(user).select_related("campaign"), pk=pk)
    form = SubmissionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            files = [read_upload(f) for f in form.cleaned_data["files"]]
            services.submit_materials(
                actor=user, request=req, note=form.cleaned_data["note"], files=files
            )
        except (FileRefused, services.RequestError) as exc:
            form.add_error("files", str(exc))
        else:
            messages.success(request, _("材料已报送，共 %(n)s 个文件。") % {"n": len(files)})
            return redirect("evidence:inbox_request", pk=req.pk)
    context = _inbox_context(user, req, form)
    return render(request, "evidence/requests_inbox_detail.html", context, status=400)
