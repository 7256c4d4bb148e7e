"""Import kind `measures`: an existing 整改台账 (ledger) into the 三清单 of the campaign's talks.

A row names the campaign (its year), the talk's subject by code, the problem, its focus
area, the measure, its owner (a cadre or a unit, by code), its deadline and its status. It
lands in the plan of that year's political supervision talk with that subject, as the
importer sees it (a subject out of scope, above clearance or declared 回避 reads exactly like
an unknown one). Rows are matched on (talk, problem text, measure text): importing the same
ledger twice changes nothing. A talk without a plan gets one, approved by the import (the
ledger is in force); a measure already in the system is never changed by a ledger — its
owner, deadline and status move through its own page (extension, closing), so a row that
differs is refused with where to go instead."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from tanhua.exchange.apply import Writer
from tanhua.exchange.plan import Planner, Rec, chunks, shown
from tanhua.exchange.schema import Column, ImportKind
from tanhua.org.imports import cadres as cadre_kind
from tanhua.org.imports import organizations as org_kind
from tanhua.org.models import Cadre, Organization, code_validator
from tanhua.rectification.models import (
    Measure,
    MeasureKind,
    MeasureStatus,
    PlanStatus,
    PlanVersion,
    Problem,
    RectificationPlan,
)
from tanhua.talks.models import HELD_OR_LATER, FocusArea, Talk, TalkType

NAME = "measures"
IMPORTED = "据导入的整改台账"
LONG_TERM = "long_term"
STATUS_WORDS = {
    "open": MeasureStatus.OPEN,
    "未开始": MeasureStatus.OPEN,
    "in_progress": MeasureStatus.IN_PROGRESS,
    "整改中": MeasureStatus.IN_PROGRESS,
    "submitted": MeasureStatus.SUBMITTED,
    "待销号": MeasureStatus.SUBMITTED,
    "closed": MeasureStatus.CLOSED,
    "已销号": MeasureStatus.CLOSED,
    "已完成": MeasureStatus.CLOSED,
    "long_term": LONG_TERM,
    "长期坚持": LONG_TERM,
}
FOCUS_WORDS = {
    **{code.lower(): code for code in FocusArea.values},
    **{str(label).lower(): code for code, label in FocusArea.choices},
}


def _year(p: Planner, rec: Rec, raw: dict, col: Column) -> int | None:
    from tanhua.campaigns.imports import _year as year_of

    return year_of(p, rec, raw, col)


@dataclass
class MeasureChanges:
    # New measures, each with its talk id and its (existing or new) problem key.
    creates: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates)


class MeasuresKind(ImportKind):
    name = NAME
    label = "整改台账"
    columns = (
        Column("campaign", "年度", max_length=8),
        Column("subject_code", "被谈话人编号", max_length=32, validator=code_validator),
        Column("problem", "问题", max_length=2000),
        Column(
            "focus_area", "重点方面", max_length=100, choices=FocusArea,
            dropdown=tuple(FocusArea.values),
        ),
        Column("measure", "举措", max_length=2000),
        Column("owner_code", "责任人或单位编码", max_length=32, validator=code_validator),
        Column("deadline", "时限", is_date=True),
        Column(
            "status", "状态", required=False,
            dropdown=("open", "in_progress", "closed", "long_term"),
        ),
    )  # fmt: skip
    depends_on = (org_kind.NAME, cadre_kind.NAME)
    unique = ("campaign", "subject_code", "problem", "measure")
    unique_label = "整改举措"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["campaign"] = _year(p, rec, raw, self.column("campaign"))
        v["subject_code"] = p.code(rec, raw, self.column("subject_code"))
        v["problem"] = p.text(rec, raw, self.column("problem"), required=True)
        v["focus_area"] = p.enum(rec, raw, self.column("focus_area"), FOCUS_WORDS, required=True)
        v["measure"] = p.text(rec, raw, self.column("measure"), required=True)
        v["owner_code"] = p.code(rec, raw, self.column("owner_code"))
        v["deadline"] = p.date(rec, raw, self.column("deadline"), required=True)
        status = (
            p.enum(rec, raw, self.column("status"), STATUS_WORDS, required=False)
            if "status" in p.present[NAME]
            else ""
        )
        v["status"] = status or MeasureStatus.OPEN
        if rec.ok and v["status"] == MeasureStatus.SUBMITTED:
            p.add(
                rec, "status",
                "导入不能将举措设为待销号：销号须在举措页面提出申请，由另一人审批",
            )  # fmt: skip

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        changes = MeasureChanges()
        p.plan.changes[NAME] = changes
        if not recs:
            return
        talks = self._talks(p, recs)
        cadres, orgs = self._owners(p, recs)
        existing = self._existing([t["id"] for t in talks.values()])
        for rec in recs:
            v = rec.values
            if not rec.ok:
                continue
            talk = talks.get((v["campaign"], v["subject_code"]))
            if talk is None:
                p.add(rec, "subject_code", p.unknown("被谈话人编号", v["subject_code"]))
                continue
            if talk["status"] not in HELD_OR_LATER:
                p.add(
                    rec,
                    "subject_code",
                    f"{v['campaign']}年与该被谈话人的谈话尚未进行，不能导入整改举措",
                )
                continue
            if v["owner_code"] not in cadres and v["owner_code"] not in orgs:
                p.add(rec, "owner_code", p.unknown("责任人或单位编码", v["owner_code"]))
                continue
            if talk["held_on"] and v["deadline"] <= talk["held_on"]:
                p.add(rec, "deadline", f"时限须晚于谈话日期（{talk['held_on'].isoformat()}）")
                continue
            old = existing.get((talk["id"], v["problem"].strip(), v["measure"].strip()))
            if old is None:
                if talk["plan_status"] not in (None, PlanStatus.APPROVED) and v["status"] != "open":
                    p.add(
                        rec, "status", "该被谈话人的整改清单尚未审核通过，导入的举措状态只能为 open"
                    )
                    continue
                changes.creates.append({**v, "talk_id": talk["id"], "_rec": rec})
                p.plan.note(NAME, "created", rec, shown(v))
                continue
            changed = self._differs(old, v, cadres, orgs)
            if changed:
                p.add(
                    rec, changed[0],
                    "此举措已在系统中，其责任人、时限和状态请在举措页面办理（延期申请、销号），"
                    "不能通过导入修改",
                )  # fmt: skip
                continue
            p.plan.note(NAME, "unchanged", rec, {})

    def _talks(self, p: Planner, recs: list[Rec]) -> dict[tuple, dict]:
        """(year, subject code) → the talk the importer sees; a year with two such talks
        (two committees) is refused as ambiguous by leaving it out."""
        years = sorted({r.values["campaign"] for r in recs if r.values.get("campaign")})
        codes = sorted({r.values["subject_code"] for r in recs if r.values.get("subject_code")})
        qs = (
            Talk.objects.unscoped("operator CLI: the operator sees every talk")
            if p.actor is None
            else Talk.objects.handled_by(p.actor)
        )
        found: dict[tuple, list] = {}
        for chunk in chunks(codes):
            for row in qs.filter(
                type=TalkType.POLITICAL_SUPERVISION, campaign__year__in=years,
                subject__code__in=chunk,
            ).values(
                "id", "campaign__year", "subject__code", "status", "held_on",
                "rectification_plan__status",
            ):  # fmt: skip
                key = (row["campaign__year"], row["subject__code"])
                found.setdefault(key, []).append(
                    {
                        "id": row["id"],
                        "status": row["status"],
                        "held_on": row["held_on"],
                        "plan_status": row["rectification_plan__status"],
                    }
                )
        return {k: v[0] for k, v in found.items() if len(v) == 1}

    def _owners(self, p: Planner, recs: list[Rec]) -> tuple[set[str], set[str]]:
        from tanhua.org.services import assignable_cadres

        codes = sorted({r.values["owner_code"] for r in recs if r.values.get("owner_code")})
        cadres_qs = assignable_cadres(p.actor)
        orgs_qs = (
            Organization.objects.all()
            if p.actor is None
            else Organization.objects.visible_to(p.actor)
        )
        cadres: set[str] = set(p.results.get(cadre_kind.NAME) or ())
        orgs: set[str] = set()
        for chunk in chunks(codes):
            cadres |= set(cadres_qs.filter(code__in=chunk).values_list("code", flat=True))
            orgs |= set(orgs_qs.filter(code__in=chunk).values_list("code", flat=True))
        tree = p.results.get(org_kind.NAME)
        if tree is not None:
            orgs |= {c for c in codes if c in tree.final and "path" not in tree.final[c]}
        return cadres, orgs

    def _existing(self, talk_ids: list[int]) -> dict[tuple, dict]:
        out = {}
        for chunk in chunks(sorted(talk_ids)):
            for row in Measure.objects.unscoped("import plan: the measures of talks seen").filter(
                talk_id__in=chunk
            ).values(
                "id", "talk_id", "problem__text", "text", "focus_area", "owner_cadre__code",
                "owner_org__code", "deadline", "status", "kind",
            ):  # fmt: skip
                out[(row["talk_id"], row["problem__text"].strip(), row["text"].strip())] = row
        return out

    def _differs(self, old: dict, v: dict, cadres: set, orgs: set) -> list[str]:
        changed = []
        if old["focus_area"] != v["focus_area"]:
            changed.append("focus_area")
        owner = old["owner_cadre__code"] or old["owner_org__code"]
        if owner != v["owner_code"]:
            changed.append("owner_code")
        if old["deadline"] != v["deadline"]:
            changed.append("deadline")
        if v["status"] == LONG_TERM:
            same = old["kind"] == MeasureKind.LONG_TERM and old["status"] != MeasureStatus.CLOSED
        else:
            same = old["status"] == v["status"] and (
                old["kind"] == MeasureKind.IMMEDIATE or v["status"] == MeasureStatus.CLOSED
            )
        if not same:
            changed.append("status")
        return changed

    def apply(self, changes: MeasureChanges, writer: Writer) -> None:
        from tanhua.rectification.services import plan as plans
        from tanhua.rectification.services.measures import settle_talk
        from tanhua.talks.services.state import rectification_started

        talk_ids = sorted({c["talk_id"] for c in changes.creates})
        talks = (
            Talk.objects.unscoped("import apply: the talks the plan matched")
            .select_for_update()
            .in_bulk(talk_ids)
        )
        codes = sorted({c["owner_code"] for c in changes.creates})
        cadre_ids = dict(
            Cadre.objects.unscoped("import apply: ids of the owners the plan resolved")
            .filter(code__in=codes)
            .values_list("code", "id")
        )
        org_ids = dict(Organization.objects.filter(code__in=codes).values_list("code", "id"))
        plans_by_talk = {
            pl.talk_id: pl
            for pl in RectificationPlan.objects.unscoped("import apply: the plans of the talks")
            .select_for_update()
            .filter(talk_id__in=talk_ids)
        }
        made_plans = []
        for tid in talk_ids:
            if tid not in plans_by_talk:
                talk = talks[tid]
                plans_by_talk[tid] = RectificationPlan.objects.create(
                    talk=talk, status=PlanStatus.APPROVED, filed_by=writer.actor,
                    approved_by=writer.actor, approved_at=writer.now,
                    submitted_at=writer.now, classification=talk.classification,
                )  # fmt: skip
                made_plans.append(tid)
        problems: dict[tuple, Problem] = {
            (pr.plan.talk_id, pr.text.strip()): pr
            for pr in Problem.objects.unscoped("import apply: the problems of the plans")
            .select_related("plan")
            .filter(plan__talk_id__in=talk_ids)
        }
        order_of: dict[int, int] = {}
        new_measures = []
        for c in changes.creates:
            talk = talks[c["talk_id"]]
            plan = plans_by_talk[c["talk_id"]]
            key = (c["talk_id"], c["problem"].strip())
            problem = problems.get(key)
            if problem is None:
                count = len([k for k in problems if k[0] == c["talk_id"]])
                problem = Problem.objects.create(
                    plan=plan,
                    order=count + 1,
                    focus_area=c["focus_area"],
                    text=c["problem"].strip(),
                )
                problems[key] = problem
            order_of[problem.pk] = order_of.get(problem.pk) or (
                Measure.objects.unscoped("import apply: measures of the problem")
                .filter(problem=problem)
                .count()
            )
            order_of[problem.pk] += 1
            long_term = c["status"] == LONG_TERM
            status = MeasureStatus.OPEN if long_term else c["status"]
            new_measures.append(
                Measure(
                    problem=problem,
                    order=order_of[problem.pk],
                    text=c["measure"].strip(),
                    kind=MeasureKind.LONG_TERM if long_term else MeasureKind.IMMEDIATE,
                    owner_cadre_id=cadre_ids.get(c["owner_code"]),
                    owner_org_id=None
                    if c["owner_code"] in cadre_ids
                    else org_ids.get(c["owner_code"]),
                    deadline=c["deadline"],
                    original_deadline=c["deadline"],
                    status=status,
                    closed_at=writer.now if status == MeasureStatus.CLOSED else None,
                    campaign_id=talk.campaign_id,
                    year=talk.year,
                    committee_id=talk.committee_id,
                    talk_id=talk.pk,
                    subject_id=talk.subject_id,
                    subject_org_id=talk.subject_org_id,
                    focus_area=problem.focus_area,
                    classification=talk.classification,
                )
            )
        Measure.objects.bulk_create(new_measures, batch_size=500)
        if new_measures:
            writer.created(
                "measure.create", "measure", "整改举措",
                [{"id": m.pk, "talk": m.talk_id, "owner": c["owner_code"],
                  "deadline": m.deadline, "status": m.status, "kind": m.kind}
                 for m, c in zip(new_measures, changes.creates, strict=True)],
                "id",
            )  # fmt: skip
        for tid in talk_ids:
            plan = plans_by_talk[tid]
            if plan.status == PlanStatus.APPROVED:
                number = (
                    PlanVersion.objects.unscoped("import apply: the plan's versions")
                    .filter(plan=plan)
                    .count()
                )
                PlanVersion.objects.create(
                    plan=plan, number=number + 1, action=PlanVersion.Action.APPROVED,
                    content=plans.content(plan), comment=IMPORTED, by=writer.actor,
                )  # fmt: skip
            if tid not in made_plans:
                RectificationPlan.objects.unscoped("import apply: a new version").filter(
                    pk=plan.pk
                ).update(version=plan.version + 1, updated_at=timezone.now())
            writer.event(
                "rectification_plan.import", "rectification_plan", str(tid), IMPORTED,
                None, {"created": tid in made_plans,
                       "measures": len([c for c in changes.creates if c["talk_id"] == tid])},
            )  # fmt: skip
            if plan.status == PlanStatus.APPROVED:
                rectification_started(talk=talks[tid])
                settle_talk(tid)
