from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "tanhua.evidence"
    label = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Import kinds register with the generic pipeline (tanhua.exchange knows no domain
        # app); the audit labels of this app's actions register with the trail's registry.
        from tanhua.evidence import labels
        from tanhua.evidence.imports import register_kinds
        from tanhua.evidence.requests import register_attachment_owners

        register_kinds()
        labels.register()
        register_attachment_owners()
