"""Query expressions of the registry's scopes, planned alike on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import models


class InSubquery(models.Func):
    """`field IN (subquery)` that each engine can plan from the narrow side.

    - A list or a count: on SQLite `IN (subquery)` (the subquery is built once and the
      rows looked up by primary key); on PostgreSQL `= ANY(ARRAY(subquery))`, because it
      plans `IN (subquery)` as a hash semi-join that, the scope being a tenth of a large
      table, reads the whole cadre table to probe it.
    - One row named by a unique field (`code=`, `pk=`, as every detail page and check
      does): a correlated EXISTS over that row's posts instead, so that a lookup costs a
      few index probes rather than building the whole scope's list first.

    - A query in the order of a unique field that the subquery's rows carry too
      (`in_order=("code", "cadre_code")`): `code IN (subquery of codes)`. The engine then
      walks the listed codes in order through the unique index and stops at the page's
      end, instead of looking every row of the scope up by primary key to sort them, which
      cost more the larger the table the scope is spread over (docs/benchmarks.md, issue 7).

    `correlated` is the subquery's queryset filtered on `link` = the outer row's `field`.
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(
        self,
        field: str,
        queryset,
        *,
        link: str,
        in_order: tuple[str, str] | None = None,
        narrows_scope: bool = False,
    ):
        # Like `__in`, the subqueries need no order (Position orders by path by default).
        queryset = queryset.order_by()
        # Kept to build a narrower copy (CadreQuerySet.holding); marks the scope's own list.
        self.narrowing = (field, queryset, link, in_order)
        self.narrows_scope = narrows_scope
        correlated = queryset.filter(**{link: models.OuterRef(field)})
        expressions = [
            models.F(field),
            models.Subquery(queryset),
            models.Exists(correlated.values("pk")),
        ]
        if in_order is not None:
            outer, inner = in_order
            expressions += [models.F(outer), models.Subquery(queryset.values(inner))]
        self.in_order = in_order and in_order[0]
        super().__init__(*expressions)

    def narrowed(self, *conditions, **lookups) -> InSubquery:
        """The same test over the subquery's rows that also match the filter."""
        field, queryset, link, in_order = self.narrowing
        queryset = queryset.filter(*conditions, **lookups)
        return InSubquery(field, queryset, link=link, in_order=in_order, narrows_scope=True)

    def _in_order(self, compiler) -> bool:
        if not self.in_order:
            return False
        query = compiler.query
        ordering = query.order_by or (query.default_ordering and query.get_meta().ordering)
        return bool(ordering) and ordering[0] == self.in_order

    def _names_one_row(self, compiler) -> bool:
        col = self.source_expressions[0]
        where = compiler.query.where
        if where.connector != "AND" or where.negated:
            return False
        for child in where.children:
            if not isinstance(child, models.lookups.Exact):
                continue
            if getattr(child.lhs, "alias", None) != col.alias:
                continue
            if (child.lhs.target.primary_key or child.lhs.target.unique) and not hasattr(
                child.rhs, "resolve_expression"
            ):
                return True
            # Correlated with an outer query (`cadre=OuterRef("pk")` in an EXISTS over one
            # cadre's posts): a few rows per outer row. With the array form PostgreSQL
            # turned such an EXISTS into a semi-join materializing every post in scope once
            # per cadre (600 ms); the correlated EXISTS probes by primary key.
            rhs_alias = getattr(child.rhs, "alias", None)
            if rhs_alias is not None and rhs_alias not in compiler.query.alias_map:
                return True
        return False

    def _sql(self, compiler, template: str):
        lhs_expr, subquery, exists, *by_order = self.source_expressions
        if self._names_one_row(compiler):
            return compiler.compile(exists)
        if by_order and self._in_order(compiler):
            lhs_expr, subquery = by_order
        lhs, lhs_params = compiler.compile(lhs_expr)
        rhs, rhs_params = compiler.compile(subquery)
        return template.format(lhs=lhs, rhs=rhs), (*lhs_params, *rhs_params)

    def as_sql(self, compiler, connection, **extra):
        return self._sql(compiler, "{lhs} IN {rhs}")

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(compiler, "{lhs} = ANY(ARRAY{rhs})")
