"""Import kind `annexes`: report annexes (.json) from other committees' deployments, read by
`tanhua import annex.json…` (or uploaded on the annexes page) on the receiving side. Each
file's hash and signature are verified, the signature under a key registered for the
committee the annex names (TrustedSender, see senders.trusted_for); one tampered, unsigned,
unknown or malformed file refuses the whole set (all-or-nothing, as every import), with a
line naming the file and why. The same annex twice is one row where the receiving office
looks (itself and below; matched by its hash)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tanhua.exchange.apply import Writer
from tanhua.exchange.plan import Planner, Rec
from tanhua.exchange.schema import Column, ImportKind
from tanhua.exchange.tables import Table

NAME = "annexes"


@dataclass
class Changes:
    creates: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates)


def read_json(upload) -> tuple[list[Table], list, list]:
    """A .json file is one annex: one row of this kind, numbered as no row (a whole file)."""
    try:
        text = upload.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from tanhua.exchange.problems import Problem

        return [], [Problem(upload.name, None, "", "不是 UTF-8 编码的 JSON 文件")], []
    table = Table(
        kind=NAME,
        source=upload.name,
        header=["content"],
        columns={"content": "内容"},
        rows=[{"content": text}],
        row_numbers=[None],
        # The error workbook shows the row as read; a workbook cell holds at most 32,767
        # characters.
        raw=[[text[:32767]]],
    )
    return [table], [], []


class AnnexesKind(ImportKind):
    name = NAME
    label = "数据附件"
    columns = (Column("content", "内容"),)
    unique = ("sha256",)
    unique_label = "数据附件（内容哈希相同）"
    spreadsheet = False

    def _trusted(self, p: Planner) -> dict:
        # Read once per import, not per file; kept where the planner keeps what kinds hand on.
        key = f"{NAME}:trusted"
        if key not in p.results:
            from tanhua.reports import senders

            p.results[key] = senders.trusted_for(senders.receiving_org(p.actor))
        return p.results[key]

    def clean(self, p: Planner, rec: Rec, raw: dict) -> None:
        from tanhua.reports import annex

        try:
            data = annex.verify(str(raw.get("content") or ""), trusted=self._trusted(p))
            generated_at = annex.generated_time(data)
        except annex.AnnexInvalid as exc:
            p.add(rec, "content", str(exc))
            return
        rec.values.update(
            sha256=data["sha256"],
            key_id=str(data["key_id"])[:16],
            generated_at=generated_at,
            kind=data["kind"],
            year=data["year"],
            committee_code=str(data["committee"]["code"])[:32],
            committee_name=str(data["committee"]["name"])[:100],
            figures=annex.received_figures(data["figures"]),
        )
        from tanhua.reports.models import ReportKind

        if data["kind"] not in ReportKind.values:
            p.add(rec, "content", f"报告类别“{data['kind']}”无效")

    def plan(self, p: Planner, recs: list[Rec]) -> None:
        from tanhua.reports import senders
        from tanhua.reports.models import ReceivedAnnex

        changes = Changes()
        p.plan.changes[NAME] = changes
        org = senders.receiving_org(p.actor)
        hashes = [r.values["sha256"] for r in recs if r.ok]
        # Already received where this office looks (itself and below): what a sibling office
        # received is none of its business, and must not show as "unchanged" here.
        known = (
            set(
                ReceivedAnnex.objects.unscoped("an annex's hash names figures, not a person")
                .filter(sha256__in=hashes, received_at_org__path__startswith=org.path)
                .values_list("sha256", flat=True)
            )
            if org is not None
            else set()
        )
        for rec in recs:
            if not rec.ok:
                continue
            if org is None:
                p.add(rec, "content", "尚未建立组织机构，无法确定接收单位")
                continue
            v = rec.values
            if v["sha256"] in known:
                p.plan.note(NAME, "unchanged", rec, {})
                continue
            changes.creates.append({**v, "received_at_org_id": org.pk})
            p.plan.note(
                NAME, "created", rec,
                {"content": f"{v['committee_name']} {v['year']} {v['kind']}"},
            )  # fmt: skip

    def apply(self, changes: Changes, writer: Writer) -> None:
        from tanhua.reports.models import ReceivedAnnex

        ReceivedAnnex.objects.bulk_create([ReceivedAnnex(**c) for c in changes.creates])
        writer.created(
            "annex.import", "annex", "数据附件",
            [
                {
                    k: c[k]
                    for k in ("sha256", "kind", "year", "committee_code", "committee_name",
                              "key_id")
                }
                for c in changes.creates
            ],
            "sha256",
        )  # fmt: skip


def register_kinds() -> None:
    from tanhua.exchange import parsers, schema

    schema.register(AnnexesKind())
    parsers.READERS[".json"] = read_json
