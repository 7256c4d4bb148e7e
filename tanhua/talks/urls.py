from django.urls import path

from tanhua.talks import calendar, views_schedule

app_name = "talks"
urlpatterns = [
    # Stand-in until the talk page (helper C) lands: staff to the schedule, others to the calendar.
    path("<int:pk>/", views_schedule.detail_redirect, name="detail"),
    path("<int:pk>/schedule/", views_schedule.schedule, name="schedule"),
    path("calendar/", calendar.talker_calendar, name="calendar"),
    path("calendar/feed/new/", calendar.feed_issue, name="calendar_feed_issue"),
    path("calendar/feed/revoke/", calendar.feed_revoke, name="calendar_feed_revoke"),
    path("calendar/feed/<str:secret>.ics", calendar.feed, name="calendar_feed"),
]
