from django.urls import path

from tanhua.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("<int:pk>/open/", views.open_notice, name="open"),
]
