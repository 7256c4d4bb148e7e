from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "tanhua.files"
    label = "files"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Owner kinds register from the apps that own them (tanhua.files.registry).
        from tanhua.files import labels

        labels.register()
