"""The machine-readable annex of a report: the figures its text was written from, as JSON
and as a workbook, hashed and signed, so that a higher level can combine many committees'
reports without sharing a database (31 provinces' 专报 at the national office).

The content is everything but `sha256`, `signature` and `key_id`. `sha256` is SHA-256 over
its canonical JSON (sorted keys, no spaces, UTF-8): it names the annex (the same content
twice is one received row) and catches a file damaged on the way. A hash alone proves
nothing about who wrote the figures, since whoever edits one recomputes it; so the same
canonical bytes are signed with this deployment's Ed25519 key (signing.py), and the
receiving side accepts an annex only under a key it registered for the committee the
annex names (TrustedSender). A tanhua-annex/1 annex carries no signature and is refused."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass

FORMAT = "tanhua-annex/2"
UNSIGNED_FORMATS = ("tanhua-annex/1",)
OUTSIDE_CONTENT = ("sha256", "signature", "key_id")
# An annex is a few levels of figures; far deeper nesting is no annex and would exhaust the
# stack of whatever walks it (the hash, the JSON column, the workbook).
MAX_DEPTH = 32
# The years a report may be written for (create_report's bound).
YEARS = range(2000, 2101)


class AnnexInvalid(ValueError):
    """The annex is malformed, its hash does not match or its signature is not one the
    receiving side trusts (message in Chinese)."""


@dataclass(frozen=True)
class Trust:
    """A sender's key as the receiving side registered it (from TrustedSender)."""

    key_id: str
    committee_code: str
    committee_name: str
    public_key: bytes
    revoked_at: str = ""


def canonical(content: dict) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(content: dict) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def seal(content: dict) -> dict:
    """The content with its hash and this deployment's signature over it."""
    from tanhua.reports import signing

    signature, key_id = signing.sign(canonical(content))
    return {**content, "sha256": digest(content), "signature": signature, "key_id": key_id}


def make(*, kind: str, year: int, committee, figures: dict, generated_at: str) -> dict:
    content = {
        "format": FORMAT,
        "kind": kind,
        "year": year,
        "committee": {"code": committee.code, "name": committee.name, "level": committee.level},
        "generated_at": generated_at,
        "figures": figures,
    }
    return seal(content)


def dumps(annex: dict) -> bytes:
    return json.dumps(annex, ensure_ascii=False, indent=2, sort_keys=True).encode()


UNSIGNED = (
    "未签名的数据附件（{fmt}）：无法确认由报送单位生成，拒绝导入；请报送单位升级后重新生成数据附件"
)


def _no_constant(name: str):
    # Python's json reads NaN and Infinity; no database's JSON column stores them and no
    # figure is one, so a file carrying one is refused here, naming it.
    raise AnnexInvalid(f"数据附件含有不是数值的“{name}”，不是有效的 JSON 数据附件")


def _too_deep(value) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def _short(value, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def verify(data: bytes | str, *, trusted: Mapping[str, Trust] | None = None) -> dict:
    """The annex after checking its form, hash and signature against the keys the receiving
    side registered (`trusted`, by key_id); AnnexInvalid with why otherwise."""
    try:
        annex = json.loads(data, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        if isinstance(exc, AnnexInvalid):
            raise
        raise AnnexInvalid("不是有效的 JSON 数据附件") from exc
    if _too_deep(annex):
        raise AnnexInvalid(f"数据附件的层级过深（超过 {MAX_DEPTH} 层），不是谈话报告数据附件")
    if not isinstance(annex, dict):
        raise AnnexInvalid(f"不是谈话报告数据附件（缺少 format: {FORMAT}）")
    if annex.get("format") in UNSIGNED_FORMATS:
        raise AnnexInvalid(UNSIGNED.format(fmt=annex["format"]))
    if annex.get("format") != FORMAT:
        raise AnnexInvalid(f"不是谈话报告数据附件（缺少 format: {FORMAT}）")
    if not annex.get("signature") or not annex.get("key_id"):
        raise AnnexInvalid(UNSIGNED.format(fmt="缺少 signature 或 key_id"))
    missing = [k for k in ("kind", "year", "committee", "figures", "sha256") if k not in annex]
    if missing:
        raise AnnexInvalid("缺少字段：" + "、".join(missing))
    outside = {k: annex.pop(k) for k in OUTSIDE_CONTENT}
    if not isinstance(outside["sha256"], str) or digest(annex) != outside["sha256"]:
        raise AnnexInvalid("内容哈希不符：数据附件在生成后被修改过，拒绝导入")
    committee = annex["committee"]
    if not isinstance(committee, dict) or not committee.get("code") or not committee.get("name"):
        raise AnnexInvalid("报送党委（committee.code / committee.name）缺失")
    _check_signature(annex, outside, trusted or {})
    year = annex["year"]
    if not isinstance(year, int) or isinstance(year, bool) or year not in YEARS:
        raise AnnexInvalid(f"年度“{_short(year)}”不正确：应为 2000 至 2100 之间的整数")
    if not isinstance(annex["figures"], dict):
        raise AnnexInvalid("数据（figures）格式不正确")
    _check_figures(annex["figures"])
    annex.update(outside)
    return annex


def generated_time(annex: dict):
    """When the sender's deployment generated the annex (signed with it): of two annexes of
    one committee's year, the later is the one that counts (a superseded one sent again is
    not summed twice). AnnexInvalid where it is not an ISO date and time."""
    import datetime as dt

    from django.utils import timezone

    value = annex.get("generated_at")
    try:
        stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        stamp = None
    if stamp is None:
        raise AnnexInvalid(
            f"生成时间（generated_at）“{_short(value)}”不正确：应为 ISO 8601 日期时间"
        )
    return timezone.make_aware(stamp) if timezone.is_naive(stamp) else stamp


def _check_signature(content: dict, outside: dict, trusted: Mapping[str, Trust]) -> None:
    from tanhua.reports import signing

    key_id = str(outside["key_id"])[:64]
    # The file's own words, echoed in a refusal: never more of them than a line holds.
    code, name = _short(content["committee"]["code"]), _short(content["committee"]["name"])
    trust = trusted.get(key_id)
    if trust is None:
        raise AnnexInvalid(
            f"未登记的报送单位密钥（key_id {key_id}，报送党委 {name}（{code}））：请先核实该单位"
            "的公钥并登记（tanhua annex trust 或“报送单位密钥”页面）后再导入"
        )
    if trust.revoked_at:
        raise AnnexInvalid(
            f"报送单位密钥 {key_id}（{trust.committee_name}，{trust.committee_code}）已于"
            f" {trust.revoked_at} 吊销，拒绝导入其签名的数据附件"
        )
    if trust.committee_code != code:
        raise AnnexInvalid(
            f"密钥 {key_id} 登记为 {trust.committee_name}（{trust.committee_code}）的密钥，"
            f"与数据附件所称的报送党委 {name}（{code}）不符，拒绝导入"
        )
    if not signing.verifies(trust.public_key, canonical(content), str(outside["signature"])):
        raise AnnexInvalid(
            f"签名无效：数据附件不是用 {trust.committee_name}（{code}）登记的密钥 {key_id}"
            " 签发的，或在签名后被修改过，拒绝导入"
        )


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_figures(figures: dict) -> None:
    """The figures `aggregate` sums are numbers where it adds them: a signature proves who
    wrote the file, not that their deployment wrote it well, so an annex with text for a
    count is refused here rather than breaking the summary page."""

    def bad(where: str):
        return AnnexInvalid(f"数据附件的 figures.{where} 格式不正确")

    def section(key: str) -> dict:
        value = figures.get(key, {})
        if not isinstance(value, dict):
            raise bad(key)
        return value

    def numbers(where: str, part: dict, keys) -> None:
        for k in keys:
            if k in part and not _is_number(part[k]):
                raise bad(f"{where}.{k}")

    def counts(where: str, value) -> None:
        if not isinstance(value, dict) or not all(_is_number(v) for v in value.values()):
            raise bad(where)

    talks, problems, rect = section("talks"), section("problems"), section("rectification")
    numbers("talks", talks, ("held", "total"))
    for k in ("held_by_level", "held_by_tier"):
        counts(f"talks.{k}", talks.get(k, {}))
    numbers("problems", problems, ("total",))
    counts("problems.by_area", problems.get("by_area", {}))
    numbers("rectification", rect, ("total", "closed", "open", "overdue", "long_term"))
    outcomes = rect.get("outcomes", [])
    if not isinstance(outcomes, list):
        raise bad("rectification.outcomes")
    for o in outcomes:
        if not isinstance(o, dict) or not isinstance(o.get("unit"), str):
            raise bad("rectification.outcomes")
        numbers("rectification.outcomes", o, ("target", "achieved"))


def _flatten(prefix: str, value, out: list[tuple[str, object]]) -> None:
    if isinstance(value, dict):
        for key in value:
            _flatten(f"{prefix}.{key}" if prefix else str(key), value[key], out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _flatten(f"{prefix}[{i}]", item, out)
    else:
        out.append((prefix, value))


def _cell(value):
    """A workbook cell through the exports' one rule (§6): formula prefixes (with tab and
    return) escaped, characters no workbook may hold dropped."""
    from tanhua.exchange.exports import escape_cell

    return escape_cell(value)


def workbook(annex: dict, *, watermark: str = "") -> bytes:
    """The annex as .xlsx: a summary sheet (who, what, the hash and signature) and one row
    per figure. The JSON is what a receiving side imports and verifies; the workbook is for
    people to read."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    c = annex["committee"]
    for row in (
        ("格式", annex["format"]),
        ("类别", annex["kind"]),
        ("年度", annex["year"]),
        ("报送党委编码", c["code"]),
        ("报送党委", c["name"]),
        ("生成时间", annex.get("generated_at", "")),
        ("内容哈希（SHA-256）", annex["sha256"]),
        ("签名密钥指纹（key_id）", annex.get("key_id", "")),
        ("签名（Ed25519）", annex.get("signature", "")),
        *([("导出", watermark)] if watermark else []),
    ):
        ws.append([_cell(v) for v in row])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 70
    data = wb.create_sheet("数据")
    data.append(["指标", "数值"])
    rows: list[tuple[str, object]] = []
    _flatten("", annex["figures"], rows)
    for key, value in rows:
        data.append([_cell(key), _cell(value)])
    data.column_dimensions["A"].width = 48
    data.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# What `aggregate` sums: a received annex keeps these and nothing else.
SUMMED = ("talks", "problems", "rectification")


def received_figures(figures: dict) -> dict:
    """The part of an annex's figures the receiving side keeps: the numbers it sums. A 专报's
    annex also carries its typical cases (the sender's problem texts, classified as the
    records they come from); the received row is read by the office's staff whatever their
    clearance and the summary never quotes them, so they are not stored."""
    return {k: figures[k] for k in SUMMED if k in figures}


def aggregate(annexes: list[dict]) -> dict:
    """The sum of many committees' 专报 figures: talks by level and tier, problems by area,
    measures by status, outcomes by unit; and one row per committee."""
    from collections import Counter

    talks: Counter = Counter()
    by_level: Counter = Counter()
    by_tier: Counter = Counter()
    areas: Counter = Counter()
    status: Counter = Counter()
    outcome_target: Counter = Counter()
    outcome_achieved: Counter = Counter()
    rows = []
    for a in annexes:
        f = a.get("figures", {})
        t = f.get("talks", {})
        p = f.get("problems", {})
        r = f.get("rectification", {})
        talks["held"] += t.get("held", 0)
        talks["total"] += t.get("total", 0)
        by_level.update(t.get("held_by_level", {}))
        by_tier.update(t.get("held_by_tier", {}))
        areas.update(p.get("by_area", {}))
        for key in ("total", "closed", "open", "overdue", "long_term"):
            status[key] += r.get(key, 0)
        for o in r.get("outcomes", []):
            outcome_target[o["unit"]] += o.get("target", 0)
            outcome_achieved[o["unit"]] += o.get("achieved", 0)
        rows.append(
            {
                "code": a["committee"]["code"],
                "name": a["committee"]["name"],
                "held": t.get("held", 0),
                "problems": p.get("total", 0),
                "measures": r.get("total", 0),
                "closed": r.get("closed", 0),
                "overdue": r.get("overdue", 0),
                "sha256": a.get("sha256", ""),
            }
        )
    return {
        "committees": len(annexes),
        "talks": dict(talks),
        "held_by_level": dict(by_level),
        "held_by_tier": dict(by_tier),
        "problems_by_area": dict(areas),
        "problems": sum(areas.values()),
        "rectification": dict(status),
        "outcomes": [
            {"unit": u, "target": outcome_target[u], "achieved": outcome_achieved[u]}
            for u in sorted(outcome_target)
        ],
        "rows": sorted(rows, key=lambda r: r["code"]),
    }
