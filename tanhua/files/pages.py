"""The attachments page of one owner record (a finding, a talk), shared by the apps that own
them: the files the user may see, and — where the owner kind's rule lets them attach — an
upload form whose refusals say in Chinese which file and why. The owning app's view finds
the owner through its own scoping layer and renders its own template around
`files/_attachments.html`."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tanhua.core import scoping
from tanhua.files import registry, services
from tanhua.files.forms import UploadForm
from tanhua.files.models import Attachment


def attachments_page(request, *, owner_kind: str, owner, template: str, context: dict):
    user = request.user
    may_upload = registry.owner_kind(owner_kind).can_attach(user, owner)
    # Bound on every POST, even one with no field at all: it is told to choose a file.
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    status = 200
    if request.method == "POST":
        scoping.require(may_upload)
        status = 400
        if form.is_valid():
            try:
                files = [services.read_upload(f) for f in form.cleaned_data["files"]]
                services.attach_all(actor=user, owner_kind=owner_kind, owner=owner, files=files)
            except services.FileRefused as exc:
                form.add_error("files", str(exc))
            else:
                messages.success(request, _("已上传 %(n)s 个文件。") % {"n": len(files)})
                return redirect(request.path)
    files = (
        Attachment.objects.visible_to(user)
        .of(owner_kind, owner.pk)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )
    context = {**context, "form": form, "files": files, "may_upload": may_upload}
    return render(request, template, context, status=status)
