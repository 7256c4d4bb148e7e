"""Roles (DESIGN §2) and what each may do. The scoping layer reads these sets; nothing else
decides who may see what."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TALKER = "talker", _("谈话人")
    RECORDER = "recorder", _("记录人")
    COMMISSION = "commission", _("纪委监委工作人员")
    ORGANIZATION = "organization", _("组织部工作人员")
    SUBJECT = "subject", _("被谈话人")
    SUBMITTER = "submitter", _("材料报送人")
    VIEWER = "viewer", _("领导查看")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


# 三员分立: the three administrators hold none of each other's powers and no business data.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)

# Who may browse the organization tree of their scope (names and codes, posts without people).
BROWSE_ORGS = frozenset(
    {Role.TALKER, Role.COMMISSION, Role.ORGANIZATION, Role.VIEWER, Role.SECADMIN}
)
# Who may read records about people (cadres, their posts) in their scope.
SEE_PEOPLE = frozenset({Role.TALKER, Role.COMMISSION, Role.ORGANIZATION})
# Who may change the registry (organizations, cadres, posts) and import spreadsheets.
EDIT_REGISTRY = frozenset({Role.COMMISSION, Role.ORGANIZATION})
# Account administration, audit reading and system operation.
MANAGE_USERS = frozenset({Role.SECADMIN})
READ_AUDIT = frozenset({Role.AUDITOR})
RUN_SYSTEM = frozenset({Role.SYSADMIN})

# Roles whose grant takes effect only when a second person approves it (settings
# TWO_PERSON_GRANTS): every role that reads records about people, and the administrators
# (a security administrator who could mint another, or an auditor, would check themself).
# Viewer (aggregates) and submitter (their own uploads) are granted at once.
SECOND_PERSON_ROLES = frozenset(SEE_PEOPLE | {Role.RECORDER, Role.SUBJECT} | ADMIN_ROLES)

# Roles whose holders must log in with a second factor (every role above viewer).
NEEDS_TOTP = frozenset(set(Role) - {Role.VIEWER})

# A role combination that would break 三员分立 is refused when granted.
EXCLUSIVE_ROLES = ADMIN_ROLES

# Roles some API operation answers (organizations: BROWSE_ORGS; cadres and posts: SEE_PEOPLE;
# writes: EDIT_REGISTRY; submitters upload materials). Only they are offered API tokens on
# the personal page.
USE_API = frozenset(BROWSE_ORGS | SEE_PEOPLE | EDIT_REGISTRY | {Role.SUBMITTER})

# The talk cycle (issue 9). Staff who plan, schedule and prepare talks in their scope.
PLAN_TALKS = frozenset({Role.COMMISSION, Role.ORGANIZATION})
# Who sees campaigns of their scope (their progress and statistics: aggregates, no talk).
SEE_CAMPAIGNS = frozenset(PLAN_TALKS | {Role.VIEWER})
# Who sees the campaigns of the talks they hold, record or receive.
TAKE_PART_IN_TALKS = frozenset({Role.TALKER, Role.RECORDER, Role.SUBJECT})
