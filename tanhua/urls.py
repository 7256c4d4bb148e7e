"""Root URL conf. Each app owns its URLs; the API lives under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("tanhua.core.urls")),
    path("accounts/", include("tanhua.accounts.urls")),
    path("org/", include("tanhua.org.urls")),
    path("import/", include("tanhua.exchange.urls")),
    path("evidence/", include("tanhua.evidence.urls")),
    path("portrait/", include("tanhua.portrait.urls")),
    path("audit/", include("tanhua.audit.urls")),
    path("search/", include("tanhua.search.urls")),
    path("campaigns/", include("tanhua.campaigns.urls")),
    path("talks/", include("tanhua.talks.urls")),
    path("rectification/", include("tanhua.rectification.urls")),
    path("reports/", include("tanhua.reports.urls")),
    path("notices/", include("tanhua.notices.urls")),
    path("files/", include("tanhua.files.urls")),
    path("api/tokens/", include("tanhua.api.page_urls")),
    path("api/v1/", include("tanhua.api.urls")),
]

handler404 = "tanhua.core.views.not_found"
handler403 = "tanhua.core.views.forbidden"
handler500 = "tanhua.core.views.server_error"
