"""The Chinese labels of attachments' audit actions, registered with the trail's registry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _attachments(viewer):
    from tanhua.files.models import Attachment

    return Attachment.objects.visible_to(viewer)


def register() -> None:
    from tanhua.audit import labels

    labels.register_prefix("attachment", _("附件"))
    labels.register_actions({"attachment.upload": _("上传附件")}, common=True)
    # A file name may name a person or a case: shown where the viewer's scope reaches it.
    labels.register_object_type(
        "attachment", _("附件"), reveal=labels._reveal_by(_attachments, "pk")
    )
