"""Test helpers of the import pages: batches owned by a given user (the permission matrix
asks for one per persona, so they are made directly, whatever the user's roles)."""

from __future__ import annotations

import uuid

from tanhua.exchange.models import BatchStatus, ImportBatch
from tanhua.exchange.problems import Problem

BAD_ORGANIZATIONS_CSV = "code,name,level,parent_code\nC1X,东城新区,市,NOPE\n"


def make_rejected_batch(user) -> ImportBatch:
    """A rejected upload of `user`: one organizations.csv whose parent code is unknown."""
    from tanhua.exchange.services import batch_paths

    batch = ImportBatch(
        user=user,
        directory=uuid.uuid4().hex,
        filenames=["organizations.csv"],
        status=BatchStatus.REJECTED,
        summary={
            "problems": [
                Problem("organizations.csv", 2, "parent_code", "上级编码“NOPE”不存在").as_dict()
            ],
            "problem_count": 1,
        },
    )
    for path in batch_paths(batch):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BAD_ORGANIZATIONS_CSV, encoding="utf-8")
    batch.save()
    return batch


def own_batch(world, user) -> dict:
    """The persona's own batch (anonymous: someone's, it only needs to exist)."""
    return {"pk": make_rejected_batch(user or world.users["commission_c1"]).pk}


def someone_elses_batch(world, user) -> dict:
    from tanhua.accounts.models import User

    other, _ = User.objects.get_or_create(
        username="batch_owner", defaults={"organization": world.orgs["C1"]}
    )
    return {"pk": make_rejected_batch(other).pk}
