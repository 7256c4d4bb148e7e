"""Forms for login, second factor and (security administrator) account management.

Forms only parse and check input; the services in services.py make the change."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tanhua.accounts import roles as R
from tanhua.accounts.models import ConflictReason, User
from tanhua.core.classification import Classification
from tanhua.org.models import Cadre, Organization
from tanhua.org.widgets import OrganizationCodeInput


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), max_length=4096, widget=forms.PasswordInput)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def organization_by_code(code: str) -> Organization:
    """Account administration may name any organization; names and codes are not business
    data, so this lookup bypasses the people scoping on purpose."""
    code = (code or "").strip()
    try:
        return Organization.objects.get(code=code)
    except Organization.DoesNotExist:
        raise forms.ValidationError(_("组织编码“%(c)s”不存在") % {"c": code}, code="org") from None


def cadre_by_code(code: str, *, clearance: int) -> Cadre | None:
    """Linking an account to its cadre record needs only the code; nothing about the cadre
    is shown to the security administrator, and a cadre above their clearance answers
    exactly like a code that does not exist."""
    code = (code or "").strip()
    if not code:
        return None
    cadre = (
        Cadre.objects.unscoped("account linking by code: the security administrator sees no people")
        .filter(code=code, classification__lte=clearance)
        .only("pk", "code")
        .first()
    )
    if cadre is None:
        raise forms.ValidationError(_("干部编号“%(c)s”不存在") % {"c": code}, code="cadre")
    return cadre


class UserCreateForm(forms.Form):
    """`actor`: the security administrator filling it in (their clearance bounds the cadre
    they may link)."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    org_code = forms.CharField(label=_("所属组织编码"), max_length=32, widget=OrganizationCodeInput)
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=R.Role.choices, widget=forms.CheckboxSelectMultiple
    )
    clearance = forms.TypedChoiceField(
        label=_("涉密等级"),
        choices=Classification.choices,
        coerce=int,
        initial=Classification.INTERNAL,
    )
    cadre_code = forms.CharField(label=_("对应干部编号（可选）"), max_length=32, required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("用户名“%(u)s”已存在") % {"u": username})
        return username

    def clean_org_code(self):
        return organization_by_code(self.cleaned_data["org_code"])

    def clean_cadre_code(self):
        from tanhua.core import scoping

        return cadre_by_code(
            self.cleaned_data.get("cadre_code", ""), clearance=scoping.clearance(self.actor)
        )


class RoleChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("grant", _("授予")), ("revoke", _("撤销"))])
    role = forms.ChoiceField(label=_("角色"), choices=R.Role.choices)


class ClearanceForm(forms.Form):
    clearance = forms.TypedChoiceField(
        label=_("涉密等级"), choices=Classification.choices, coerce=int
    )


class ConflictForm(forms.Form):
    reason = forms.ChoiceField(label=_("回避事由"), choices=ConflictReason.choices)
    detail = forms.CharField(
        label=_("说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class PasswordConfirmForm(forms.Form):
    """The current password again, before a change of one's own credentials."""

    password = forms.CharField(
        label=_("当前密码"),
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReplaceTotpForm(PasswordConfirmForm):
    token = forms.CharField(
        label=_("当前验证码"),
        max_length=32,
        help_text=_("当前验证器上显示的 6 位数字；手机丢失时可输入一个备用码"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
