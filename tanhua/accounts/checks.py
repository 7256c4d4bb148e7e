"""System checks: no account may be a Django superuser or staff member (三员分立)."""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError


@checks.register(checks.Tags.database)
def no_superusers(app_configs=None, databases=None, **kwargs):
    """Runs with `migrate` and `check --database default`: superuser powers would bypass
    the separation of the three administrators."""
    if not databases:
        return []
    from tanhua.accounts.models import User

    try:
        names = list(
            User.objects.filter(is_superuser=True).values_list("username", flat=True)[:10]
        ) + list(User.objects.filter(is_staff=True).values_list("username", flat=True)[:10])
    except DatabaseError:  # tables not created yet
        return []
    if not names:
        return []
    listed = "、".join(sorted(set(names)))
    return [
        checks.Warning(
            f"存在 Django 超级用户或后台账号：{listed}。三员分立要求正常运行时不得存在此类账号。",
            hint="用 `tanhua user add` 创建具体角色的账号，并停用或删除超级用户。",
            id="tanhua.accounts.W001",
        )
    ]
