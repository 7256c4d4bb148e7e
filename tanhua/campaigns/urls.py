from django.urls import path

from tanhua.campaigns import views
from tanhua.talks import calendar

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/plan/", views.campaign_plan, name="plan"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/rule/", views.campaign_rule, name="rule"),
    path("<int:pk>/talks/", views.campaign_talks, name="talks"),
    path("<int:pk>/talks/add/", views.campaign_add_talk, name="add_talk"),
    path("<int:pk>/meetings/", views.campaign_meetings, name="meetings"),
    path("<int:pk>/meetings/<str:code>/", views.campaign_meeting_set, name="meeting_set"),
    path("<int:pk>/calendar/", calendar.campaign_calendar, name="calendar"),
]
