"""The Chinese labels of this app's audit actions and object types, registered with the
trail's one registry (tanhua.audit.labels) from ReportsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def _reports(viewer):
    from tanhua.reports.models import Report

    return Report.objects.visible_to(viewer)


def _sections(viewer):
    from tanhua.reports.models import ReportSection

    return ReportSection.objects.visible_to(viewer)


def register() -> None:
    from tanhua.audit import labels

    labels.register_prefix("report", _("报告"))
    labels.register_prefix("report_section", _("报告章节"))
    labels.register_prefix("annex", _("数据附件"))
    labels.register_prefix("annex_key", _("报送单位密钥"))
    labels.register_prefix("report_template", _("报告模板"))
    labels.register_prefix("dashboard", _("领导看板"))
    labels.register_actions(
        {
            "report.create": _("生成报告草稿"),
            "report.update": _("修改报告版头版记"),
            "report.issue": _("印发报告"),
            "report.export": _("导出报告"),
            "report_section.update": _("修改报告章节"),
            "report_template.upload": _("上传报告模板"),
            "annex.import": _("导入数据附件"),
            "annex.export": _("导出汇总报告"),
            "annex_key.register": _("登记报送单位密钥"),
            "annex_key.revoke": _("吊销报送单位密钥"),
            "dashboard.export": _("导出看板数据"),
        },
        common=True,
    )
    # A report's title names a year's work, not a person: shown where its scope reaches.
    labels.register_object_type("report", _("报告"), reveal=labels._reveal_by(_reports, "pk"))
    labels.register_object_type(
        "report_section", _("报告章节"), reveal=labels._reveal_by(_sections, "pk")
    )
    labels.register_object_type("annex", _("数据附件"), reveal=labels.reveal_all)
    # A key names a committee, not a person.
    labels.register_object_type("annex_key", _("报送单位密钥"), reveal=labels.reveal_all)
    labels.register_object_type("report_template", _("报告模板"), reveal=labels.reveal_all)
