from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "tanhua.campaigns"
    label = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The import pipeline (tanhua.exchange) knows no domain app; each declares its kinds.
        from tanhua.campaigns.imports import register_kinds

        register_kinds()
