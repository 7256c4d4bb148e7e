from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tanhua.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tanhua.accounts import checks  # noqa: F401 - registers the system checks
        from tanhua.accounts.middleware import stamp_login_as_activity

        user_logged_in.connect(stamp_login_as_activity, dispatch_uid="tanhua-login-activity")
