"""Home page, health check and error pages."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from tanhua.core import scoping, work
from tanhua.org.models import Cadre, Organization


@login_required
@require_GET
def home(request):
    user = request.user
    context = {
        "org": user.organization,
        "panels": [
            render_to_string(p.template, p.context, request=request) for p in work.panels_for(user)
        ],
    }
    if scoping.can_browse_orgs(user):
        context["org_count"] = Organization.objects.visible_to(user).count()
    if scoping.can_see_people(user):
        context["cadre_count"] = Cadre.objects.visible_to(user).count()
    return render(request, "core/home.html", context)


@require_GET
def healthz(request):
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到"}, status=404)
    return render(request, "core/error.html", {"title": "未找到", "code": 404}, status=404)


def forbidden(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "无权访问"}, status=403)
    return render(request, "core/error.html", {"title": "无权访问", "code": 403}, status=403)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "服务器内部错误，请联系系统管理员"}, status=500)
    return HttpResponse(
        "服务器内部错误，请联系系统管理员", status=500, content_type="text/plain; charset=utf-8"
    )
