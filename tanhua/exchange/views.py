"""Import pages: upload → preview (what will be created / updated, every problem by row) →
confirm. A rejected upload offers its error workbook; anyone who imports gets the template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanhua.core import scoping
from tanhua.exchange import exports, services
from tanhua.exchange.forms import UploadForm
from tanhua.exchange.models import BatchStatus, ImportBatch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _batch(request, pk: int) -> ImportBatch:
    scoping.require(scoping.can_edit_registry(request.user))
    return get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    scoping.require(scoping.can_edit_registry(request.user))
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            batch = services.create_batch(user=request.user, files=form.cleaned_data["files"])
            return redirect("exchange:preview", pk=batch.pk)
    else:
        form = UploadForm()
    batches = ImportBatch.objects.visible_to(request.user)[:10]
    return render(request, "exchange/upload.html", {"form": form, "batches": batches})


@login_required
@require_GET
def template(request):
    scoping.require(scoping.can_edit_registry(request.user))
    return _xlsx(exports.template_workbook(), "import-template.xlsx")


@login_required
@require_GET
def preview(request, pk: int):
    batch = _batch(request, pk)
    return render(request, "exchange/preview.html", services.preview_context(batch))


@login_required
@require_POST
def confirm(request, pk: int):
    batch = _batch(request, pk)
    report = services.confirm_batch(user=request.user, batch=batch)
    batch.refresh_from_db(fields=["status"])  # another request may have applied it meanwhile
    if report is not None:
        messages.success(request, _("导入完成：") + "；".join(report.lines()))
    elif batch.status == BatchStatus.APPLIED:
        messages.info(request, _("该批次已经导入，未重复导入"))
    elif batch.status == BatchStatus.NOTHING:
        messages.info(request, _("该批次没有需要导入的内容"))
    elif batch.status == BatchStatus.EXPIRED:
        messages.error(request, _("该预览已过期，请重新上传"))
    else:
        messages.error(request, _("数据已发生变化，文件未通过校验，未写入任何数据"))
    return redirect("exchange:preview", pk=batch.pk)


@login_required
@require_GET
def errors(request, pk: int):
    batch = _batch(request, pk)
    scoping.require(batch.status == BatchStatus.REJECTED)
    data = services.export_error_workbook(user=request.user, batch=batch)
    return _xlsx(data, f"import-{batch.pk}-errors.xlsx")
