from django.apps import AppConfig


class TalksConfig(AppConfig):
    name = "tanhua.talks"
    label = "talks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The work page (tanhua.core.work) learns of talks by registration, not by import.
        from tanhua.talks import work  # noqa: F401
