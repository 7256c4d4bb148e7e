"""The Chinese labels of this app's audit actions and object types for the lists and their
workflow (see tanhua.audit.labels). A plan is named by its talk's id, a measure by its own:
shown only where the viewer's scope reaches them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _talks(viewer):
    from tanhua.talks.models import Talk

    return Talk.objects.visible_to(viewer)


def _measures(viewer):
    from tanhua.rectification.models import Measure

    return Measure.objects.visible_to(viewer)


def register() -> None:
    from tanhua.audit import labels

    labels.register_prefix("rectification_plan", _("整改清单"))
    labels.register_prefix("measure", _("整改举措"))
    labels.register_actions(
        {
            "rectification_plan.create": _("新建整改清单"),
            "rectification_plan.update": _("修改整改清单"),
            "rectification_plan.submit": _("提交整改清单审核"),
            "rectification_plan.approve": _("审核通过整改清单"),
            "rectification_plan.return": _("退回整改清单"),
            "rectification_plan.analysis": _("填写民主生活会对照检查"),
            "rectification_plan.import": _("导入整改台账"),
            "measure.progress": _("报告整改进展"),
            "measure.close_request": _("申请销号"),
            "measure.close_accept": _("同意销号"),
            "measure.close_return": _("退回销号申请"),
            "measure.extension_request": _("申请延期"),
            "measure.extension_approve": _("同意延期"),
            "measure.extension_refuse": _("不同意延期"),
            "measure.create": _("导入整改举措"),
            "measure.update": _("按台账更新整改举措"),
        },
        common=True,
    )
    labels.register_object_type(
        "rectification_plan", _("整改清单"), reveal=labels._reveal_by(_talks, "pk")
    )
    labels.register_object_type("measure", _("整改举措"), reveal=labels._reveal_by(_measures, "pk"))
