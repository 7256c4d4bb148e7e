"""The Chinese labels of this app's audit actions and object types (see tanhua.audit.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from tanhua.audit import labels

    labels.register_prefix("portrait", _("画像"))
    labels.register_prefix("ecology_scheme", _("政治生态指标方案"))
    labels.register_actions(
        {
            "portrait.compute": _("生成画像"),
            "portrait.prefill": _("按画像起草提纲"),
            "ecology_scheme.update": _("修改政治生态指标方案"),
        }
    )
    labels.register_object_type("portrait", _("画像"), reveal=labels.reveal_none)
    labels.register_object_type("ecology_scheme", _("政治生态指标方案"), reveal=labels.reveal_all)
