"""The talk's pages. Talk ids in URLs are integer primary keys."""

from django.urls import path

from tanhua.talks import calendar, views, views_outline, views_record, views_schedule

app_name = "talks"

urlpatterns = [
    # The outline, the record, confirmation and print (issue 9: outline and record).
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/outline/", views.outline, name="outline"),
    path("<int:pk>/files/", views_outline.talk_files, name="files"),
    path("<int:pk>/outline/versions/", views_outline.outline_versions, name="outline_versions"),
    path("<int:pk>/record/", views_record.record, name="record"),
    path("<int:pk>/confirm/", views_record.confirm, name="confirm"),
    path("<int:pk>/print/", views_record.print_record, name="print"),
    # Scheduling and calendars.
    path("<int:pk>/schedule/", views_schedule.schedule, name="schedule"),
    path("calendar/", calendar.talker_calendar, name="calendar"),
    path("calendar/feed/new/", calendar.feed_issue, name="calendar_feed_issue"),
    path("calendar/feed/revoke/", calendar.feed_revoke, name="calendar_feed_revoke"),
    path("calendar/feed/<str:secret>.ics", calendar.feed, name="calendar_feed"),
]
