"""Querysets about people that cannot be read past the scoping layer, and whose reads are
audited by construction.

A model about a person (a cadre, a post, and every later model about a person or a talk)
uses a `ScopedQuerySet`. Such a queryset refuses to be evaluated — fetched, counted,
iterated, tested for existence, aggregated, updated or deleted — unless it started from
`visible_to(user)` or from the explicit escape `unscoped("why")`, which the operator's command
line, migrations and the scoping layer itself use and which is easy to grep for. A forgotten
scope is then a loud `UnscopedRead` in the test suite, not a quiet leak.

Rows fetched through `visible_to(user)` during a web request are noted on the request as
shown; `ReadAuditMiddleware` turns what a response showed into one read entry in the audit
trail (DESIGN §2: every read of a record about a person is logged). A page cannot show a
person it fetched through the scoping layer without that entry being written.
"""

from __future__ import annotations

import contextlib
import contextvars
import operator
from collections.abc import Iterator

from django.db import models
from django.db.models.query import ModelIterable

from tanhua.core import request_context


class UnscopedRead(RuntimeError):
    """A people-bearing queryset was evaluated without `visible_to(user)` or `unscoped()`."""


# Set while Django itself reads for its own bookkeeping (uniqueness checks in full_clean).
_allow: contextvars.ContextVar[str | None] = contextvars.ContextVar("tanhua_unscoped", default=None)


@contextlib.contextmanager
def unscoped_block(reason: str) -> Iterator[None]:
    """Allow unscoped evaluation inside the block (for framework code that builds its own
    querysets from the default manager, such as model validation)."""
    if not reason:
        raise ValueError("unscoped_block needs a reason")
    token = _allow.set(reason)
    try:
        yield
    finally:
        _allow.reset(token)


class ScopedQuerySet(models.QuerySet):
    """A queryset whose evaluation requires a scope (see the module docstring).

    Subclasses implement `_visible(user)`: the rows `user` may see."""

    # A subclass whose `_visible(user)` depends on nothing but what `_visible_key(user)`
    # returns (no clock, no other state: what changes in the database stays in subqueries
    # that the database evaluates) may set this: the scoped queryset is then built once per
    # key and process and handed out as a clone. Building it (Django's query construction,
    # not SQL) was a fifth of the CPU of a cadre page (docs/benchmarks.md, issue 7).
    reuse_visible = False
    # Attributes `_visible` sets on its result that a clone must keep too.
    reuse_keeps: tuple[str, ...] = ()
    _VISIBLE_CACHE_SIZE = 512

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # None: no scope yet; ("user", user): visible_to; ("unscoped", reason).
        self._scope: tuple[str, object] | None = None
        # Made by the manager, nothing applied yet: the only start a cached scope fits.
        self._pristine = kwargs.get("query", args[1] if len(args) > 1 else None) is None

    def _clone(self):
        clone = super()._clone()
        clone._scope = self._scope
        return clone

    # --- the two ways in ---------------------------------------------------------------

    def _visible(self, user):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _visible_key(self, user) -> tuple | None:
        """Everything `_visible(user)` depends on, for `reuse_visible`; None: build anew."""
        return None

    def visible_to(self, user):
        key = None
        if self.reuse_visible and self._pristine and self._db is None:
            key = self._visible_key(user)
        if key is None:
            qs = self._visible(user)
        else:
            key = (type(self), *key)
            base = _visible_cache.get(key)
            if base is None:
                base = self._visible(user)
                if len(_visible_cache) >= self._VISIBLE_CACHE_SIZE:
                    _visible_cache.clear()
                _visible_cache[key] = base
            qs = base._chain()
            for name in self.reuse_keeps:
                setattr(qs, name, getattr(base, name))
        qs._scope = ("user", user)
        return qs

    def unscoped(self, reason: str):
        """The explicit, greppable escape; `reason` says why this read needs no user scope."""
        if not reason or not reason.strip():
            raise ValueError("unscoped() needs a reason")
        qs = self._chain()
        qs._scope = ("unscoped", reason)
        return qs

    @property
    def is_scoped(self) -> bool:
        return self._scope is not None or _allow.get() is not None

    def _check_scope(self) -> None:
        if self.is_scoped or self.query.is_empty():
            return
        raise UnscopedRead(
            f"{self.model.__name__} queryset evaluated without visible_to(user) or unscoped(reason)"
        )

    # --- evaluation ----------------------------------------------------------------------

    def _fetch_all(self):
        if self._result_cache is None:
            self._check_scope()
            super()._fetch_all()
            self._note_shown(self._result_cache)
        else:
            super()._fetch_all()

    def iterator(self, chunk_size=None):
        self._check_scope()
        for row in super().iterator(chunk_size=chunk_size):
            self._note_shown([row])
            yield row

    def count(self):
        if self._result_cache is None:
            self._check_scope()
        return super().count()

    def exists(self):
        if self._result_cache is None:
            self._check_scope()
        return super().exists()

    def contains(self, obj):
        if self._result_cache is None:
            self._check_scope()
        return super().contains(obj)

    def aggregate(self, *args, **kwargs):
        self._check_scope()
        return super().aggregate(*args, **kwargs)

    def in_bulk(self, *args, **kwargs):
        self._check_scope()
        return super().in_bulk(*args, **kwargs)

    def update(self, **kwargs):
        self._check_scope()
        return super().update(**kwargs)

    def delete(self):
        self._check_scope()
        return super().delete()

    def explain(self, *args, **kwargs):
        self._check_scope()
        return super().explain(*args, **kwargs)

    # --- what was shown ------------------------------------------------------------------

    def _note_shown(self, rows) -> None:
        if not rows or self._scope is None or self._scope[0] != "user":
            return
        if not issubclass(self._iterable_class, ModelIterable):
            return
        request = request_context.current_request()
        if request is None:
            return
        person_attr = getattr(self.model, "AUDIT_PERSON", None)
        if person_attr is None:
            return
        attrs = (person_attr,) if isinstance(person_attr, str) else tuple(person_attr)
        getters = [operator.attrgetter(a) for a in attrs]
        shown = shown_on(request)
        rows_of = shown.rows.setdefault(self.model._meta.model_name, set())
        # A row that is the person itself also gives their code and name for the read
        # entry, which then needs no query of its own (when both were fetched).
        naming = getattr(self.model, "AUDIT_NAMES", None) if person_attr == "pk" else None
        for row in rows:
            rows_of.add(row.pk)
            for person_of in getters:
                person = person_of(row)
                if person is None:
                    continue
                shown.people.add(person)
                if naming is not None:
                    fields = row.__dict__
                    if naming[0] in fields and naming[1] in fields:
                        shown.names[person] = (fields[naming[0]], fields[naming[1]])


# (queryset class, *key) -> the scoped queryset, never evaluated itself (see reuse_visible).
_visible_cache: dict[tuple, models.QuerySet] = {}


class Shown:
    """What a request fetched through the scoping layer: the people (cadre ids) and the rows
    of each people-bearing model."""

    def __init__(self):
        self.people: set[int] = set()
        self.rows: dict[str, set] = {}
        # (code, name) of the people fetched as rows of their own model (AUDIT_NAMES).
        self.names: dict[int, tuple[str, str]] = {}

    def __bool__(self) -> bool:
        return bool(self.people)

    def clear(self) -> None:
        self.people.clear()
        self.rows.clear()
        self.names.clear()


def shown_on(request) -> Shown:
    shown = getattr(request, "_tanhua_shown", None)
    if shown is None:
        shown = Shown()
        request._tanhua_shown = shown
    return shown


class ScopedModel(models.Model):
    """Base of people-bearing models: Django's own uniqueness checks read through the
    default manager, which is scoped; they may (they answer yes/no about one value and the
    caller reports it through the project's one code-unavailable message)."""

    # The attribute naming the person (a cadre id) a row is about, for the read audit; a
    # dotted path ("talk.subject_id") where the person is on a parent row, which the
    # queryset's `_visible` then select_related()s so that noting it costs no query; a
    # tuple where a row names several people (a talk: its subject and its talker).
    AUDIT_PERSON: str | tuple[str, ...] | None = None
    # On the person's own model ("pk"): the fields of their code and name, for the entry.
    AUDIT_NAMES: tuple[str, str] | None = None

    class Meta:
        abstract = True

    def validate_unique(self, exclude=None):
        with unscoped_block("model uniqueness check"):
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude=None):
        with unscoped_block("model constraint check"):
            super().validate_constraints(exclude=exclude)
