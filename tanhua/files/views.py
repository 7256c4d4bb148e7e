"""The one way an attachment's bytes leave the system: through the owner's scope (out of
scope answers 404 like absent) and the audit trail, as a download the browser never renders
(Content-Disposition: attachment, nosniff, a sandboxing CSP)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from tanhua.files import content, services, storage


def download_response(attachment) -> FileResponse:
    kind = content.KINDS[attachment.kind]
    try:
        blob = storage.open_blob(attachment.sha256)
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(blob, content_type=kind.mime)
    # RFC 6266 / 5987: an ASCII fallback and the UTF-8 name (Django quotes it).
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=attachment.filename
    )
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download(request, pk: int):
    attachment = services.visible_attachment(actor=request.user, pk=pk)
    response = download_response(attachment)
    services.record_download(actor=request.user, attachment=attachment)
    return response
