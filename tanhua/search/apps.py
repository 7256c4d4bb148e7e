from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tanhua.search"
    verbose_name = "搜索"

    def ready(self):
        # Each app's fulltext.py registers its document sources (tanhua/search/registry.py).
        from tanhua.search import registry

        registry.discover()
