from django.urls import path

from tanhua.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.upload, name="upload"),
]
