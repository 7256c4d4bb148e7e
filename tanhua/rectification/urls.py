"""The rectification pages: the lists and their workflow (urls_lists) and the tracking —
board, 三查三问, look-back (urls_track)."""

from tanhua.rectification import urls_lists, urls_track

app_name = "rectification"
urlpatterns = [*urls_lists.urlpatterns, *urls_track.urlpatterns]
