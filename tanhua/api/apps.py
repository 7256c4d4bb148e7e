from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tanhua.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tanhua.accounts.models import RoleGrant, User
        from tanhua.api.models import ApiToken
        from tanhua.api.services import forget_resolved_tokens
        from tanhua.org.models import Organization

        # What a resolved token carries: the token, its user (active, password state,
        # clearance), the user's roles and organization (scope).
        for model in (ApiToken, User, RoleGrant, Organization):
            for signal in (post_save, post_delete):
                signal.connect(forget_resolved_tokens, sender=model, dispatch_uid=f"api-{model}")
