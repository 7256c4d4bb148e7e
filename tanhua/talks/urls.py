from django.urls import path

from tanhua.talks import views

app_name = "talks"
urlpatterns = [
    # Helper C's role-aware talk page replaces this view; the campaign pages link to it.
    path("<int:pk>/", views.talk_detail, name="detail"),
]
