from django.urls import path

from tanhua.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("export.xlsx", views.export, name="export"),
]
