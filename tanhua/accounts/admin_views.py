"""Account management for the security administrator (users, roles, clearance, disabling,
password resets), the grants that wait for a second person (two-person rule), and conflict
declarations (回避): declared by staff, listed for and withdrawn by the security
administrator. The security administrator sees accounts and organization names, and of
people only what their own clearance allows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tanhua.accounts import offices, services
from tanhua.accounts import roles as R
from tanhua.accounts.forms import ClearanceForm, ConflictForm, RoleChangeForm, UserCreateForm
from tanhua.accounts.models import ConflictDeclaration, PendingGrant, RoleGrant, User
from tanhua.core import scoping
from tanhua.exchange import listing
from tanhua.org.models import Cadre

USERS_PER_PAGE = 100


def _require_manager(user) -> None:
    scoping.require(scoping.has_any(user, R.MANAGE_USERS))


def _above_clearance(user) -> Q:
    """Accounts linked to a cadre above the administrator's clearance: their full name is
    that cadre's, so it is neither shown nor searchable."""
    return Q(cadre__classification__gt=scoping.clearance(user))


def _managed_users(user):
    return User.objects.visible_to(user).annotate(
        name_hidden=ExpressionWrapper(_above_clearance(user), output_field=BooleanField())
    )


def _managed_user(request, username: str) -> User:
    _require_manager(request.user)
    if "\x00" in username:  # PostgreSQL refuses NUL in a query: answer as for no such user
        raise Http404
    return get_object_or_404(
        _managed_users(request.user).select_related("organization"), username=username
    )


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _waiting_message(grant: PendingGrant) -> str:
    return _("已提交授权申请，须由另一位安全管理员或指定的审批人批准后生效")


@login_required
@require_GET
def user_list(request):
    _require_manager(request.user)
    users = (
        _managed_users(request.user)
        .select_related("organization")
        .prefetch_related(Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")))
        .order_by("username")
    )
    term = (request.GET.get("q") or "").replace("\x00", "").strip()
    if term:
        users = users.filter(
            Q(username__icontains=term)
            | (Q(first_name__icontains=term) & ~_above_clearance(request.user))
        )
    if listing.wants_export(request):
        return listing.export_list(
            request,
            kind="user",
            title="用户名单",
            columns=USER_COLUMNS,
            rows=users,
            filters={"用户名或姓名": term},
        )
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    waiting = PendingGrant.objects.visible_to(request.user).pending().count()
    return render(request, "accounts/user_list.html", {"page": page, "q": term, "waiting": waiting})


USER_COLUMNS = [
    listing.Column("用户名", lambda u: u.username),
    # A name linked to a cadre above the administrator's clearance stays hidden, as on the page.
    listing.Column(
        "姓名", lambda u: "（涉密）" if getattr(u, "name_hidden", False) else u.get_full_name()
    ),
    listing.Column("所属组织", lambda u: u.organization.name if u.organization else ""),
    listing.Column("角色", lambda u: "、".join(g.get_role_display() for g in u.role_grants.all())),
    listing.Column("涉密等级", lambda u: u.get_clearance_display()),
    listing.Column("状态", lambda u: "启用" if u.is_active else "已停用"),
]


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    _require_manager(request.user)
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.create_user(
                actor=request.user,
                username=data["username"],
                organization=data["org_code"],
                roles=data["roles"],
                clearance=data["clearance"],
                full_name=data["full_name"],
                cadre=data["cadre_code"],
            )
        except ValidationError as exc:
            for msg in _errors(exc):
                form.add_error(None, msg)
        else:
            # The one-time password is shown in this answer only, never stored in clear.
            waiting = PendingGrant.objects.visible_to(request.user).pending().filter(user=user)
            return render(
                request,
                "accounts/user_password.html",
                {"managed": user, "password": password, "waiting": waiting.first()},
            )
    return render(request, "accounts/user_create.html", {"form": form})


@login_required
@require_GET
def user_detail(request, username: str):
    managed = _managed_user(request, username)
    return render(request, "accounts/user_detail.html", _detail_context(request, managed))


def _detail_context(request, managed: User, **extra) -> dict:
    grants = list(managed.role_grants.select_related("granted_by").order_by("role"))
    held = {g.role for g in grants}
    return {
        "managed": managed,
        "grants": grants,
        "grantable": [(v, label) for v, label in R.Role.choices if v not in held],
        "is_self": managed.pk == request.user.pk,
        "clearance_form": ClearanceForm(initial={"clearance": managed.clearance}),
        "offices": list(offices.offices_for(managed))
        if managed.has_role(R.Role.COMMISSION)
        else [],
        # Only declarations on cadres within the administrator's own clearance.
        "conflicts": ConflictDeclaration.objects.visible_to(request.user)
        .filter(user=managed, active=True)
        .select_related("cadre"),
        "waiting": _grants_for_page(request.user)
        .filter(user=managed, state="pending")
        .select_related("requested_by"),
        **extra,
    }


def _detail_post(request, managed: User, form, apply, done: str, invalid: str):
    """A change posted from the detail page: on success back to it with a message (or the
    note that it waits for a second person), else the page again with the errors."""
    if not form.is_valid():
        errors = [invalid]
    else:
        try:
            outcome = apply(form.cleaned_data)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            if isinstance(outcome, PendingGrant):
                messages.info(request, _waiting_message(outcome))
            else:
                messages.success(request, done)
            return redirect("accounts:user_detail", username=managed.username)
    return render(
        request, "accounts/user_detail.html", _detail_context(request, managed, errors=errors)
    )


@login_required
@require_POST
def user_roles(request, username: str):
    managed = _managed_user(request, username)

    def apply(data):
        change = services.grant_role if data["action"] == "grant" else services.revoke_role
        return change(actor=request.user, user=managed, role=data["role"])

    return _detail_post(
        request,
        managed,
        RoleChangeForm(request.POST),
        apply,
        _("角色已更新"),
        _("请选择要授予或撤销的角色"),
    )


@login_required
@require_POST
def user_clearance(request, username: str):
    managed = _managed_user(request, username)

    def apply(data):
        return services.set_clearance(actor=request.user, user=managed, clearance=data["clearance"])

    return _detail_post(
        request,
        managed,
        ClearanceForm(request.POST),
        apply,
        _("涉密等级已更新"),
        _("请选择有效的涉密等级"),
    )


@login_required
@require_POST
def user_office(request, username: str):
    """Attach a commission staff member to an office of their organization (or detach)."""
    managed = _managed_user(request, username)
    raw = (request.POST.get("office") or "").strip()
    choices = {str(o.pk): o for o in offices.offices_for(managed)}
    if raw and raw not in choices:
        errors = [_("请选择该用户所在组织的纪检监察室")]
    else:
        try:
            offices.set_office(actor=request.user, user=managed, office=choices.get(raw))
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("纪检监察室已更新"))
            return redirect("accounts:user_detail", username=managed.username)
    return render(
        request,
        "accounts/user_detail.html",
        _detail_context(request, managed, errors=errors),
    )


def _toggle(request, username: str, change, done: str):
    managed = _managed_user(request, username)
    try:
        change(actor=request.user, user=managed)
    except ValidationError as exc:
        return render(
            request,
            "accounts/user_detail.html",
            _detail_context(request, managed, errors=_errors(exc)),
        )
    messages.success(request, done)
    return redirect("accounts:user_detail", username=managed.username)


@login_required
@require_POST
def user_disable(request, username: str):
    return _toggle(request, username, services.disable_user, _("账号已停用，其会话已全部结束"))


@login_required
@require_POST
def user_enable(request, username: str):
    return _toggle(request, username, services.enable_user, _("账号已启用"))


@login_required
@require_POST
def user_reset_password(request, username: str):
    managed = _managed_user(request, username)
    try:
        password = services.reset_password(actor=request.user, user=managed)
    except ValidationError as exc:
        return render(
            request,
            "accounts/user_detail.html",
            _detail_context(request, managed, errors=_errors(exc)),
        )
    return render(
        request,
        "accounts/user_password.html",
        {"managed": managed, "password": password, "reset": True},
    )


# --- grants waiting for a second person ---------------------------------------


def _grants_for_page(user):
    return PendingGrant.objects.visible_to(user).select_related(
        "user", "user__organization", "requested_by", "decided_by"
    )


@login_required
@require_GET
def grant_list(request):
    """The requests waiting for a second person, and the latest decisions. Open to every
    security administrator and to the approvers named in settings."""
    scoping.require(services.may_decide_grants(request.user))
    grants = _grants_for_page(request.user)
    return render(
        request,
        "accounts/grant_list.html",
        {
            "waiting": grants.filter(state="pending"),
            "decided": grants.exclude(state="pending").order_by("-decided_at")[:50],
            "manages": scoping.has_any(request.user, R.MANAGE_USERS),
        },
    )


def _decide(request, pk: int, decide, done: str):
    scoping.require(services.may_decide_grants(request.user))
    grant = get_object_or_404(PendingGrant.objects.visible_to(request.user), pk=pk)
    try:
        decide(actor=request.user, grant=grant)
    except ValidationError as exc:
        for msg in _errors(exc):
            messages.error(request, msg)
    else:
        messages.success(request, done % {"u": grant.user.username})
    return redirect("accounts:grant_list")


@login_required
@require_POST
def grant_approve(request, pk: int):
    return _decide(request, pk, services.approve_grant, _("已批准对 %(u)s 的授权"))


@login_required
@require_POST
def grant_reject(request, pk: int):
    return _decide(request, pk, services.reject_grant, _("已驳回对 %(u)s 的授权申请"))


# --- conflicts of interest (回避) ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conflict_declare(request, code: str):
    """A staff member declares a conflict with a cadre they can see; afterwards the cadre
    answers 404 to them everywhere."""
    user = request.user
    scoping.require(scoping.can_see_people(user))
    if "\x00" in code:  # as in _managed_user
        raise Http404
    cadre = get_object_or_404(Cadre.objects.visible_to(user), code=code)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_conflict(
                actor=user,
                cadre=cadre,
                reason=form.cleaned_data["reason"],
                detail=form.cleaned_data["detail"],
            )
        except ValidationError as exc:
            for msg in _errors(exc):
                form.add_error(None, msg)
        else:
            messages.success(
                request,
                _("已登记回避声明；此后您将无法查看该干部的任何信息。如需撤销，请联系安全管理员。"),
            )
            return redirect("core:home")
    return render(request, "accounts/conflict_declare.html", {"form": form, "cadre": cadre})


@login_required
@require_GET
def conflict_list(request):
    _require_manager(request.user)
    show_all = request.GET.get("all") == "1"
    declarations = (
        ConflictDeclaration.objects.visible_to(request.user)
        .select_related("user", "user__organization", "cadre", "withdrawn_by")
        .order_by("-declared_at")
    )
    if not show_all:
        declarations = declarations.filter(active=True)
    page = Paginator(declarations, USERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/conflict_list.html", {"page": page, "show_all": show_all})


@login_required
@require_POST
def conflict_withdraw(request, pk: int):
    _require_manager(request.user)
    declaration = get_object_or_404(
        ConflictDeclaration.objects.visible_to(request.user).select_related("cadre"), pk=pk
    )
    try:
        services.withdraw_conflict(actor=request.user, declaration=declaration)
    except ValidationError as exc:
        for msg in _errors(exc):
            messages.error(request, msg)
    else:
        messages.success(request, _("回避声明已撤销"))
    return redirect("accounts:conflict_list")
