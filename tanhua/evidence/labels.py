"""The Chinese labels of this app's audit actions and object types, registered with the
trail's one registry (tanhua.audit.labels) from EvidenceConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _findings(viewer):
    from tanhua.evidence.models import Finding

    return Finding.objects.visible_to(viewer)


def _requests(viewer):
    from tanhua.evidence.models import MaterialRequest

    return MaterialRequest.objects.visible_to(viewer)


def register() -> None:
    from tanhua.audit import labels

    labels.register_prefix("indicator", _("指标"))
    labels.register_prefix("indicator_value", _("指标值"))
    labels.register_prefix("finding", _("问题"))
    labels.register_prefix("classifier", _("重点方面模型"))
    labels.register_actions(
        {
            "indicator.create": _("新增指标"),
            "indicator.update": _("修改指标"),
            "indicator_value.create": _("新增指标值"),
            "indicator_value.update": _("修改指标值"),
            "finding.create": _("新增问题"),
            "finding.update": _("修改问题"),
            "finding.propose_focus_area": _("系统建议重点方面"),
            "finding.correct_focus_area": _("校正问题重点方面"),
            "classifier.retrain": _("重新训练重点方面模型"),
        }
    )
    labels.register_actions({"finding.correct_focus_area": _("校正问题重点方面")}, common=True)
    labels.register_prefix("material_request", _("调取材料"))
    labels.register_prefix("material_submission", _("报送材料"))
    labels.register_actions(
        {
            "material_request.create": _("发起调取材料"),
            "material_request.remind": _("催报调取材料"),
            "material_request.remind_due": _("调取材料截止前提醒"),
            "material_request.close": _("结束调取材料"),
            "material_submission.create": _("报送材料"),
        },
        common=True,
    )
    # A request's title names what is asked for, not a person: shown where its scope reaches.
    labels.register_object_type(
        "material_request", _("调取材料"), reveal=labels._reveal_by(_requests, "pk")
    )
    # Indicators are not about anyone; a finding's code names a problem about a person or a
    # place: shown only where the viewer's own scope reaches it.
    labels.register_object_type("indicator", _("指标"), reveal=labels.reveal_all)
    labels.register_object_type("indicator_value", _("指标值"), reveal=labels.reveal_none)
    labels.register_object_type("finding", _("问题"), reveal=labels._reveal_by(_findings, "code"))
    labels.register_object_type("classifier", _("重点方面模型"), reveal=labels.reveal_all)
