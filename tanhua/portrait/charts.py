"""The chart data of the portrait page, read from the snapshot (json_script, no inline JS)."""

from __future__ import annotations


def payload(data: dict) -> dict:
    """Per indicator: its series (trend over years) and the locality among its peers."""
    out = []
    for r in data["indicators"]:
        out.append({
            "code": r["code"], "name": r["name"], "unit": r["unit"],
            "periods": [s[0] for s in r["series"]],
            "values": [s[1] for s in r["series"]],
            "targets": [s[2] for s in r["series"]],
            "value": r["latest"], "quartiles": r.get("quartiles"), "best": r.get("best"),
            "worst": r.get("worst"), "mean": r.get("mean"), "rank": r.get("rank"),
            "peers": r.get("peers"),
        })  # fmt: skip
    eco = data.get("ecology")
    return {
        "indicators": out,
        "ecology": None if not eco else {
            "index": eco["index"], "colour": eco["colour"],
            "green_min": eco["green_min"], "yellow_min": eco["yellow_min"],
        },
    }  # fmt: skip
