from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tanhua.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tanhua.accounts import checks  # noqa: F401 - registers the system checks
