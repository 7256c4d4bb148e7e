from django.urls import path

from tanhua.talks import calendar

app_name = "campaigns"
urlpatterns = [
    path("<int:pk>/calendar/", calendar.campaign_calendar, name="calendar"),
]
