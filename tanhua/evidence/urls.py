from django.urls import path

from tanhua.evidence import views

app_name = "evidence"
urlpatterns = [
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<str:code>/focus-area/", views.finding_focus_area, name="finding_focus_area"),
    path("classifier/retrain/", views.classifier_retrain, name="classifier_retrain"),
]
