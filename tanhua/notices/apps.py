from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "tanhua.notices"
    label = "notices"
    default_auto_field = "django.db.models.BigAutoField"
