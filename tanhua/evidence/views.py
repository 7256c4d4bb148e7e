"""The findings list for staff who prepare talks, with the proposed focus areas to review and
correct (a correction trains the next model)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.evidence.forms import FindingFilterForm, FocusAreaForm
from tanhua.evidence.models import Finding
from tanhua.evidence.services import EvidenceError, correct_focus_area, retrain_classifier
from tanhua.org.models import Cadre, get_by_code_or_404

FINDINGS_PER_PAGE = 50


def _shown_cadres(user, findings) -> set[int]:
    """The cadres of these findings the user may see by name: a finding in scope may be
    about a cadre whose posts lie elsewhere, whose name is not theirs to read."""
    ids = {f.cadre_id for f in findings if f.cadre_id}
    if not ids:
        return set()
    return set(Cadre.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


@login_required
@require_GET
def finding_list(request):
    user = request.user
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    form = FindingFilterForm(request.GET or None)
    findings = Finding.objects.visible_to(user).select_related("organization", "cadre")
    if form.is_valid():
        findings = form.apply(findings)
    page = Paginator(findings.order_by("-date", "code"), FINDINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "shown_cadres": _shown_cadres(user, page.object_list),
        "areas": FocusAreaForm.base_fields["focus_area"].choices,
    }
    template = "evidence/_finding_rows.html" if request.htmx else "evidence/finding_list.html"
    return render(request, template, context)


@login_required
@require_POST
def finding_focus_area(request, code: str):
    user = request.user
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    finding = get_by_code_or_404(Finding.objects.visible_to(user), code)
    form = FocusAreaForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            finding = correct_focus_area(
                actor=user, finding=finding, focus_area=form.cleaned_data["focus_area"]
            )
        except EvidenceError as exc:
            error = str(exc)
    else:
        error = _("请选择重点方面（A1–A4）")
    if request.htmx:
        finding = (
            Finding.objects.visible_to(user)
            .select_related("organization", "cadre")
            .get(pk=finding.pk)
        )
        context = {
            "f": finding,
            "error": error,
            "shown_cadres": _shown_cadres(user, [finding]),
            "areas": FocusAreaForm.base_fields["focus_area"].choices,
        }
        return render(request, "evidence/_finding_row.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已校正问题 %(code)s 的重点方面。") % {"code": finding.code})
    return redirect("evidence:finding_list")


@login_required
@require_POST
def classifier_retrain(request):
    """Retrain the focus-area model with every staff correction so far (about a second)."""
    user = request.user
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    result = retrain_classifier(actor=user)
    messages.success(
        request,
        _("模型已重新训练：留出集准确率 %(acc)s（含人工校正 %(n)s 条）。")
        % {"acc": f"{result.accuracy:.1%}", "n": result.corrections},
    )
    return redirect("evidence:finding_list")


@login_required
@require_http_methods(["GET", "POST"])
def finding_files(request, code: str):
    """A finding's attachments (the inspection report, the audit letter): staff in scope list,
    download and upload them."""
    from tanhua.evidence.requests import FINDING_KIND
    from tanhua.files.pages import attachments_page

    user = request.user
    scoping.require(scoping.has_any(user, R.PLAN_TALKS))
    finding = get_by_code_or_404(
        Finding.objects.visible_to(user).select_related("organization"), code
    )
    return attachments_page(
        request, owner_kind=FINDING_KIND, owner=finding, template="evidence/finding_files.html",
        context={"f": finding},
    )  # fmt: skip
