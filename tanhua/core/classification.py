"""Document classification (密级) and user clearance share one scale."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.IntegerChoices):
    """内部 < 秘密 < 机密: a user sees a record only with a clearance at least as high."""

    INTERNAL = 1, _("内部")
    SECRET = 2, _("秘密")
    CONFIDENTIAL = 3, _("机密")

    @classmethod
    def parse(cls, raw: str) -> "Classification":
        text = (raw or "").strip().lower()
        aliases = {
            "1": cls.INTERNAL,
            "internal": cls.INTERNAL,
            "内部": cls.INTERNAL,
            "2": cls.SECRET,
            "secret": cls.SECRET,
            "秘密": cls.SECRET,
            "3": cls.CONFIDENTIAL,
            "confidential": cls.CONFIDENTIAL,
            "机密": cls.CONFIDENTIAL,
        }
        if text not in aliases:
            raise ValueError(raw)
        return aliases[text]
