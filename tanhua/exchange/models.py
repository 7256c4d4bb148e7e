"""Uploaded import batches, kept between the preview and the confirmation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tanhua.core import scoping


class BatchStatus(models.TextChoices):
    READY = "ready", _("待确认")
    REJECTED = "rejected", _("未通过校验")
    APPLIED = "applied", _("已导入")
    # Every row matches what is stored: there is nothing to confirm.
    NOTHING = "nothing", _("无需导入")
    # A preview left unconfirmed past its age limit; its files are purged.
    EXPIRED = "expired", _("已过期")


# Previews wait this long for their confirmation (tanhua cleanup expires them).
PENDING = (BatchStatus.READY, BatchStatus.NOTHING)


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportBatchQuerySet:
        """A user sees only the batches they uploaded, and only while they may import."""
        if not scoping.can_edit_registry(user):
            return self.none()
        return self.filter(user=user)


class ImportBatch(models.Model):
    """One upload of one or more spreadsheets: the files stay on disk under
    MEDIA_ROOT/imports/<id>/ so that the confirmation imports exactly what was previewed;
    `summary` holds the preview (counts, samples, problems, warnings) as JSON."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    directory = models.CharField(max_length=200, editable=False)
    filenames = models.JSONField(_("文件"), default=list)
    status = models.CharField(_("状态"), max_length=16, choices=BatchStatus.choices)
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"#{self.pk} {', '.join(self.filenames)}"
