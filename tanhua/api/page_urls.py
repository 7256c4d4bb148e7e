"""The user's own API tokens, as pages (mounted at /api/tokens/, outside the API itself)."""

from django.urls import path

from tanhua.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.token_list, name="list"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
