from django.urls import path

from tanhua.api.root import api

urlpatterns = [path("", api.urls)]
