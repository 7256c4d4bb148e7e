from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tanhua.org"
    label = "org"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The import pipeline (tanhua.exchange) knows no domain app; each declares its kinds.
        from tanhua.org.imports import register_kinds

        register_kinds()
