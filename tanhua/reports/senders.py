"""The one write path of trusted senders (the keys whose annexes a receiving side imports):
register and revoke, each keyword-only, atomic, scoped and audited in the same transaction
(re-exported by tanhua.reports.services; kept apart so neither file outgrows the rest).

Also the one read the import makes of them: `trusted_for(org)`, the keys that count for an
annex received at `org`: those registered there or at an organization above it (a higher
office's trust decision covers the offices below it). `actor=None` is the operator's
command line, acting for the root of the organization tree."""

from __future__ import annotations

import base64

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tanhua.accounts import roles as R
from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.reports import annex, signing
from tanhua.reports.models import TrustedSender

# Who registers and revokes keys: the staff who import annexes (the registry's importers).
SENDER_ROLES = R.PLAN_TALKS


def may_manage(user) -> bool:
    return user is None or (
        scoping.has_any(user, SENDER_ROLES) and getattr(user, "organization", None) is not None
    )


def receiving_org(actor):
    """Where an annex or key is recorded: the actor's organization, the root for the CLI."""
    from tanhua.org.models import Organization

    if actor is not None:
        return getattr(actor, "organization", None)
    return Organization.objects.filter(parent__isnull=True).order_by("path").first()


def _stamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def trusted_for(org) -> dict[str, annex.Trust]:
    """The keys that count for an annex received at `org`, by key_id. A key revoked at any
    level on the way up counts as revoked."""
    if org is None:
        return {}
    rows = (
        TrustedSender.objects.unscoped("the import checks signatures against registered keys")
        .filter(received_at_org__path__in=scoping.path_and_above(org.path))
        .order_by("-received_at_org__depth", "pk")
    )
    out: dict[str, annex.Trust] = {}
    for row in rows:
        try:
            public_key = signing.parse_public_key(row.public_key)
        except signing.KeyInvalid:
            # Only register_sender writes keys, and it parses them; a row changed behind it
            # vouches for nothing (its annexes are refused as under an unregistered key).
            continue
        trust = annex.Trust(
            key_id=row.key_id,
            committee_code=row.committee_code,
            committee_name=row.committee_name,
            public_key=public_key,
            revoked_at=_stamp(row.revoked_at),
        )
        known = out.get(row.key_id)
        if known is None or (trust.revoked_at and not known.revoked_at):
            out[row.key_id] = trust
    return out


def _snapshot(row: TrustedSender) -> dict:
    return {
        "committee_code": row.committee_code,
        "committee_name": row.committee_name,
        "key_id": row.key_id,
        "public_key": row.public_key,
        "received_at_org": row.received_at_org.code,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


@transaction.atomic
def register_sender(
    *, actor, committee_code: str, committee_name: str, public_key: str
) -> TrustedSender:
    """Register a sending committee's public key at the actor's organization. Refused: a
    malformed code, name or key, and a key already registered there (revoked or not)."""
    from tanhua.org.models import is_code

    scoping.require(may_manage(actor))
    org = receiving_org(actor)
    if org is None:
        raise ValidationError("尚未建立组织机构，无法确定接收单位", code="org")
    code = str(committee_code or "").strip()
    name = str(committee_name or "").strip()
    errors = []
    if not is_code(code):
        errors.append(
            f"报送党委编码“{code[:40]}”无效：只能包含字母、数字、下划线、点和连字符，"
            "且不超过32个字符"
            if code
            else "请填写报送党委编码"
        )
    if not name:
        errors.append("请填写报送党委名称")
    elif len(name) > 100:
        errors.append(f"报送党委名称超过100个字符（共{len(name)}个字符）")
    try:
        raw = signing.parse_public_key(public_key)
    except signing.KeyInvalid as exc:
        errors.append(str(exc))
        raw = None
    if errors:
        raise ValidationError(errors, code="invalid")
    key_id = signing.key_id_of(raw)
    existing = (
        TrustedSender.objects.unscoped("a key is registered once per receiving organization")
        .filter(received_at_org=org, key_id=key_id)
        .first()
    )
    if existing is not None:
        raise ValidationError(_duplicate(existing), code="duplicate")
    row = TrustedSender(
        committee_code=code,
        committee_name=name,
        public_key=base64.b64encode(raw).decode("ascii"),
        key_id=key_id,
        received_at_org=org,
        registered_by=actor,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Registered by another request between the check and the save.
        raise ValidationError(
            f"密钥 {key_id} 已在本单位登记，未重复登记", code="duplicate"
        ) from None
    audit.record(
        "annex_key.register", object_type="annex_key", object_id=key_id,
        object_repr=str(row), after=_snapshot(row), actor=actor,
    )  # fmt: skip
    return row


def _duplicate(row: TrustedSender) -> str:
    if row.revoked_at:
        return (
            f"密钥 {row.key_id} 已于 {_stamp(row.revoked_at)} 吊销，不能重新登记：请报送单位"
            "生成新的签名密钥后报送新公钥"
        )
    return (
        f"密钥 {row.key_id} 已登记为 {row.committee_name}（{row.committee_code}）的密钥，未重复登记"
    )


@transaction.atomic
def revoke_sender(*, actor, sender: TrustedSender) -> TrustedSender:
    """Revoke a registered key: annexes signed with it are refused from now on (those
    already received stay, naming the key in their row)."""
    scoping.require(may_manage(actor))
    qs = (
        TrustedSender.objects.unscoped("the operator revokes any key")
        if actor is None
        else TrustedSender.objects.visible_to(actor)
    )
    row = qs.select_for_update().select_related("received_at_org").filter(pk=sender.pk).first()
    scoping.require(row is not None)
    if row.revoked_at is not None:
        raise ValidationError(
            f"密钥 {row.key_id} 已于 {_stamp(row.revoked_at)} 吊销，无需再次吊销", code="revoked"
        )
    before = _snapshot(row)
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    audit.record(
        "annex_key.revoke", object_type="annex_key", object_id=row.key_id,
        object_repr=str(row), before=before, after=_snapshot(row), actor=actor,
    )  # fmt: skip
    return row
