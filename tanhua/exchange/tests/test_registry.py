"""The pipeline is generic: kinds are declared by their apps and registered with it, ordered
by their dependencies, and exchange imports no domain app (issue 7)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tanhua.exchange import schema
from tanhua.exchange.plan import shown
from tanhua.exchange.services import ImportRejected, import_tables

EXCHANGE = Path(schema.__file__).resolve().parent


def test_exchange_imports_no_domain_app_outside_its_tests():
    offenders = []
    for path in EXCHANGE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith("tanhua.")
                and n.split(".")[1] not in ("exchange", "core", "audit", "accounts")
            ]
    assert offenders == []


def test_each_import_kind_is_declared_by_the_app_that_owns_it():
    kinds = {k.name: type(k).__module__ for k in schema.registered()}
    assert list(kinds) == [
        "organizations",
        "cadres",
        "positions",
        "talks",
        "meetings",
        "indicators",
        "indicator_values",
        "findings",
        "measures",
        "annexes",
    ]
    assert all(kinds[n].startswith("tanhua.org.imports.") for n in list(kinds)[:3])
    assert kinds["talks"] == kinds["meetings"] == "tanhua.campaigns.imports"
    assert all(kinds[n].startswith("tanhua.evidence.imports.") for n in list(kinds)[5:8])
    assert kinds["annexes"] == "tanhua.reports.imports"
    assert kinds["measures"] == "tanhua.rectification.imports.measures"


class Notes(schema.ImportKind):
    """A kind another app might declare: notes on organizations of the same file set."""

    name = "talks"
    label = "谈话"
    columns = (schema.Column("org_code", "组织编码"), schema.Column("text", "内容"))
    depends_on = ("organizations",)
    written: list[dict] = []

    def clean(self, planner, rec, raw):
        rec.values["org_code"] = planner.text(rec, raw, self.column("org_code"), required=True)
        rec.values["text"] = planner.text(rec, raw, self.column("text"), required=True)

    def plan(self, planner, recs):
        tree = planner.results["organizations"]
        rows = []
        for rec in recs:
            if rec.values["org_code"] not in tree.final:
                planner.add(rec, "org_code", planner.unknown("组织编码", rec.values["org_code"]))
                continue
            rows.append(rec.values)
            planner.plan.note(self.name, "created", rec, shown(rec.values))
        planner.plan.changes[self.name] = rows

    def apply(self, changes, writer):
        type(self).written += changes


@pytest.fixture
def notes(monkeypatch):
    # Registered first, yet planned after what it depends on.
    # (In place of the campaigns app's own `talks`, which this stand-in predates.)
    others = {k: v for k, v in schema._REGISTRY.items() if k not in ("talks", "meetings")}
    monkeypatch.setattr(schema, "_REGISTRY", {"talks": Notes(), **others})
    Notes.written = []
    return Notes


def test_a_kind_is_planned_and_applied_after_the_kinds_it_depends_on(notes, db):
    order = [k.name for k in schema.registered()]
    assert order.index("organizations") < order.index("talks")
    report = import_tables(
        {
            "organizations": [{"code": "A", "name": "甲省", "level": "省", "parent_code": ""}],
            "talks": [{"org_code": "A", "text": "谈话要点"}],
        },
        actor=None,
    )
    assert report.counts["talks"].created == 1
    assert notes.written == [{"org_code": "A", "text": "谈话要点"}]
    assert schema.later_kind_of("talks") is None


def test_a_registered_kinds_problems_come_back_by_row(notes, db):
    with pytest.raises(ImportRejected) as exc:
        import_tables({"talks": [{"org_code": "NOPE", "text": "x"}]}, actor=None)
    (p,) = exc.value.problems
    assert (p.source, p.row, p.column, p.message) == (
        "talks",
        2,
        "org_code",
        "组织编码“NOPE”不存在",
    )
    assert notes.written == []
