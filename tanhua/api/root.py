"""The REST API root: each app contributes a router from its api.py."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Tanhua API",
    version="1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)
