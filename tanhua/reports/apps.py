from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tanhua.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The annex import kind registers with the generic pipeline; the audit labels of
        # this app's actions with the trail's registry.
        from tanhua.reports import labels
        from tanhua.reports.imports import register_kinds

        register_kinds()
        labels.register()
