from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "tanhua.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"
