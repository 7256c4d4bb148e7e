from functools import wraps

from django.urls import URLPattern, path, re_path

from tanhua.api.root import api
from tanhua.api.views import method_not_allowed, not_found


def _json_405(view):
    """ninja answers a wrong method with a bare 405; give it the API's JSON shape."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.has_header("Allow"):
            return method_not_allowed(request, response["Allow"])
        return response

    return wrapped


_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        _pattern.callback = _json_405(_pattern.callback)

urlpatterns = [
    path("", (_patterns, _app_name, _namespace)),
    # Anything else under /api/v1/ answers JSON, like the API, not the HTML 404 page.
    re_path(r"^.*$", not_found),
]
