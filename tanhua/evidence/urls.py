from django.urls import path

from tanhua.evidence import views, views_requests

app_name = "evidence"
urlpatterns = [
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<str:code>/files/", views.finding_files, name="finding_files"),
    path("findings/<str:code>/focus-area/", views.finding_focus_area, name="finding_focus_area"),
    path("classifier/retrain/", views.classifier_retrain, name="classifier_retrain"),
    path("requests/", views_requests.request_list, name="request_list"),
    path("requests/new/", views_requests.request_create, name="request_create"),
    path("requests/<int:pk>/", views_requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/remind/", views_requests.request_remind, name="request_remind"),
    path("requests/<int:pk>/close/", views_requests.request_close, name="request_close"),
    path("inbox/", views_requests.inbox, name="inbox"),
    path("inbox/<int:pk>/", views_requests.inbox_request, name="inbox_request"),
    path("inbox/<int:pk>/submit/", views_requests.inbox_submit, name="inbox_submit"),
]
