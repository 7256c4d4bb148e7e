"""Commission offices (纪检监察室) and who works in one: a commission staff member attached
to an office sees only the talks of the localities it covers (DESIGN §2). Managed by the
security administrator, like every other grant of what a person may see."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tanhua.accounts import roles as R
from tanhua.accounts.models import User
from tanhua.accounts.services import _check_manager, _save_and_audit
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.org.models import Office, Organization

MAX_NAME = 100


def _check_admin(actor) -> None:
    if actor is not None and not scoping.has_any(actor, R.MANAGE_USERS):
        raise scoping.OutOfScope


@transaction.atomic
def create_office(
    *, actor, organization: Organization, name: str, localities: list[Organization]
) -> Office:
    """A committee's office covering `localities` (each at or below the committee)."""
    _check_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError(_("请填写纪检监察室名称（不超过100个字）"), code="name")
    if Office.objects.filter(organization=organization, name=name).exists():
        raise ValidationError(
            _("%(org)s 已有名为“%(name)s”的纪检监察室") % {"org": organization.name, "name": name},
            code="name",
        )
    outside = [o for o in localities if not o.path.startswith(organization.path)]
    if outside:
        raise ValidationError(
            _("联系地区必须是 %(org)s 或其下级：%(codes)s 不是")
            % {"org": organization.name, "codes": "、".join(o.code for o in outside)},
            code="localities",
        )
    if not localities:
        raise ValidationError(_("请至少指定一个联系地区"), code="localities")
    office = Office.objects.create(organization=organization, name=name)
    office.localities.set(localities)
    audit.record(
        "office.create",
        object_type="office",
        object_id=str(office.pk),
        object_repr=name,
        after={
            "organization": organization.code,
            "name": name,
            "localities": sorted(o.code for o in localities),
        },
        actor=actor,
    )
    return office


@transaction.atomic
def set_office(*, actor, user: User, office: Office | None) -> User:
    """Attach a commission staff member to an office of their own organization (or detach)."""
    _check_manager(actor, user, verb=_("变更纪检监察室"))
    if office is not None:
        if not user.has_role(R.Role.COMMISSION):
            raise ValidationError(_("只有纪委监委工作人员才能归属纪检监察室"), code="office")
        if user.organization_id != office.organization_id:
            raise ValidationError(
                _("该纪检监察室不属于该用户所在组织"),
                code="office",
            )
    if user.office_id == (office.pk if office else None):
        return user
    user = _save_and_audit(user, "user.office", {"office_id": office.pk if office else None}, actor)
    user.__dict__.pop("office", None)
    return user


def offices_for(user: User):
    """The offices a user could be attached to: those of their own organization."""
    if user.organization_id is None:
        return Office.objects.none()
    return Office.objects.filter(organization_id=user.organization_id).order_by("name")
