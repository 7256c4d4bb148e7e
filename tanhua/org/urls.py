from django.urls import path

from tanhua.org import picker, views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("o/<str:code>/", views.organization_detail, name="organization_detail"),
    path("o/<str:code>/children/", views.organization_children, name="organization_children"),
    path("pick/", picker.pick, name="pick"),
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/<str:code>/", views.cadre_detail, name="cadre_detail"),
]
