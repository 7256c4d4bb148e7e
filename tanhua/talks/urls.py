"""The talk's pages. Talk ids in URLs are integer primary keys."""

from django.urls import path

from tanhua.talks import views, views_record

app_name = "talks"

urlpatterns = [
    # The outline, the record, confirmation and print (issue 9: outline and record).
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/outline/", views.outline, name="outline"),
    path("<int:pk>/record/", views_record.record, name="record"),
    path("<int:pk>/confirm/", views_record.confirm, name="confirm"),
    path("<int:pk>/print/", views_record.print_record, name="print"),
]
