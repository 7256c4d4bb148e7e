"""The write and read paths of attachments: upload (checked by content, stored, text
extracted, audited) and download (through the owner's scope, audited as an export)."""

from __future__ import annotations

import re
import unicodedata

from django.db import transaction

from tanhua.audit import services as audit
from tanhua.core import scoping
from tanhua.files import content, registry, storage
from tanhua.files.content import FileRefused
from tanhua.files.models import Attachment

__all__ = [
    "FileRefused",
    "attach",
    "attach_all",
    "read_upload",
    "safe_filename",
    "searchable_attachments",
]

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')


def safe_filename(name: str, kind: content.Kind) -> str:
    """The name a file is stored and offered under: no directories, no control or quoting
    characters, at most 120 characters, ending in the extension of what it really is."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    stem = name[: -len(kind.extension)] if name.lower().endswith(kind.extension) else name
    stem = stem[:120].strip(" ._") or "附件"
    return f"{stem}{kind.extension}"


def read_upload(upload) -> tuple[str, bytes]:
    """(name, bytes) of an uploaded file, reading no more than one byte past the limit."""
    if upload is None:
        raise FileRefused("请选择要上传的文件。")
    upload.seek(0)
    data = upload.read(content.max_bytes() + 1)
    return getattr(upload, "name", "") or "", data


@transaction.atomic
def attach(*, actor, owner_kind: str, owner, filename: str, data: bytes) -> Attachment:
    """Add a file to an owner record. The owner is re-read through the actor's scope and the
    owner kind's rule decides who may attach (out of scope: 404). The content decides the
    type; a refused file raises FileRefused with the reason. The bytes are stored before
    commit (named by their hash, so a rolled-back upload leaves at most an unreferenced
    copy that a later identical upload reuses)."""
    kind_rule = registry.owner_kind(owner_kind)
    visible = kind_rule.visible(actor)
    scoping.require(visible.filter(pk=owner.pk).exists())
    scoping.require(kind_rule.can_attach(actor, owner))
    kind = content.sniff(data, filename)
    text = content.extract_text(data, kind)
    name = safe_filename(filename, kind)
    sha = storage.store(data)
    attachment = Attachment.objects.create(
        owner_kind=owner_kind,
        owner_id=owner.pk,
        filename=name,
        kind=kind.code,
        size=len(data),
        sha256=sha,
        text=text,
        uploaded_by=actor,
    )
    audit.record(
        "attachment.upload",
        object_type="attachment",
        object_id=str(attachment.pk),
        object_repr=name,
        actor=actor,
        detail={
            "owner": f"{owner_kind}:{owner.pk}",
            "kind": kind.code,
            "size": len(data),
            "sha256": sha,
            "text_chars": len(text),
        },
    )
    if text:
        from tanhua.search import index

        index.touch("attachment", [attachment.pk])
    return attachment


@transaction.atomic
def attach_all(*, actor, owner_kind: str, owner, files: list[tuple[str, bytes]]) -> list:
    """Several files on one owner, all or none: one refused file refuses them all
    (FileRefused naming the file and why)."""
    out = []
    for name, data in files:
        try:
            out.append(
                attach(actor=actor, owner_kind=owner_kind, owner=owner, filename=name, data=data)
            )
        except FileRefused as exc:
            raise FileRefused(f"{name}：{exc}") from None
    return out


def visible_attachment(*, actor, pk: int) -> Attachment:
    """The attachment, if the actor's scope reaches its owner; 404 otherwise."""
    found = Attachment.objects.visible_to(actor).filter(pk=pk).first()
    scoping.require(found is not None)
    return found


def record_download(*, actor, attachment: Attachment) -> None:
    """A file left the system: one export entry naming it and its owner."""
    audit.record_export(
        "attachment",
        1,
        actor=actor,
        fmt=attachment.kind,
        object_id=str(attachment.pk),
        object_repr=attachment.filename,
        filters={"owner": f"{attachment.owner_kind}:{attachment.owner_id}"},
    )


def searchable_attachments(user):
    """The attachments with text that `user` may see, for the full-text index's queries
    (helper S indexes `Attachment.text`; results must still be filtered by this)."""
    return Attachment.objects.visible_to(user).exclude(text="")
