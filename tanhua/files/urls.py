from django.urls import path

from tanhua.files import views

app_name = "files"
urlpatterns = [
    path("<int:pk>/download/", views.download, name="download"),
]
