from django.urls import path

from tanhua.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template.xlsx", views.template, name="template"),
    path("<int:pk>/", views.preview, name="preview"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/errors.xlsx", views.errors, name="errors"),
]
