from django.urls import path

from tanhua.rectification import views_track as v

urlpatterns = [
    path("board/", v.board, name="board"),
    path("board/measures/", v.track_measures, name="track_measures"),
    path("sancha/", v.sancha, name="sancha"),
    path("look-backs/", v.lookback_list, name="lookback_list"),
    path("look-backs/new/", v.lookback_create, name="lookback_create"),
    path("look-backs/<int:pk>/", v.lookback_detail, name="lookback_detail"),
    path("look-backs/items/<int:pk>/verify/", v.lookback_verify, name="lookback_verify"),
    path("dossier/<str:code>/", v.dossier, name="dossier"),
]
