"""Plain Django views of the API app: the JSON 404 for unknown API paths, and the page where a
user lists, creates and revokes their own API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tanhua.api import services
from tanhua.api.models import ApiToken


def not_found(request):
    return JsonResponse(
        {"detail": _("未找到")}, status=404, json_dumps_params={"ensure_ascii": False}
    )


def method_not_allowed(request, allow: str):
    response = JsonResponse(
        {
            "detail": _("不支持该请求方法（%(method)s），可用：%(allow)s")
            % {"method": request.method, "allow": allow}
        },
        status=405,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Allow"] = allow
    return response


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("令牌名称"),
        max_length=services.MAX_NAME,
        help_text=gettext_lazy("例如“数据同步脚本”，便于日后区分和吊销"),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    user = request.user
    plain = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, plain = services.issue_token(
                actor=user, user=user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            # The token is shown in this response only: never stored, never redirected with.
            form = TokenForm()
    tokens = ApiToken.objects.visible_to(user)
    return render(request, "api/token_list.html", {"form": form, "tokens": tokens, "plain": plain})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    token = services.revoke_token(actor=request.user, token=token)
    if request.htmx:
        return render(request, "api/token_list.html#token_row", {"token": token})
    messages.success(request, _("令牌“%(name)s”已吊销") % {"name": token.name})
    return redirect("api_tokens:list")
