"""The REST API root: each app contributes a router from its api.py.

Authentication is global: a bearer token from `tanhua token NAME`, or the browser session
for the browsable docs. The docs page loads django-ninja's vendored Swagger UI from /static/
(no CDN) with no inline script, so it runs under the site's strict CSP unchanged.
"""

from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from tanhua.api import errors
from tanhua.api.auth import api_auth


class ReadableJSON(JSONRenderer):
    # Chinese messages stay legible in curl output and logs.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Tanhua API",
    version="1",
    description="谈话系统 REST API。脚本在请求头中发送 `Authorization: Bearer 令牌`"
    "（令牌由 `tanhua token 用户名` 或“API 令牌”页面生成）。",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # validatorUrl null: Swagger UI would otherwise fetch a badge from swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    urls_namespace="api",
    auth=api_auth,
    renderer=ReadableJSON(),
)
errors.install(api)


def _mount_routers() -> None:
    from tanhua.evidence.api import router as evidence_router
    from tanhua.org.api import router as org_router

    api.add_router("/", org_router)
    from tanhua.talks.api_schedule import router as schedule_router

    api.add_router("/", schedule_router)
    from tanhua.notices.api import router as notices_router

    api.add_router("/", notices_router)
    from tanhua.talks.api import router as talks_router

    api.add_router("/", talks_router)

    from tanhua.campaigns.api import router as campaigns_router

    api.add_router("/", campaigns_router)
    api.add_router("/", evidence_router)
    from tanhua.evidence.api_requests import router as material_requests_router

    api.add_router("/", material_requests_router)
    from tanhua.portrait.api import router as portrait_router

    api.add_router("/", portrait_router)
    from tanhua.search.api import router as search_router

    api.add_router("/", search_router)
    from tanhua.rectification.api import router as rectification_router
    from tanhua.rectification.api_track import router as tracking_router

    api.add_router("/", rectification_router)
    api.add_router("/", tracking_router)
    from tanhua.reports.api import router as reports_router

    api.add_router("/", reports_router)


_mount_routers()
