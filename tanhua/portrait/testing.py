"""The evidence of a small portrait on top of `add_talks(build_world())`, shared by the
portrait's tests and the preparation journeys: PM2.5 values of K11 and three peer counties
(K11 improved, then rebounded), and findings on K11 by focus area and source, one of them a
repeat of an older one (屡查屡犯)."""

from __future__ import annotations

import datetime as dt

from tanhua.core.testing import OrganizationFactory
from tanhua.evidence.testing import make_finding, make_value
from tanhua.org.models import Level


def add_evidence(w):
    """Adds the evidence to the world; `w.repeat` is the repeated finding."""
    from tanhua.evidence.models import Indicator

    c1, k11 = w.orgs["C1"], w.orgs["K11"]
    peers = [k11] + [
        OrganizationFactory(code=f"K1{n}", name=f"东城{n}县委", level=Level.COUNTY, parent=c1)
        for n in (2, 3, 4)
    ]
    for n, org in enumerate(peers):
        for year, value in zip(("2023", "2024", "2025"), (50, 40, 45), strict=True):
            v = value + n * 3 if org is not k11 else value
            make_value(org, code="PM25", period=year, value=str(v), target="35")
    Indicator.objects.filter(code="PM25").update(
        name="PM2.5年均浓度", direction="lower_better", focus_area="A1"
    )
    gk11 = w.cadres["GK11"]
    make_finding(k11, text="县城生活污水处理设施建设滞后，黑臭水体整治不到位",
                 date=dt.date(2024, 3, 1), focus_area="A1")  # fmt: skip
    w.repeat = make_finding(k11, text="黑臭水体整治不到位，生活污水处理设施建设进度滞后",
                            date=dt.date(2026, 3, 1), severity=3, focus_area="A1")  # fmt: skip
    make_finding(k11, cadre=gk11, text="落实一岗双责不到位，对班子成员监督失之于宽",
                 date=dt.date(2026, 2, 1), severity=3, focus_area="A2", source="audit")  # fmt: skip
    make_finding(k11, text="对下级党组织管党治党指导不力", date=dt.date(2026, 1, 5),
                 severity=2, focus_area="A2", source="petition")  # fmt: skip
    make_finding(k11, text="文山会海问题反弹，基层负担重", date=dt.date(2026, 4, 1),
                 severity=3, focus_area="A3", source="supervision")  # fmt: skip
    return w


def preparation_world():
    """The talks' test world with this evidence and k11's talk not prepared yet (add_talks
    gives it a hand-made outline; the preparation journeys draft it from the portrait)."""
    from tanhua.talks.models import Outline
    from tanhua.talks.tests.helpers import talk_world

    world = add_evidence(talk_world())
    Outline.objects.unscoped("test").filter(talk=world.talks["k11"]).delete()
    return world
