from django.urls import path

from tanhua.search import views

app_name = "search"
urlpatterns = [
    path("", views.quick_find, name="quick_find"),
    path("text/", views.text_search, name="text"),
]
