"""Login, logout, password change and (for the security administrator) user management."""

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tanhua.accounts import roles as R
from tanhua.accounts.models import User
from tanhua.core import scoping


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        return redirect(request.GET.get("next") or "core:home")
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["must_change_password", "password_changed_at"])
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改")
        return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def user_list(request):
    scoping.require(scoping.has_any(request.user, R.MANAGE_USERS))
    users = User.objects.select_related("organization").prefetch_related("role_grants")
    return render(request, "accounts/user_list.html", {"users": users})
