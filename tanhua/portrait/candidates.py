"""Ranked problem candidates from a portrait's data (DESIGN §5): each with its evidence, a
drafted statement in Chinese and a score that explains itself — severity, recency,
corroboration by several sources, size of the gap, repetition (屡查屡犯). The top 3–4 that
cover distinct focus areas (then distinct problems) are chosen for the outline; the others
are kept as left out, with why. Pure functions of the data: tested without a database.

Candidates are of two kinds: the open findings of one focus area (with that area's flagged
indicators as corroboration), and one flagged indicator (rebound, short of target, or well
below its peers) as a problem of its own."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.utils.translation import get_language, gettext


def _(message: str) -> str:
    # The same few dozen phrases are translated ~4 million times for a province's 9,000
    # portraits; Django's gettext (thread-local catalogue lookups) was 40 % of `prepare`.
    return _translated(message, get_language())


@lru_cache(maxsize=1024)
def _translated(message: str, language: str | None) -> str:
    return gettext(message)


MAX_CHOSEN = 4
MIN_CHOSEN = 3
MIN_SCORE = 35.0
LIMITS = {"severity": 30, "recency": 20, "corroboration": 20, "gap": 15, "repetition": 15}
AREA_SHORT = {
    "A1": "贯彻落实党中央重大决策部署",
    "A2": "履行管党治党政治责任",
    "A3": "作风建设",
    "A4": "构建亲清政商关系",
}
SOURCE_LABELS = {
    "assessment": "综合考核", "personnel": "选人用人", "development": "经济社会发展",
    "supervision": "日常监督检查", "investigation": "审查调查", "inspection": "巡视巡察",
    "audit": "审计", "petition": "信访举报",
}  # fmt: skip


def flagged(row: dict) -> list[str]:
    """Why an indicator row is a problem signal (empty: it is not)."""
    why = []
    if row.get("rebound"):
        why.append("rebound")
    if row.get("shortfall", 0) > 0:
        why.append("short")
    if row.get("standing") is not None and row["standing"] <= -1.0 and row.get("peers", 0) >= 3:
        why.append("low")
    return why


def _part(name: str, points: float, why: str) -> dict:
    return {"name": name, "points": round(min(points, LIMITS[name]), 1), "max": LIMITS[name],
            "why": why}  # fmt: skip


def _indicator_phrase(row: dict) -> str:
    bits = []
    if row.get("rebound"):
        bits.append(_("在改善后出现反弹"))
    if row.get("shortfall", 0) > 0:
        bits.append(_("距目标值差%(g)s%(u)s") % {"g": _num(row["shortfall"]), "u": row["unit"]})
    if row.get("rank") and row.get("peers"):
        bits.append(_("在同级%(n)d个单位中排第%(r)d位") % {"n": row["peers"], "r": row["rank"]})
    return _("%(name)s%(p)s为%(v)s%(u)s，%(bits)s") % {
        "name": row["name"], "p": row["period"], "v": _num(row["latest"]), "u": row["unit"],
        "bits": "、".join(bits),
    }  # fmt: skip


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _recency_days(as_of: dt.date, date: str) -> int:
    return max(0, (as_of - dt.date.fromisoformat(date)).days)


def _period_points(as_of: dt.date, period: str) -> float:
    age = as_of.year - int(period[:4])
    return 20.0 if age <= 1 else 10.0 if age == 2 else 0.0


def _from_findings(data, area, items, rows, as_of) -> dict:
    repeated = {r["id"]: r for r in data["findings"]["repeated"]}
    rep = [i for i in items if i["id"] in repeated]
    sev = max(i["severity"] for i in items)
    newest = min(_recency_days(as_of, i["date"]) for i in items)
    sources = sorted({i["source"] for i in items})
    kinds = len(sources) + (1 if rows else 0)
    gap = max((r.get("gap_ratio", 0) for r in rows), default=0.0)
    parts = [
        _part("severity", sev * 10, _("最重一条为%(s)s级（共%(n)d条）") % {
            "s": {1: "轻", 2: "中", 3: "重"}[sev], "n": len(items)}),
        _part("recency", 20 * max(0.0, 1 - newest / 365), _("最近一条距今%(d)d天") % {"d": newest}),
        _part("corroboration", 20 * min(1.0, (kinds - 1) / 3),
              _("%(k)d类来源相互印证：%(s)s") % {"k": kinds, "s": "、".join(
                  [SOURCE_LABELS.get(s, s) for s in sources] + ([_("指标数据")] if rows else []))}),
        _part("gap", 15 * min(1.0, gap / 0.2),
              _("相关指标距目标最大差距%(g)d%%") % {"g": round(gap * 100)} if rows
              else _("无相关指标")),
        _part("repetition", 7.5 * len(rep),
              _("%(n)d条与以往问题相似（屡查屡犯）") % {"n": len(rep)} if rep else _("无重复问题")),
    ]  # fmt: skip
    top = sorted(items, key=lambda i: (-i["severity"], i["date"]), reverse=False)[0]
    statement = _("在%(area)s方面，%(loc)s近一轮共有%(n)d条问题（来源：%(src)s）") % {
        "area": AREA_SHORT.get(area, area), "loc": data["locality"]["name"], "n": len(items),
        "src": "、".join(SOURCE_LABELS.get(s, s) for s in sources),
    }  # fmt: skip
    if rep:
        statement += _("，其中%(n)d条与以往已指出的问题相似，屡查屡犯") % {"n": len(rep)}
    statement += _("。如：%(t)s") % {"t": top["text"][:80]}
    if rows:
        statement += _("；%(i)s") % {"i": _indicator_phrase(rows[0])}
    statement += "。"
    return {
        "key": f"findings:{area}",
        "kind": "findings",
        "focus_area": area,
        "statement": statement,
        "findings": [i["id"] for i in items],
        "repeated": [i["id"] for i in rep],
        "indicators": [r["indicator"] for r in rows],
        "values": [r["value_id"] for r in rows],
        "parts": parts,
    }


def _from_indicator(data, row, findings_in_area, as_of) -> dict:
    why = flagged(row)
    standing = row.get("standing") or 0.0
    sev = 10 + min(3.0, max(0.0, -standing)) * 6.7 if "low" in why else 10
    corroborating = sorted({i["source"] for i in findings_in_area})
    parts = [
        _part("severity", sev, _("标准分%(z)s（同级%(n)s个单位）") % {
            "z": _num(standing), "n": row.get("peers", "—")}),
        _part("recency", _period_points(as_of, row["period"]), _("最新数据期间%(p)s") % {
            "p": row["period"]}),
        _part("corroboration", 20 * min(1.0, len(corroborating) / 3),
              _("同一方面另有%(k)d类来源的问题") % {"k": len(corroborating)}),
        _part("gap",
              15 * min(1.0, row.get("gap_ratio", 0) / 0.2) + (8 if row.get("rebound") else 0),
              _("距目标%(g)d%%%(r)s") % {"g": round(row.get("gap_ratio", 0) * 100),
                                        "r": _("，出现反弹") if row.get("rebound") else ""}),
        _part("repetition", 0, _("不适用")),
    ]  # fmt: skip
    area = row["focus_area"] or "A1"
    statement = _("在%(area)s方面，%(loc)s%(phrase)s。") % {
        "area": AREA_SHORT.get(area, area), "loc": data["locality"]["name"],
        "phrase": _indicator_phrase(row),
    }  # fmt: skip
    return {
        "key": f"indicator:{row['code']}",
        "kind": "indicator",
        "focus_area": area,
        "statement": statement,
        "findings": [],
        "repeated": [],
        "indicators": [row["indicator"]],
        "values": [r[3] for r in row["series"]],
        "parts": parts,
    }


def build(data: dict, as_of: dt.date) -> list[dict]:
    """Every candidate of the portrait, with its score and parts, best first."""
    open_ids = set(data["findings"]["open"])
    items = [i for i in data["findings"]["items"] if i["id"] in open_ids]
    flagged_rows = [r for r in data["indicators"] if flagged(r)]
    out = []
    for area in ("A1", "A2", "A3", "A4"):
        in_area = [i for i in items if i["focus_area"] == area]
        rows = [r for r in flagged_rows if (r["focus_area"] or "A1") == area]
        if in_area:
            out.append(_from_findings(data, area, in_area, rows, as_of))
    for row in flagged_rows:
        area = row["focus_area"] or "A1"
        out.append(_from_indicator(data, row, [i for i in items if i["focus_area"] == area], as_of))
    for c in out:
        c["score"] = round(sum(p["points"] for p in c["parts"]), 1)
    out.sort(key=lambda c: (-c["score"], c["key"]))
    return out


def choose(cands: list[dict]) -> list[dict]:
    """Mark the top 3–4 covering distinct focus areas, then distinct problems; the rest get
    `left_out` with why."""
    chosen: list[dict] = []
    areas: set[str] = set()
    cited: set[int] = set()
    for c in cands:
        c["chosen"], c["left_out"] = False, ""
    for c in cands:  # first pass: one per focus area
        if len(chosen) < MAX_CHOSEN and c["score"] >= MIN_SCORE and c["focus_area"] not in areas:
            chosen.append(c)
            areas.add(c["focus_area"])
            cited |= set(c["indicators"])
    for c in cands:  # second pass: distinct problems of an area already covered
        if len(chosen) >= MIN_CHOSEN:
            break
        if c not in chosen and c["score"] >= MIN_SCORE and not set(c["indicators"]) & cited:
            chosen.append(c)
            cited |= set(c["indicators"])
    for c in cands:
        if c in chosen:
            c["chosen"] = True
        elif c["score"] < MIN_SCORE:
            c["left_out"] = _("分值%(s)s低于%(m)s，问题不够突出（不痛不痒的问题不提）") % {
                "s": _num(c["score"]),
                "m": _num(MIN_SCORE),
            }
        elif set(c["indicators"]) & cited and c["kind"] == "indicator":
            c["left_out"] = _("该指标已作为入选问题的佐证")
        elif c["focus_area"] in areas and len(chosen) >= MIN_CHOSEN:
            c["left_out"] = _("同一重点方面已有分值更高的问题")
        else:
            c["left_out"] = _("提纲已有%(n)d个问题") % {"n": len(chosen)}
    return sorted(chosen, key=lambda c: -c["score"])


def rank(data: dict, as_of: dt.date) -> list[dict]:
    cands = build(data, as_of)
    choose(cands)
    return cands


def evidence_text(c: dict, data: dict) -> str:
    """The evidence as the outline's text: score parts, indicator figures, finding codes."""
    by_id = {i["id"]: i for i in data["findings"]["items"]}
    rows = {r["indicator"]: r for r in data["indicators"]}
    lines = [
        _("评分%(s)s：") % {"s": _num(c["score"])}
        + "；".join(f"{p['why']}（{_num(p['points'])}/{p['max']}）" for p in c["parts"])
    ]
    for ind in c["indicators"]:
        if ind in rows:
            lines.append(_("指标：") + _indicator_phrase(rows[ind]))
    for pk in c["findings"][:10]:
        f = by_id.get(pk)
        if f:
            lines.append(
                f"{f['code']}（{f['date']}，{SOURCE_LABELS.get(f['source'], f['source'])}）"
            )
    return "\n".join(lines)


def sources(c: dict) -> list[dict]:
    return [{"kind": "finding", "id": pk} for pk in c["findings"]] + [
        {"kind": "indicator_value", "id": pk} for pk in c["values"]
    ]
