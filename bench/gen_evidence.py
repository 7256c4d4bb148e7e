"""Province-scale evidence for the preparation benchmark (issue 10): on top of the fictional
province of bench_scope.build (1,402 organizations, 7,500 cadres), 40 indicators over five
years for every organization (~275,000 values with targets) and ~100,000 findings (fictional
texts from templates, some repeated across years to exercise 屡查屡犯), written with
bulk_create. `generate()` returns the time taken."""

from __future__ import annotations

import datetime as dt
import random
import time

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


def generate(seed: int = 7) -> float:
    from django.db import transaction

    from tanhua.core.classification import Classification
    from tanhua.evidence.models import Finding, Indicator, IndicatorValue
    from tanhua.org.models import Cadre, Organization, Position

    t0 = time.perf_counter()
    rnd = random.Random(seed)
    orgs = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    posts = {}
    for org, cadre in (
        Position.objects.unscoped("benchmark data")
        .filter(principal=True, end__isnull=True)
        .values_list("organization_id", "cadre_id")
    ):
        posts.setdefault(org, []).append(cadre)
    with transaction.atomic():
        indicators = Indicator.objects.bulk_create(
            Indicator(
                code=f"I{n:02d}",
                name=f"样例指标{n:02d}",
                unit="分",
                direction="higher_better" if n % 3 else "lower_better",
                focus_area=AREAS[n % 4],
            )
            for n in range(INDICATORS)
        )
        values = []
        for org in orgs:
            for ind in indicators:
                if rnd.random() < 0.02:
                    continue  # a few gaps: not every locality reports every indicator
                base = rnd.uniform(40, 90)
                target = round(base * (1.05 if ind.direction == "higher_better" else 0.95), 2)
                for period in PERIODS:
                    base += rnd.uniform(-4, 4)
                    values.append(IndicatorValue(
                        organization_id=org, indicator_id=ind.pk, period=period,
                        value=round(base, 2), target=target,
                    ))  # fmt: skip
        IndicatorValue.objects.bulk_create(values, batch_size=5000)
        findings = []
        for n in range(FINDINGS):
            org = orgs[rnd.randrange(len(orgs))]
            area = AREAS[rnd.randrange(4)]
            cadres = posts.get(org, [])
            findings.append(Finding(
                code=f"BF{n:06d}", organization_id=org,
                cadre_id=cadres[0] if cadres and rnd.random() < 0.3 else None,
                source=SOURCES[rnd.randrange(len(SOURCES))],
                date=dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(1950)),
                severity=rnd.randint(1, 3), focus_area=area, focus_area_source="imported",
                text=rnd.choice(TEXTS[area]) + f"（样例{n % 97}）",
                classification=Classification.INTERNAL,
            ))  # fmt: skip
        Finding.objects.unscoped("benchmark data").bulk_create(findings, batch_size=5000)
    del Cadre
    return time.perf_counter() - t0
