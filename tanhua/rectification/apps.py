from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "tanhua.rectification"
    label = "rectification"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "整改"

    def ready(self) -> None:
        from tanhua.rectification import labels

        labels.register()
