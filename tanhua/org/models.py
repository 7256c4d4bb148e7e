"""The organization registry: the party organization tree, cadres and their posts."""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from tanhua.core import scoping
from tanhua.core.classification import Classification
from tanhua.core.scoped import ScopedModel, ScopedQuerySet
from tanhua.core.versioning import Versioned
from tanhua.org.subqueries import InSubquery

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$"
code_validator = RegexValidator(
    CODE_PATTERN, _("编码只能包含字母、数字、下划线、点和连字符，且不超过32个字符")
)
PATH_SEPARATOR = "/"
_CODE_RE = re.compile(CODE_PATTERN)


def is_code(value: str) -> bool:
    """Whether `value` can be a code at all: what cannot names nothing, and is never sent to
    the database (PostgreSQL refuses a NUL in a parameter, which would end in a 500)."""
    return bool(_CODE_RE.fullmatch(value or ""))


def get_by_code_or_404(qs, code: str):
    """The object of a (scoped) queryset named by a code from a URL: 404 before any query
    for a segment that cannot be a code (is_code)."""
    if not is_code(code):
        raise Http404
    return get_object_or_404(qs, code=code)


class PathField(models.CharField):
    """A materialized path. `startswith` on it is an index range on every engine: SQLite's
    LIKE (case-insensitive, with ESCAPE) never uses an index, so there it becomes
    `path >= prefix AND path < prefix⁺` under SQLite's binary collation; PostgreSQL's LIKE
    already uses the `varchar_pattern_ops` index Django creates beside the plain one."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        # Stored exactly as a CharField: no migration, and migrations stay engine-neutral.
        return name, "django.db.models.CharField", args, kwargs


@PathField.register_lookup
class PathStartsWith(models.lookups.StartsWith):
    def as_sqlite(self, compiler, connection):
        if not isinstance(self.rhs, str) or not self.rhs:
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        upper = self.rhs[:-1] + chr(ord(self.rhs[-1]) + 1)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, self.rhs, upper]


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡")


# A child must sit strictly below its parent on this scale.
LEVEL_RANK = {Level.PROVINCE: 1, Level.CITY: 2, Level.COUNTY: 3, Level.TOWNSHIP: 4}


class Tier(models.TextChoices):
    CENTRAL = "central", _("中管")
    PROVINCIAL = "provincial", _("省管")
    CITY = "city", _("市管")
    COUNTY = "county", _("县管")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class OrganizationQuerySet(models.QuerySet):
    def visible_to(self, user) -> OrganizationQuerySet:
        """The user's organization and everything below it, for roles that browse the tree."""
        path = scoping.scope_path(user)
        if path is None or not scoping.can_browse_orgs(user):
            return self.none()
        return self.filter(path__startswith=path)

    def subtree_of(self, org: Organization) -> OrganizationQuerySet:
        return self.filter(path__startswith=org.path)

    def roots(self) -> OrganizationQuerySet:
        return self.filter(parent__isnull=True)


class Organization(Versioned):
    """A party committee or leading party group (党委/党组) at one level of the tree.

    `path` is the materialized path of codes from the root ("/AH/AH01/"), so a subtree is
    one indexed prefix query on both SQLite and PostgreSQL, without django-mptt.
    """

    code = models.CharField(_("编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=32, default="党委")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = PathField(max_length=1024, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[Level(self.level)]

    @staticmethod
    def build_path(parent_path: str | None, code: str) -> str:
        return f"{parent_path or PATH_SEPARATOR}{code}{PATH_SEPARATOR}"

    @classmethod
    def place(cls, parent_path: str | None, code: str) -> tuple[str, int]:
        """The (path, depth) of `code` under the parent at `parent_path` (None: a root)."""
        path = cls.build_path(parent_path, code)
        return path, path.count(PATH_SEPARATOR) - 2

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split(PATH_SEPARATOR) if c][:-1]


def _scope_key(user) -> tuple | None:
    """What the registry's scopes depend on (reuse_visible): who, their roles, their
    organization's path, clearance and own cadre; conflicts (回避) and classifications stay
    subqueries the database evaluates on every read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        user.pk,
        scoping.user_roles(user),
        scoping.scope_path(user),
        scoping.clearance(user),
        getattr(user, "cadre_id", None),
    )


class _CountsWholeScope(ScopedQuerySet):
    """A scope that, unfiltered (only reordered or with related rows fetched), is counted
    by `_count_via`, a cheaper query of the same rows' number: see _scope_count for why,
    and docs/benchmarks.md (issue 7)."""

    reuse_keeps = ("_count_via",)
    _count_via = None

    def order_by(self, *fields):
        clone = super().order_by(*fields)
        clone._count_via = self._count_via
        return clone

    def select_related(self, *fields):
        clone = super().select_related(*fields)
        clone._count_via = self._count_via
        return clone

    def prefetch_related(self, *lookups):
        clone = super().prefetch_related(*lookups)
        clone._count_via = self._count_via
        return clone

    def count(self):
        if self._count_via is not None and self._result_cache is None:
            self._check_scope()
            return self._count_via.count()
        return super().count()


class CadreQuerySet(_CountsWholeScope):
    reuse_visible = True

    def _visible_key(self, user) -> tuple | None:
        return _scope_key(user)

    def _visible(self, user) -> CadreQuerySet:
        """Cadres holding (or having held) a post in the user's scope, within clearance,
        minus those the user declared a conflict with (回避). A subject sees only themself."""
        from tanhua.accounts.roles import Role

        roles = scoping.user_roles(user)
        if not roles:
            return self.none()
        if scoping.can_see_people(user):
            path = scoping.scope_path(user)
            if path is None:
                return self.none()
            # The posts of the organizations in scope, one range of the posts' path index
            # on both engines, so the cost follows the scope, not the table.
            qs = self.filter(
                InSubquery(
                    "pk",
                    _posts_in_subtree(path).values("cadre_id"),
                    link="cadre_id",
                    in_order=("code", "cadre_code"),
                    narrows_scope=True,
                )
            )
            qs = qs.filter(classification__lte=scoping.clearance(user))
            qs = qs.exclude(pk__in=scoping.declared_cadres(user))
            qs._count_via = _scope_count(user, path)
            return qs
        elif Role.SUBJECT in roles and getattr(user, "cadre_id", None):
            qs = self.filter(pk=user.cadre_id)
        else:
            return self.none()
        qs = qs.filter(classification__lte=scoping.clearance(user))
        return qs.exclude(pk__in=scoping.declared_cadres(user))

    def holding(self, *conditions, **lookups) -> CadreQuerySet | None:
        """The cadres of this scope who hold a post in it matching the filter, as the
        scope's own list of posts narrowed (one list): beside the scope's list a second one
        of holders was matched element by element on PostgreSQL, or as a probe of every
        pair on SQLite (docs/benchmarks.md, issue 7). A subset of the scope by construction,
        it keeps clearance and 回避 (filters of their own). None for a scope that is not a
        list of posts (a subject's own record): the caller filters as it would anyway."""
        clone = self._chain()
        children = clone.query.where.children
        for i, child in enumerate(children):
            # filter() keeps a condition as `condition = True` (an Exact lookup).
            scope = getattr(child, "lhs", None)
            if isinstance(scope, InSubquery) and scope.narrows_scope and child.rhs is True:
                narrowed = scope.narrowed(*conditions, **lookups)
                children[i] = clone.query.build_filter(narrowed)[0]
                return clone
        return None

    def search(self, term: str) -> CadreQuerySet:
        term = (term or "").strip()
        if not term:
            return self
        return self.filter(Q(name__icontains=term) | Q(code__icontains=term))


def _scope_count(user, path: str):
    """The cadres a staff user sees, as distinct post holders: the same set as
    CadreQuerySet._visible (a post in the subtree, within clearance, not 回避), read from
    the post path index (a range holding each holder's id) and the short list of cadres
    above the clearance."""
    above = Cadre.objects.unscoped("the scoping layer itself").filter(
        classification__gt=scoping.clearance(user)
    )
    posts = Position.objects.unscoped("the scoping layer itself")
    return (
        _in_subtree(posts, path)
        .exclude(cadre_id__in=above.values("pk"))
        .exclude(cadre_id__in=scoping.declared_cadres(user))
        .order_by()
        .values("cadre_id")
        .distinct()
    )


def _in_subtree(posts, path: str):
    """`posts` narrowed to the organizations at or below `path`, for a list or count of the
    posts themselves: the range of the posts' own copy of the path (Position.org_path), one
    contiguous range of its index on both engines. Before it, PostgreSQL probed the
    (organization, cadre) index once per organization in scope, and SQLite joined the
    organizations' path range."""
    return posts.filter(org_path__startswith=path)


def _posts_in_subtree(path: str):
    """Every post of the organizations at or below `path` (a subquery; never evaluated here)."""
    # The range of the posts' path index, which also holds the holder's code and id: one
    # index range and no post row, where the join on the organizations' path probed the
    # (organization, cadre) index once per organization (1,402 for a province).
    return _in_subtree(Position.objects.unscoped("the scoping layer itself"), path)


class Cadre(ScopedModel, Versioned):
    """A leading cadre (干部), identified by an official code, with a management tier."""

    AUDIT_PERSON = "pk"
    AUDIT_NAMES = ("code", "name")

    code = models.CharField(_("干部编号"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("姓名"), max_length=50)
    tier = models.CharField(_("管理层级"), max_length=16, choices=Tier.choices)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    classification = models.PositiveSmallIntegerField(
        _("密级"), choices=Classification.choices, default=Classification.INTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CadreQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("干部")
        verbose_name_plural = _("干部")
        indexes = [
            # The few cadres above a clearance, which the post scope leaves out.
            models.Index(fields=["classification"], name="cadre_classification"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class PositionQuerySet(_CountsWholeScope):
    reuse_visible = True

    def _visible_key(self, user) -> tuple | None:
        return _scope_key(user)

    def _visible(self, user) -> PositionQuerySet:
        """Posts of visible cadres; staff see only the posts inside their scope."""
        if scoping.can_see_people(user):
            path = scoping.scope_path(user)
            if path is None:
                return self.none()
            # A post inside the scope makes its holder visible: no second test of the cadre's
            # scope, only of clearance and 回避.
            # The post's own copy of the path, not `organization_id IN (…)`: with the IN
            # list SQLite probes every (cadre, organization) pair of a prefetch's cadres and
            # the scope's organizations; a column of the row itself is checked on whichever
            # rows the narrow side gives (the posts of 50 cadres, of one organization) or
            # read as one range of the path index (the whole scope). Clearance as "none of
            # the few cadres above it" (an index range over the classified) rather than a
            # join to every post's cadre: a count of the posts in scope then reads the post
            # index alone.
            above = Cadre.objects.unscoped("the scoping layer itself").filter(
                classification__gt=scoping.clearance(user)
            )
            qs = (
                _in_subtree(self, path)
                .exclude(cadre_id__in=above.values("pk"))
                .exclude(cadre_id__in=scoping.declared_cadres(user))
            )
            return qs
        return self.filter(cadre__in=Cadre.objects.visible_to(user).values("pk"))

    def current(self, on=None) -> PositionQuerySet:
        return self.filter(current_on(on))

    def principals(self) -> PositionQuerySet:
        return self.filter(principal=True)


def current_on(day=None) -> Q:
    """A post held on `day` (today by default)."""
    from django.utils import timezone

    day = day or timezone.localdate()
    return (Q(end__isnull=True) | Q(end__gte=day)) & Q(start__lte=day)


def _links(post) -> dict:
    """The holder and organization a post was read (or last saved) with, for save()."""
    return {name: post.__dict__.get(name) for name in ("cadre_id", "organization_id")}


class Position(ScopedModel, Versioned):
    """A cadre's post (职务) in an organization over a tenure; `principal` marks 一把手.

    Rows are matched on (cadre, organization, title, start): re-importing a ledger changes
    nothing, and a later end date updates the same tenure.
    """

    AUDIT_PERSON = "cadre_id"

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("干部"), on_delete=models.PROTECT, related_name="positions"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="positions"
    )
    # The holder's code, copied when the post is made (a post never changes holder, a cadre
    # never changes code): a page of the cadres in scope, in code order, is then read from
    # the post index alone instead of looking up every cadre in scope (docs/benchmarks.md,
    # issue 7). Every write of a post sets it: save() here, bulk paths explicitly.
    cadre_code = models.CharField(max_length=32, editable=False, default="")
    # The organization's path, copied (like cadre_code) so that the posts of a scope are one
    # contiguous range of one index on both engines instead of one probe per organization
    # in the subtree (docs/benchmarks.md, issue 7). Unlike the code it changes: every
    # change of an organization's path rewrites it (services._move_subtree, the
    # organizations import); save() fills it for a new post.
    org_path = PathField(max_length=1024, editable=False, default="")
    title = models.CharField(_("职务"), max_length=100)
    principal = models.BooleanField(_("是否一把手"), default=False)
    start = models.DateField(_("任职日期"))
    end = models.DateField(_("免职日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        # The post's copy of the path: the same order as the organization's, without a join
        # to every organization (PostgreSQL hash-joined the whole table to sort a page).
        ordering = ["org_path", "-principal", "title", "start"]
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "organization", "title", "start"], name="position_natural_key"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="position_end_not_before_start",
            ),
        ]
        indexes = [
            # Who holds a post in these organizations, answered from the index alone: the
            # scope of every cadre query (CadreQuerySet._visible) reads only this, by id or,
            # for a list in code order, by code.
            models.Index(
                fields=["organization", "cadre", "cadre_code"], name="position_org_cadre_code"
            ),
            # The posts of a scope as one range (org_path): who holds them, by code or id,
            # and what the level filter needs (organization, start, end), read from the
            # index alone. On PostgreSQL the path in pattern order, so that the prefix LIKE
            # of PathStartsWith is an index range whatever the database's collation.
            models.Index(
                fields=["org_path", "cadre_code", "cadre", "organization", "start", "end"],
                name="position_path_holder",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_ops",
                    "int8_ops",
                    "int8_ops",
                    "date_ops",
                    "date_ops",
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization.name} {self.title} {self.cadre.name}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_links = _links(instance)
        return instance

    def save(self, *args, **kwargs):
        # The two copies (see the fields). A holder's code never changes: it comes from the
        # holder when empty, when the post names another holder than the one it was read
        # with, or when the holder loaded with the post says otherwise. The organization's
        # path does change, so an Organization object the caller read earlier may be stale
        # (its subtree moved since): a new post, or a post given another organization, reads
        # the path from the organization's row (create_position locks that row first, so a
        # concurrent move waits for the post or the post waits for the move); otherwise the
        # path comes from the organization loaded with the post when it says otherwise.
        loaded = getattr(self, "_loaded_links", {})
        fresh = []
        if self.cadre_id is not None and (
            not self.cadre_code
            or loaded.get("cadre_id") != self.cadre_id
            or (Position.cadre.is_cached(self) and self.cadre.code != self.cadre_code)
        ):
            if self.cadre.code != self.cadre_code:
                self.cadre_code = self.cadre.code
                fresh.append("cadre_code")
        if self.organization_id is not None:
            if (
                self._state.adding
                or not self.org_path
                or loaded.get("organization_id") != self.organization_id
            ):
                path = (
                    Organization.objects.filter(pk=self.organization_id)
                    .values_list("path", flat=True)
                    .first()
                )
            else:
                cached = Position.organization.is_cached(self)
                path = self.organization.path if cached else self.org_path
            if path is not None and path != self.org_path:
                self.org_path = path
                fresh.append("org_path")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *fresh}
        super().save(*args, **kwargs)
        self._loaded_links = _links(self)

    def is_current(self, on=None) -> bool:
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.start <= day and (self.end is None or self.end >= day)


class Office(models.Model):
    """A commission office (纪检监察室, e.g. 第一纪检监察室) of a committee's 纪委监委, covering
    listed localities: a commission staff member attached to it sees only those localities'
    talks (DESIGN §2). Its name and localities are not about a person."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("所属党委"), on_delete=models.PROTECT, related_name="offices"
    )
    name = models.CharField(_("名称"), max_length=100)
    localities = models.ManyToManyField(
        Organization, verbose_name=_("联系地区"), related_name="covering_offices", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__path", "name"]
        verbose_name = _("纪检监察室")
        verbose_name_plural = _("纪检监察室")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="office_name_once"),
        ]

    def __str__(self) -> str:
        return self.name
