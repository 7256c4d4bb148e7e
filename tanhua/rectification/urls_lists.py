"""The pages of the 三清单 and their workflow (ids are integer primary keys: a talk's for its
plan, a measure's, a campaign's for its ledger)."""

from django.urls import path

from tanhua.rectification import views, views_measures

urlpatterns = [
    path("talks/<int:pk>/plan/", views.plan, name="plan"),
    path("measures/<int:pk>/", views_measures.measure, name="measure"),
    path("mine/", views_measures.mine, name="mine"),
    path("waiting/", views_measures.waiting, name="waiting"),
    path("campaigns/<int:pk>/ledger.xlsx", views_measures.ledger_export, name="ledger_export"),
]
