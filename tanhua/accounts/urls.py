from django.urls import path

from tanhua.accounts import admin_views, personal_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("me/", personal_views.me, name="me"),
    path("me/otp/", personal_views.me_otp, name="me_otp"),
    path("me/backup-codes/", personal_views.me_backup_codes, name="me_backup_codes"),
    path("users/", admin_views.user_list, name="user_list"),
    path("create-user/", admin_views.user_create, name="user_create"),
    path("users/<str:username>/", admin_views.user_detail, name="user_detail"),
    path("users/<str:username>/roles/", admin_views.user_roles, name="user_roles"),
    path("users/<str:username>/clearance/", admin_views.user_clearance, name="user_clearance"),
    path("users/<str:username>/office/", admin_views.user_office, name="user_office"),
    path("users/<str:username>/disable/", admin_views.user_disable, name="user_disable"),
    path("users/<str:username>/enable/", admin_views.user_enable, name="user_enable"),
    path(
        "users/<str:username>/reset-password/",
        admin_views.user_reset_password,
        name="user_reset_password",
    ),
    path("grants/", admin_views.grant_list, name="grant_list"),
    path("grants/<int:pk>/approve/", admin_views.grant_approve, name="grant_approve"),
    path("grants/<int:pk>/reject/", admin_views.grant_reject, name="grant_reject"),
    path("conflicts/", admin_views.conflict_list, name="conflict_list"),
    path("conflicts/<int:pk>/withdraw/", admin_views.conflict_withdraw, name="conflict_withdraw"),
    path("conflicts/declare/<str:code>/", admin_views.conflict_declare, name="conflict_declare"),
]
