"""The report pages: the list and a new draft, a draft's sections and 版头 edited, issuing,
downloads (watermarked, audited), the received annexes aggregated (and uploaded, through
the import pipeline's preview and confirmation), the senders' keys they are verified
under, and the leadership dashboard. Every read starts from `visible_to(user)`; out of
scope answers 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tanhua.accounts import roles as R
from tanhua.campaigns.models import Campaign
from tanhua.core import scoping
from tanhua.core.versioning import StaleEdit
from tanhua.org.models import Organization, get_by_code_or_404
from tanhua.reports import dashboard, received, senders, services, signing
from tanhua.reports.forms import (
    AnnexUploadForm,
    HeaderForm,
    NewReportForm,
    SectionForm,
    SenderForm,
    TemplateForm,
)
from tanhua.reports.models import (
    REPORT_ROLES,
    ReceivedAnnex,
    Report,
    ReportSection,
    ReportTemplate,
    TrustedSender,
)

DASHBOARD_ROLES = R.SEE_CAMPAIGNS


def _staff(request) -> None:
    scoping.require(scoping.has_any(request.user, REPORT_ROLES))


def _report(request, pk: int) -> Report:
    _staff(request)
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("committee"), pk=pk
    )


def _errors(exc) -> str:
    if isinstance(exc, StaleEdit):
        return exc.message()
    return "；".join(exc.messages)


@login_required
@require_GET
def report_list(request):
    _staff(request)
    reports = Report.objects.visible_to(request.user).select_related("committee")[:200]
    form = NewReportForm(initial={"year": timezone.localdate().year})
    templates = ReportTemplate.objects.visible_to(request.user).select_related("committee")
    return render(
        request,
        "reports/list.html",
        {"reports": reports, "form": form, "template_form": TemplateForm(),
         "templates": templates[:50]},
    )  # fmt: skip


@login_required
@require_POST
def template_upload(request):
    """A committee's own Word template (docxtpl tags), checked by rendering it once."""
    _staff(request)
    form = TemplateForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择报告类别和 Word（.docx）模板文件"))
        return redirect("reports:list")
    upload = form.cleaned_data["file"]
    try:
        services.upload_template(
            actor=request.user, committee=request.user.organization,
            kind=form.cleaned_data["kind"], name=upload.name, data=upload.read(),
        )  # fmt: skip
        messages.success(request, _("已上传模板，今后生成的该类报告将使用此模板。"))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("reports:list")


@login_required
@require_POST
def report_create(request):
    _staff(request)
    form = NewReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择报告类别并填写年度（2000—2100）"))
        return redirect("reports:list")
    committee = request.user.organization
    try:
        report = services.create_report(
            actor=request.user, kind=form.cleaned_data["kind"], year=form.cleaned_data["year"],
            committee=committee,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("reports:list")
    messages.success(request, _("已根据数据生成报告草稿，您可以修改各部分内容后印发。"))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def report_detail(request, pk: int):
    report = _report(request, pk)
    sections = ReportSection.objects.visible_to(request.user).filter(report=report)
    services.note_people_read(report)
    floor, ceiling = services.classification_range(request.user, report)
    header = HeaderForm(
        initial={f: getattr(report, f) for f in services.HEADER_FIELDS}
        | {"version": report.version},
        floor=floor, ceiling=ceiling,
    )  # fmt: skip
    return render(
        request,
        "reports/detail.html",
        {"report": report, "sections": sections, "header": header,
         "pdf": services.render.soffice() is not None},
    )  # fmt: skip


@login_required
@require_POST
def report_header(request, pk: int):
    report = _report(request, pk)
    form = HeaderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("版头信息有误：") + "；".join(
            f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()
        ))  # fmt: skip
        return redirect("reports:detail", pk=report.pk)
    data = dict(form.cleaned_data)
    version = data.pop("version")
    try:
        services.update_header(actor=request.user, report=report, expected_version=version, **data)
        messages.success(request, _("已保存版头和版记。"))
    except (ValidationError, StaleEdit) as exc:
        messages.error(request, _errors(exc))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_section(request, pk: int, section: int):
    report = _report(request, pk)
    row = get_object_or_404(
        ReportSection.objects.visible_to(request.user).filter(report=report), pk=section
    )
    form = SectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("内容过长，请精简后再保存"))
        return redirect("reports:detail", pk=report.pk)
    try:
        services.edit_section(
            actor=request.user, section=row, heading=form.cleaned_data["heading"],
            body=form.cleaned_data["body"], expected_version=form.cleaned_data["version"],
        )  # fmt: skip
        messages.success(
            request, _("已保存“%(h)s”。") % {"h": form.cleaned_data["heading"] or _("导语")}
        )
    except (ValidationError, StaleEdit) as exc:
        messages.error(request, _errors(exc))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_POST
def report_issue(request, pk: int):
    report = _report(request, pk)
    try:
        services.issue_report(actor=request.user, report=report)
        messages.success(request, _("报告已印发，文件已存档，今后不再改变。"))
    except (ValidationError, StaleEdit) as exc:
        messages.error(request, _errors(exc))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_GET
def report_download(request, pk: int, fmt: str):
    report = _report(request, pk)
    scoping.require(fmt in services.FORMATS)
    try:
        out = services.export(actor=request.user, report=report, fmt=fmt)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("reports:detail", pk=report.pk)
    response = HttpResponse(out.data, content_type=out.content_type)
    response["Content-Disposition"] = f'attachment; filename="{out.filename}"'
    return response


@login_required
@require_GET
def annex_summary(request):
    """The received annexes of a year aggregated (the national office's view)."""
    scoping.require(scoping.has_any(request.user, DASHBOARD_ROLES))
    year = request.GET.get("year", "")
    qs = ReceivedAnnex.objects.visible_to(request.user).filter(kind="special")
    years = sorted(set(qs.values_list("year", flat=True)), reverse=True)
    chosen = int(year) if year.isdigit() and int(year) in years else (years[0] if years else None)
    agg = received.aggregate_received(request.user, chosen)
    return render(
        request,
        "reports/annexes.html",
        {"agg": agg, "years": years, "year": chosen, "upload_form": AnnexUploadForm(),
         "may_upload": _may_import_annexes(request.user)},
    )  # fmt: skip


def _may_import_annexes(user) -> bool:
    # The pipeline's own rule (exchange.services) and the keys' (senders): the same staff.
    return senders.may_manage(user) and scoping.can_edit_registry(user)


def _form_errors(form) -> str:
    return "；".join(
        f"{form.fields[k].label}：{v[0]}" if k in form.fields else str(v[0])
        for k, v in form.errors.items()
    )


@login_required
@require_POST
def annex_upload(request):
    """Annexes uploaded on the annexes page become an import batch of the pipeline: checked
    (hash and signature, each file) into its preview, applied when confirmed there."""
    from tanhua.exchange import services as exchange

    scoping.require(_may_import_annexes(request.user))
    form = AnnexUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for e in form.errors.get("files", [])))
        return redirect("reports:annexes")
    batch = exchange.create_batch(user=request.user, files=form.cleaned_data["files"])
    return redirect("exchange:preview", pk=batch.pk)


@login_required
@require_GET
def sender_list(request):
    """The keys annexes received here are verified under, and this deployment's own (what
    its staff send upward)."""
    user = request.user
    scoping.require(scoping.has_any(user, DASHBOARD_ROLES))
    rows = TrustedSender.objects.visible_to(user).select_related("received_at_org")[:500]
    manage = senders.may_manage(user)
    own, own_error = None, ""
    if manage:
        try:
            own = signing.own_public_key()
        except ImproperlyConfigured as exc:
            own_error = str(exc)
    return render(
        request,
        "reports/senders.html",
        {"senders": rows, "form": SenderForm(), "may_manage": manage, "own": own,
         "own_error": own_error},
    )  # fmt: skip


@login_required
@require_POST
def sender_register(request):
    scoping.require(senders.may_manage(request.user))
    form = SenderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("报送单位密钥未登记：") + _form_errors(form))
        return redirect("reports:senders")
    try:
        row = services.register_sender(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("已登记 %(name)s 的密钥 %(key)s，今后可导入其签名的数据附件。")
            % {"name": row.committee_name, "key": row.key_id},
        )
    except ValidationError as exc:
        messages.error(request, _("报送单位密钥未登记：") + _errors(exc))
    return redirect("reports:senders")


@login_required
@require_POST
def sender_revoke(request, pk: int):
    scoping.require(senders.may_manage(request.user))
    row = get_object_or_404(TrustedSender.objects.visible_to(request.user), pk=pk)
    try:
        row = services.revoke_sender(actor=request.user, sender=row)
        messages.success(
            request,
            _("已吊销密钥 %(key)s：今后不再接受用它签名的数据附件。") % {"key": row.key_id},
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect("reports:senders")


@login_required
@require_GET
def dashboard_page(request):
    user = request.user
    scoping.require(scoping.has_any(user, DASHBOARD_ROLES))
    # An office member's view is their localities' (the campaign pages); a committee-wide
    # board would count past them.
    scoping.require(scoping.office_paths(user) is None and user.organization is not None)
    code = request.GET.get("org", "")
    orgs = Organization.objects.visible_to(user)
    org = get_by_code_or_404(orgs, code) if code else user.organization
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else None
    if year is None:
        latest = (
            Campaign.objects.visible_to(user)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
        year = latest or timezone.localdate().year
    board = dashboard.board(org, year)
    # Staff may open the records behind a number; viewers see aggregates only.
    links = scoping.has_any(user, R.PLAN_TALKS)
    campaign = (
        Campaign.objects.visible_to(user).filter(committee=org, year=year).first()
        if links
        else None
    )
    children = orgs.filter(parent=org).order_by("code")[:60] if org is not None else []
    # The records behind the rectification figures: the committee's and its subtree's
    # measures of the year (the measures page shows the ones the viewer may see).
    measures_url = ""
    if links and org is not None:
        query = urlencode({"within": org.code, "year": year})
        measures_url = f"{reverse('rectification:track_measures')}?{query}"
    return render(
        request,
        "reports/dashboard.html",
        {"org": org, "year": year, "board": board, "campaign": campaign, "links": links,
         "children": children, "measures_url": measures_url},
    )  # fmt: skip
