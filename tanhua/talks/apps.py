from django.apps import AppConfig


class TalksConfig(AppConfig):
    name = "tanhua.talks"
    label = "talks"
    default_auto_field = "django.db.models.BigAutoField"
