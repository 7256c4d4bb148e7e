"""Attachments (DESIGN §3, §9 `files`): Word, Excel and PDF files on findings, material
request submissions and talks, checked by content, stored outside the web root under their
SHA-256, with their text extracted for search."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.files import registry


class AttachmentQuerySet(ScopedQuerySet):
    def _visible(self, user) -> AttachmentQuerySet:
        """An attachment is visible exactly where its owner is: per registered owner kind,
        the owners the user's scope reaches (tanhua.files.registry)."""
        q = Q(pk__in=[])
        for kind in registry.owner_kinds():
            owners = kind.visible(user).order_by().values("pk")
            q |= Q(owner_kind=kind.code, owner_id__in=owners)
        return self.filter(q)

    def of(self, kind: str, owner_id: int) -> AttachmentQuerySet:
        return self.filter(owner_kind=kind, owner_id=owner_id)


class Attachment(ScopedModel):
    """One uploaded file on one owner record (`owner_kind`, `owner_id`: a finding, a
    material submission, a talk). The bytes live in ATTACHMENT_ROOT under `sha256` (the same
    content uploaded twice is stored once); `kind` is what the content is (pdf, docx, xlsx),
    never what its name claimed; `text` is the extracted text that search indexes."""

    owner_kind = models.CharField(_("所属类别"), max_length=32)
    owner_id = models.BigIntegerField(_("所属记录"))
    filename = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=8)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    text = models.TextField(_("文本内容"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [
            models.Index(fields=["owner_kind", "owner_id"], name="attachment_owner"),
            models.Index(fields=["sha256"], name="attachment_sha256"),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def size_label(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"
