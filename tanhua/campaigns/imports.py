"""Import kinds of the talk cycle (DESIGN §6): `talks` (a ledger of talks, e.g. from past
years) and `meetings` (民主生活会 dates). Registered with the generic pipeline from
CampaignsConfig.ready(); the pipeline's preview, all-or-nothing rule and problem lines apply.

Codes resolve as the importer sees them (organizations in their scope, cadres they may name):
an out-of-scope code reads exactly like an unknown one. A `talks` row is matched on
(campaign, subject, type), so importing the same ledger twice changes nothing; a committee's
campaign of the year is created (default window) when missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from tanhua.campaigns.models import Campaign, TeamMeeting
from tanhua.exchange import schema
from tanhua.exchange.apply import Writer
from tanhua.exchange.plan import Planner, Rec, chunks, shown
from tanhua.exchange.schema import Column, ImportKind
from tanhua.org.imports import cadres as cadre_kind
from tanhua.org.imports import organizations as org_kind
from tanhua.org.models import Cadre, Organization, Position, code_validator
from tanhua.org.services import assignable_cadres
from tanhua.talks.models import STATUS_ORDER, Basis, Talk, TalkStatus, TalkType

TALKS = "talks"
MEETINGS = "meetings"
IMPORTED_REASON = "据导入的谈话台账"


def _words(choices) -> dict:
    out = {}
    for value, label in choices.choices:
        out[value.lower()] = value
        out[str(label).lower()] = value
    return out


TYPE_WORDS = {**_words(TalkType), "工作性谈话": "work", "沟通性谈话": "work"}
STATUS_WORDS = _words(TalkStatus)


def _year(p: Planner, rec: Rec, raw: dict, col: Column) -> int | None:
    text = p.text(rec, raw, col, required=True)
    if not text:
        return None
    digits = text.removesuffix("年度").removesuffix("年").strip()
    if digits.endswith(".0"):  # a number cell read back as text
        digits = digits[:-2]
    if not digits.isdigit() or not 2000 <= int(digits) <= 2100:
        p.add(rec, col.name, f"年度“{text}”无效，应为 2000–2100 之间的年份")
        return None
    return int(digits)


def _resolve_cadres(p: Planner, codes: set[str]) -> set[str]:
    known: set[str] = set()
    resolvable = assignable_cadres(p.actor)
    for chunk in chunks(sorted(codes)):
        known |= set(resolvable.filter(code__in=chunk).values_list("code", flat=True))
    return known | set(p.results.get(cadre_kind.NAME) or ())


def _org_ok(p: Planner, tree, code: str | None) -> bool:
    org = tree.final.get(code or "")
    return org is not None and ("path" not in org or p.in_scope(org["path"]))


@dataclass
class TalkChanges:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates)


class TalksKind(ImportKind):
    name = TALKS
    label = "谈话"
    columns = (
        Column("campaign", "年度", max_length=8),
        Column("committee_code", "组织谈话党委编码", max_length=32, validator=code_validator),
        Column("talker_code", "谈话人编号", max_length=32, validator=code_validator),
        Column("subject_code", "被谈话人编号", max_length=32, validator=code_validator),
        Column(
            "type", "谈话类型", choices=TalkType, dropdown=tuple(str(x) for x in TalkType.labels)
        ),
        Column("held_on", "谈话日期", required=False, is_date=True),
        Column(
            "status",
            "状态",
            required=False,
            choices=TalkStatus,
            dropdown=tuple(str(x) for x in TalkStatus.labels),
        ),
    )
    depends_on = (org_kind.NAME, cadre_kind.NAME)
    unique = ("subject_code", "campaign", "committee_code", "type")
    unique_label = "谈话"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["campaign"] = _year(p, rec, raw, self.column("campaign"))
        for name in ("committee_code", "talker_code", "subject_code"):
            v[name] = p.code(rec, raw, self.column(name))
        v["type"] = p.enum(rec, raw, self.column("type"), TYPE_WORDS, required=True)
        v["held_on"] = (
            p.date(rec, raw, self.column("held_on"), required=False)
            if "held_on" in p.present[TALKS]
            else None
        )
        status = (
            p.enum(rec, raw, self.column("status"), STATUS_WORDS, required=False)
            if "status" in p.present[TALKS]
            else ""
        )
        if rec.ok and not status:
            status = TalkStatus.HELD if v["held_on"] else TalkStatus.PLANNED
        v["status"] = status
        if rec.ok and v["talker_code"] == v["subject_code"]:
            p.add(rec, "subject_code", "谈话人与被谈话人不能是同一人")

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        changes = TalkChanges()
        p.plan.changes[TALKS] = changes
        if not recs:
            return
        tree = p.results[org_kind.NAME]
        wanted = {r.values.get(k) for r in recs for k in ("talker_code", "subject_code")}
        known = _resolve_cadres(p, {c for c in wanted if c})
        # Every matching talk, seen or not: a row naming a talk the importer cannot see is
        # refused like an unknown subject (never a duplicate that fails at the database).
        talks = Talk.objects.unscoped("import plan: which talks exist; visibility next")
        existing: dict[tuple, dict] = {}
        keys = {(r.values.get("campaign"), r.values.get("committee_code")) for r in recs}
        years = sorted({y for y, _c in keys if y})
        committees = sorted({c for _y, c in keys if c})
        for chunk in chunks(committees):
            for row in talks.filter(
                campaign__year__in=years, campaign__committee__code__in=chunk
            ).values(
                "id",
                "campaign__year",
                "campaign__committee__code",
                "subject__code",
                "type",
                "talker__code",
                "held_on",
                "status",
                "outline__id",
                "record__id",
            ):
                key = (
                    row["campaign__year"],
                    row["campaign__committee__code"],
                    row["subject__code"],
                    row["type"],
                )
                existing[key] = row
        seen = self._seen(p, [row["id"] for row in existing.values()])
        for rec in recs:
            v = rec.values
            if v.get("committee_code") and not _org_ok(p, tree, v["committee_code"]):
                p.add(rec, "committee_code", p.unknown("组织编码", v["committee_code"]))
            for name in ("talker_code", "subject_code"):
                if v.get(name) and v[name] not in known:
                    p.add(rec, name, p.unknown("干部编号", v[name]))
            if not rec.ok:
                continue
            key = (v["campaign"], v["committee_code"], v["subject_code"], v["type"])
            old = existing.get(key)
            if old is not None and old["id"] not in seen:
                p.add(rec, "subject_code", p.unknown("干部编号", v["subject_code"]))
                continue
            if old is None:
                changes.creates.append({**v, "_rec": rec})
                p.plan.note(TALKS, "created", rec, shown(v))
                continue
            before = {
                "talker_code": old["talker__code"],
                "held_on": old["held_on"],
                "status": old["status"],
            }
            after = {k: v[k] for k in before}
            changed = [k for k in before if before[k] != after[k]]
            if not changed:
                p.plan.note(TALKS, "unchanged", rec, {})
                continue
            if STATUS_ORDER[old["status"]] >= STATUS_ORDER[TalkStatus.SEALED]:
                p.add(rec, "status", "该谈话的记录已封存，不能通过导入修改")
                continue
            if old["outline__id"] or old["record__id"]:
                # Held needs an approved outline and a recorder (DESIGN §4), and a date
                # opens the record to the subject: the talk page's steps, not a ledger's.
                p.add(
                    rec,
                    changed[0],
                    "该谈话已在系统中起草提纲或开始记录，其谈话人、谈话日期和状态"
                    "只能在谈话页面办理，不能通过导入修改",
                )
                continue
            changes.updates.append(({**before, "id": old["id"]}, {**v, "_rec": rec}))
            p.plan.note(TALKS, "updated", rec, shown(v), changed)

    def _seen(self, p: Planner, ids: list[int]) -> set[int]:
        if p.actor is None:
            return set(ids)
        out: set[int] = set()
        for chunk in chunks(sorted(ids)):
            out |= set(
                Talk.objects.visible_to(p.actor).filter(pk__in=chunk).values_list("pk", flat=True)
            )
        return out

    def apply(self, changes: TalkChanges, writer: Writer) -> None:
        rows = [*changes.creates, *(after for _b, after in changes.updates)]
        codes = sorted({r["talker_code"] for r in rows} | {r["subject_code"] for r in rows})
        cadre_ids: dict[str, int] = {}
        for chunk in chunks(codes):
            cadre_ids.update(
                Cadre.objects.unscoped("import apply: ids of cadres the plan resolved")
                .filter(code__in=chunk)
                .values_list("code", "id")
            )
        campaigns = self._campaigns(changes.creates, writer)
        posts = self._posts([cadre_ids[r["subject_code"]] for r in changes.creates])
        new = []
        for r in changes.creates:
            campaign = campaigns[(r["campaign"], r["committee_code"])]
            subject_id = cadre_ids[r["subject_code"]]
            post = next(
                (
                    x
                    for x in posts.get(subject_id, [])
                    if x.organization.path.startswith(campaign.committee.path)
                ),
                None,
            )
            new.append(
                Talk(
                    campaign=campaign,
                    type=r["type"],
                    basis=Basis.CHOSEN,
                    reason=IMPORTED_REASON,
                    talker_id=cadre_ids[r["talker_code"]],
                    subject_id=subject_id,
                    subject_position=post,
                    subject_org=post.organization if post else campaign.committee,
                    subject_title=post.title if post else "",
                    status=r["status"],
                    held_on=r["held_on"],
                )
            )
        Talk.objects.bulk_create(new, batch_size=500)
        if new:
            writer.created(
                "talk.import",
                "talk",
                "谈话",
                [
                    {
                        "id": t.pk,
                        "campaign": t.campaign_id,
                        "subject": r["subject_code"],
                        "talker": r["talker_code"],
                        "type": t.type,
                        "status": t.status,
                        "held_on": t.held_on,
                    }
                    for t, r in zip(new, changes.creates, strict=True)
                ],
                "id",
            )
        talks = Talk.objects.unscoped("import apply: the talks the plan matched")
        for before, after in changes.updates:
            talks.filter(pk=before["id"]).update(
                talker_id=cadre_ids[after["talker_code"]],
                held_on=after["held_on"],
                status=after["status"],
                updated_at=writer.now,
            )
            writer.event(
                "talk.import",
                "talk",
                str(before["id"]),
                f"{after['campaign']} {after['committee_code']} {after['subject_code']}",
                {k: v for k, v in before.items() if k != "id"},
                {k: after[k] for k in ("talker_code", "held_on", "status")},
            )

    def _campaigns(self, creates: list[dict], writer: Writer) -> dict:
        from tanhua.campaigns import services

        keys = sorted({(r["campaign"], r["committee_code"]) for r in creates})
        orgs = {o.code: o for o in Organization.objects.filter(code__in={c for _y, c in keys})}
        found = {
            (c.year, c.committee.code): c
            for c in Campaign.objects.unscoped("import apply: the rounds the rows name")
            .filter(year__in={y for y, _c in keys}, committee__in=orgs.values())
            .select_related("committee")
        }
        # Top-down, so each new round finds its parent's.
        for year, code in sorted(keys, key=lambda k: (k[0], orgs[k[1]].path)):
            if (year, code) not in found:
                found[(year, code)] = services.create_campaign(
                    actor=writer.actor, committee=orgs[code], year=year
                )
        return found

    def _posts(self, cadre_ids: list[int]) -> dict[int, list[Position]]:
        out: dict[int, list[Position]] = {}
        for chunk in chunks(sorted(set(cadre_ids))):
            for post in (
                Position.objects.unscoped("import apply: the subjects' current posts")
                .current()
                .filter(cadre_id__in=chunk)
                .select_related("organization")
                .order_by("-principal", "start")
            ):
                out.setdefault(post.cadre_id, []).append(post)
        return out


@dataclass
class MeetingChanges:
    creates: list[dict] = field(default_factory=list)
    updates: list[tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.updates)


class MeetingsKind(ImportKind):
    name = MEETINGS
    label = "民主生活会"
    columns = (
        Column("org_code", "组织编码", max_length=32, validator=code_validator),
        Column("year", "年度", max_length=8),
        Column("date", "民主生活会日期", is_date=True),
    )
    depends_on = (org_kind.NAME,)
    unique = ("org_code", "year")
    unique_label = "民主生活会"

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        v = rec.values
        v["org_code"] = p.code(rec, raw, self.column("org_code"))
        v["year"] = _year(p, rec, raw, self.column("year"))
        v["date"] = p.date(rec, raw, self.column("date"), required=True)
        if rec.ok and v["date"].year != v["year"]:
            p.add(rec, "date", f"民主生活会日期应在 {v['year']} 年内")

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        changes = MeetingChanges()
        p.plan.changes[MEETINGS] = changes
        if not recs:
            return
        tree = p.results[org_kind.NAME]
        codes = sorted({r.values["org_code"] for r in recs if r.values.get("org_code")})
        existing: dict[tuple, dict] = {}
        for chunk in chunks(codes):
            for row in TeamMeeting.objects.filter(organization__code__in=chunk).values(
                "id", "organization__code", "year", "date"
            ):
                existing[(row["organization__code"], row["year"])] = row
        for rec in recs:
            v = rec.values
            if v.get("org_code") and not _org_ok(p, tree, v["org_code"]):
                p.add(rec, "org_code", p.unknown("组织编码", v["org_code"]))
            if not rec.ok:
                continue
            old = existing.get((v["org_code"], v["year"]))
            if old is None:
                changes.creates.append({**v, "_rec": rec})
                p.plan.note(MEETINGS, "created", rec, shown(v))
            elif old["date"] != v["date"]:
                changes.updates.append((old, {**v, "_rec": rec}))
                p.plan.note(MEETINGS, "updated", rec, shown(v), ["date"])
            else:
                p.plan.note(MEETINGS, "unchanged", rec, {})

    def apply(self, changes: MeetingChanges, writer: Writer) -> None:
        codes = sorted({r["org_code"] for r in changes.creates})
        org_ids: dict[str, int] = {}
        for chunk in chunks(codes):
            org_ids.update(Organization.objects.filter(code__in=chunk).values_list("code", "id"))
        TeamMeeting.objects.bulk_create(
            [
                TeamMeeting(organization_id=org_ids[r["org_code"]], year=r["year"], date=r["date"])
                for r in changes.creates
            ]
        )
        for r in changes.creates:
            writer.event(
                "team_meeting.set",
                "organization",
                r["org_code"],
                r["org_code"],
                None,
                {"year": r["year"], "date": r["date"]},
            )
        for old, r in changes.updates:
            TeamMeeting.objects.filter(pk=old["id"]).update(date=r["date"], updated_at=writer.now)
            writer.event(
                "team_meeting.set",
                "organization",
                r["org_code"],
                r["org_code"],
                {"date": old["date"]},
                {"year": r["year"], "date": r["date"]},
            )


def register_kinds() -> None:
    schema.register(TalksKind(), MeetingsKind())
