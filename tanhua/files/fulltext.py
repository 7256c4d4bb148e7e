"""Attachments in the full-text search (tanhua/search/registry.py): the text extracted from a
file, searched by staff who prepare talks, each hit read through Attachment.visible_to(user)
— which is its owner's scope, so a file is found exactly where it could be downloaded."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.core import scoping
from tanhua.search.registry import DocumentSource, register

ATTACHMENT = "attachment"


register(
    DocumentSource(
        key=ATTACHMENT,
        label=_("附件"),
        model="files.Attachment",
        fields=("filename", "text"),
        allowed=lambda user: scoping.has_any(user, R.PLAN_TALKS),
        title=lambda a: a.filename,
        url=lambda a: reverse("files:download", args=[a.pk]),
        detail=lambda a: f"{a.kind} · {a.uploaded_at:%Y-%m-%d}",
    )
)
