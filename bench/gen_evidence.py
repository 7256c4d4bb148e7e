"""Province-scale evidence for the preparation benchmark (issue 10): on top of the fictional
province of bench_scope.build (1,402 organizations, 7,500 cadres), 40 indicators over five
years for every organization (~275,000 values with targets) and ~100,000 findings (fictional
texts from templates, some repeated across years to exercise 屡查屡犯), written as the CSV
files an operator would import (`indicators.csv`, `findings.csv`, and `indicator_values.csv`
one file a year in a folder of its own), so the benchmark times the real import pipeline.
`scale` shrinks the indicators and findings (0.1: 4 indicators, 10,000 findings) to debug."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

PERIODS = ("2021", "2022", "2023", "2024", "2025")
INDICATORS = 40
FINDINGS = 100_000
AREAS = ("A1", "A2", "A3", "A4")
SOURCES = ("assessment", "personnel", "supervision", "investigation", "inspection", "audit",
           "petition")  # fmt: skip
TEXTS = {
    "A1": ["生活污水处理设施建设滞后，黑臭水体整治不到位", "落实生态环境保护督察整改不力，污染反弹",
           "耕地保护责任落实不到位，违规占用耕地", "防范化解重大风险措施不实，隐性债务增加"],
    "A2": ["落实一岗双责不到位，对班子成员监督失之于宽", "基层党组织软弱涣散整顿不力",
           "选人用人把关不严，动议环节程序不规范", "巡察整改主体责任落实不到位"],
    "A3": ["文山会海问题反弹，基层负担重", "调研不深入，存在形式主义官僚主义",
           "干部担当精神不足，存在畏难情绪", "督查检查考核过多过频"],
    "A4": ["招商引资中违规给予企业优惠", "与企业交往失度，接受管理服务对象宴请",
           "涉企收费不规范，损害营商环境", "政府拖欠企业账款问题突出"],
}  # fmt: skip


def _write(path: Path, header: list[str], rows) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def write_files(folder: Path, *, scale: float = 1.0, seed: int = 7) -> dict[str, int]:
    """The three import files in `folder`; returns the row count of each."""
    from tanhua.org.models import Organization, Position

    rnd = random.Random(seed)
    orgs = list(Organization.objects.order_by("pk").values_list("code", flat=True))
    posts: dict[str, list[str]] = {}
    for org, cadre in (
        Position.objects.unscoped("benchmark data")
        .filter(principal=True, end__isnull=True)
        .order_by("pk")
        .values_list("organization__code", "cadre__code")
    ):
        posts.setdefault(org, []).append(cadre)
    n_ind = max(2, round(INDICATORS * scale))
    indicators = [
        (f"I{n:02d}", f"样例指标{n:02d}", "分", "higher_better" if n % 3 else "lower_better",
         AREAS[n % 4])
        for n in range(n_ind)
    ]  # fmt: skip
    counts = {"indicators": _write(folder / "indicators.csv",
                                   ["code", "name", "unit", "direction", "focus_area"],
                                   indicators)}  # fmt: skip

    by_period: dict[str, list] = {period: [] for period in PERIODS}
    for org in orgs:
        for code, _n, _u, direction, _a in indicators:
            if rnd.random() < 0.02:
                continue  # a few gaps: not every locality reports every indicator
            base = rnd.uniform(40, 90)
            target = round(base * (1.05 if direction == "higher_better" else 0.95), 2)
            for period in PERIODS:
                base += rnd.uniform(-4, 4)
                by_period[period].append((org, code, period, f"{base:.2f}", f"{target:.2f}"))
    # One file a year, as the source units send them (an import takes at most 200,000 rows).
    counts["indicator_values"] = 0
    for period, rows in by_period.items():
        (folder / period).mkdir(exist_ok=True)
        counts["indicator_values"] += _write(
            folder / period / "indicator_values.csv",
            ["org_code", "indicator_code", "period", "value", "target"],
            rows,
        )

    def findings():
        for n in range(round(FINDINGS * scale)):
            org = orgs[rnd.randrange(len(orgs))]
            area = AREAS[rnd.randrange(4)]
            cadres = posts.get(org, [])
            yield (
                f"BF{n:06d}", org, cadres[0] if cadres and rnd.random() < 0.3 else "",
                SOURCES[rnd.randrange(len(SOURCES))],
                (dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(1950))).isoformat(),
                rnd.randint(1, 3), area, rnd.choice(TEXTS[area]) + f"（样例{n % 97}）",
            )  # fmt: skip

    counts["findings"] = _write(
        folder / "findings.csv",
        ["code", "org_code", "cadre_code", "source", "date", "severity", "focus_area", "text"],
        findings(),
    )
    return counts
