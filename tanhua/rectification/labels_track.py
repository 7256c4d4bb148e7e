"""The Chinese labels of the tracking half's audit actions and object types (see
tanhua.audit.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _measures(viewer):
    from tanhua.rectification.models import Measure

    return Measure.objects.visible_to(viewer)


def _look_backs(viewer):
    from tanhua.rectification.models import LookBack

    return LookBack.objects.visible_to(viewer)


def _items(viewer):
    from tanhua.rectification.models import LookBackItem

    return LookBackItem.objects.visible_to(viewer)


def register() -> None:
    from tanhua.audit import labels

    labels.register_prefix("look_back", _("回头看"))
    labels.register_prefix("look_back_item", _("回头看复查"))
    labels.register_actions(
        {
            "measure.tick": _("整改到期提醒与逾期督办"),
            "measure.reopen": _("回头看重新打开整改举措"),
            "look_back.start": _("发起回头看"),
            "look_back.verify": _("回头看复查"),
        }
    )
    # A measure's text and a look-back item's measure are about the subject: shown only where
    # the viewer's own scope reaches them.
    labels.register_object_type("measure", _("整改举措"), reveal=labels._reveal_by(_measures, "pk"))
    labels.register_object_type(
        "look_back", _("回头看"), reveal=labels._reveal_by(_look_backs, "pk")
    )
    labels.register_object_type(
        "look_back_item", _("回头看复查"), reveal=labels._reveal_by(_items, "pk")
    )
