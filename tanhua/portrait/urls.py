"""The portrait's pages."""

from django.urls import path

from tanhua.portrait import views

app_name = "portrait"

urlpatterns = [
    path("talk/<int:pk>/", views.talk_portrait, name="talk"),
    path("talk/<int:pk>/sources/", views.sources, name="sources"),
    path("talk/<int:pk>/prepare/", views.prepare_talk, name="prepare"),
    path("ecology/", views.ecology_scheme, name="ecology"),
]
