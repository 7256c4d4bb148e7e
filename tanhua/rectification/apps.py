from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "tanhua.rectification"
    label = "rectification"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "整改"

    def ready(self) -> None:
        from tanhua.rectification import labels

        labels.register()
        # The lists' half: the work page's panels, the `measures` import kind and the
        # attachments of progress reports register with the shared services.
        from tanhua.rectification import work  # noqa: F401
        from tanhua.rectification.imports import register_kinds
        from tanhua.rectification.services.progress import register_attachment_owner

        register_kinds()
        register_attachment_owner()
