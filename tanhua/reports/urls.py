from django.urls import path

from tanhua.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_create, name="create"),
    path("template/", views.template_upload, name="template"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/header/", views.report_header, name="header"),
    path("<int:pk>/sections/<int:section>/", views.report_section, name="section"),
    path("<int:pk>/issue/", views.report_issue, name="issue"),
    path("<int:pk>/download/<str:fmt>/", views.report_download, name="download"),
    path("annexes/", views.annex_summary, name="annexes"),
    path("annexes/upload/", views.annex_upload, name="annex_upload"),
    path("annexes/senders/", views.sender_list, name="senders"),
    path("annexes/senders/new/", views.sender_register, name="sender_register"),
    path("annexes/senders/<int:pk>/revoke/", views.sender_revoke, name="sender_revoke"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
]
