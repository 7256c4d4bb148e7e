from django.apps import AppConfig


class PortraitConfig(AppConfig):
    name = "tanhua.portrait"
    label = "portrait"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The audit labels of this app's actions register with the trail's registry.
        from tanhua.portrait import labels

        labels.register()
