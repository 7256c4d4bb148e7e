"""A deterministic, fictional demo province: organizations, cadres and their posts over time,
as the row dicts of the import contract (DESIGN §6), so the demo loads through the same
import service as a user's spreadsheet.

Everything is drawn from one seeded random generator: the same seed gives the same province,
row for row. Names are invented (tanhua.demo.names); codes follow the materialized-path
style of the registry (QL → QL01 → QL0101 → QL010101).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from tanhua.core.classification import Classification
from tanhua.demo import names

DEFAULT_SEED = 2020
PROVINCE_CODE = "QL"
CITY_COUNT = 9
MIN_COUNTIES = 54
COUNTIES_PER_CITY = (5, 7)
TOWNSHIPS_PER_COUNTY = (6, 10)
FEMALE_SHARE = 0.22
# Current posts began in this window; earlier tenures end the day before a successor starts.
FIRST_START = dt.date(2017, 3, 1)
LAST_START = dt.date(2022, 12, 31)


@dataclass(frozen=True)
class Slot:
    """One leadership post of an organization's team."""

    key: str
    title: str
    principal: bool = False


SECRETARY, HEAD = "secretary", "head"


def _team(level_word: str, gov_word: str) -> tuple[Slot, ...]:
    """A city or county team: 书记 and government head (一把手), deputies and standing members."""
    w, g = level_word, gov_word
    return (
        Slot(SECRETARY, f"{w}委书记", True),
        Slot(HEAD, f"{g}长", True),
        Slot("deputy", f"{w}委副书记"),
        Slot("executive", f"{w}委常委、常务副{g}长"),
        Slot("discipline", f"{w}委常委、{w}纪委书记、{w}监委主任"),
        Slot("organization", f"{w}委常委、组织部部长"),
        Slot("propaganda", f"{w}委常委、宣传部部长"),
        Slot("legal", f"{w}委常委、政法委书记"),
        Slot("united_front", f"{w}委常委、统战部部长"),
        Slot("office", f"{w}委常委、秘书长" if w in "省市" else f"{w}委常委、办公室主任"),
        Slot("vice_head", f"{w}委常委、副{g}长"),
    )


PROVINCE_TEAM = _team("省", "省")
CITY_TEAM = _team("市", "市")


def county_team(word: str) -> tuple[Slot, ...]:
    return _team(word, word)


def township_team(word: str) -> tuple[Slot, ...]:
    return (
        Slot(SECRETARY, "党委书记", True),
        Slot(HEAD, f"{word}长", True),
        Slot("deputy", "党委副书记"),
        Slot("discipline", "党委委员、纪委书记"),
        Slot("organization", "党委委员、组织委员"),
        Slot("propaganda", "党委委员、宣传委员"),
        Slot("vice_head", f"党委委员、副{word}长"),
    )


# The demo's talker (the province secretary) and subject (the first city's secretary) both
# show posts over time: each was the government head of the same committee before.
ALWAYS_PROMOTED = {PROVINCE_CODE, f"{PROVINCE_CODE}01"}
# The management tier of a post's holder follows the organization's level.
TIER_BY_LEVEL = {
    "province": "central",
    "city": "provincial",
    "county": "city",
    "township": "county",
}
# Deputies who earlier led an organization one level down (promotion from below).
PROMOTED_FROM_BELOW = {"deputy", "executive", "organization"}


@dataclass
class DemoProvince:
    """The generated province: import rows, plus what the loader needs to add afterwards."""

    seed: int
    organizations: list[dict[str, str]] = field(default_factory=list)
    cadres: list[dict[str, str]] = field(default_factory=list)
    positions: list[dict[str, str]] = field(default_factory=list)
    # cadre code -> classification (秘密/机密); not an import column, set by the loader.
    classified: dict[str, int] = field(default_factory=dict)
    # (org code, slot key) -> the current holder's cadre code.
    holders: dict[tuple[str, str], str] = field(default_factory=dict)

    def tables(self) -> dict[str, list[dict[str, str]]]:
        return {
            "organizations": self.organizations,
            "cadres": self.cadres,
            "positions": self.positions,
        }

    def orgs_at(self, level: str) -> list[dict[str, str]]:
        return [o for o in self.organizations if o["level"] == level]

    @property
    def first_city_code(self) -> str:
        return self.orgs_at("city")[0]["code"]


class _Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.out = DemoProvince(seed=seed)
        self.used_places: set[str] = set()
        self.used_people: set[str] = set()
        self.cadre_seq = 0
        # (org code, slot key) -> (cadre code, start, end): an earlier tenure a higher
        # post's holder had here, which the current holder's start must follow.
        self.reserved: dict[tuple[str, str], tuple[str, dt.date, dt.date]] = {}

    # --- names -------------------------------------------------------------
    def place(self) -> str:
        for _attempt in range(10_000):
            stem = self.rng.choice(names.PLACE_FIRST) + self.rng.choice(names.PLACE_SECOND)
            if stem not in self.used_places and not names.place_is_denied(stem):
                self.used_places.add(stem)
                return stem
        raise RuntimeError("place syllables exhausted")  # a pool too small for the sizes

    def person(self, female: bool) -> str:
        first, second = (
            (names.GIVEN_FIRST_FEMALE, names.GIVEN_SECOND_FEMALE)
            if female
            else (names.GIVEN_FIRST_MALE, names.GIVEN_SECOND_MALE)
        )
        for _attempt in range(10_000):
            name = (
                self.rng.choice(names.SURNAMES) + self.rng.choice(first) + self.rng.choice(second)
            )
            if name not in self.used_people and name not in names.REAL_PEOPLE:
                self.used_people.add(name)
                return name
        raise RuntimeError("person syllables exhausted")

    # --- rows --------------------------------------------------------------
    def org(self, code: str, name: str, level: str, parent: str) -> dict[str, str]:
        row = {"code": code, "name": name, "level": level, "parent_code": parent, "kind": "党委"}
        self.out.organizations.append(row)
        return row

    def cadre(self, tier: str) -> str:
        self.cadre_seq += 1
        code = f"{PROVINCE_CODE}G{self.cadre_seq:05d}"
        female = self.rng.random() < FEMALE_SHARE
        self.out.cadres.append(
            {
                "code": code,
                "name": self.person(female),
                "tier": tier,
                "gender": "female" if female else "male",
            }
        )
        return code

    def post(
        self, cadre: str, org: str, slot: Slot, start: dt.date, end: dt.date | None = None
    ) -> None:
        self.out.positions.append(
            {
                "cadre_code": cadre,
                "org_code": org,
                "title": slot.title,
                "principal": "yes" if slot.principal else "no",
                "start": start.isoformat(),
                "end": end.isoformat() if end else "",
            }
        )

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    # --- a team ------------------------------------------------------------
    def staff(self, org: dict[str, str], team: tuple[Slot, ...], children: list[str]) -> None:
        """Fill every post of `org`, with some earlier tenures so posts show history."""
        code, tier = org["code"], TIER_BY_LEVEL[org["level"]]
        slots = {s.key: s for s in team}
        starts: dict[str, dt.date] = {}
        for slot in team:
            first = FIRST_START
            reserved = self.reserved.pop((code, slot.key), None)
            if reserved:
                earlier, r_start, r_end = reserved
                self.post(earlier, code, slot, r_start, r_end)
                first = r_end + dt.timedelta(days=1)
            start = self.day_between(first, max(first, LAST_START))
            # The head's post was vacated by the secretary's promotion in place.
            succeeds = slot.key == HEAD and (code, HEAD) in self.out.holders
            if succeeds:
                start = max(start, starts[SECRETARY] + dt.timedelta(days=self.rng.randint(0, 60)))
            holder = self.out.holders.get((code, slot.key)) or self.cadre(tier)
            self.out.holders[(code, slot.key)] = holder
            starts[slot.key] = start
            self.post(holder, code, slot, start)
            if reserved or succeeds:
                continue  # this post's earlier tenure is already written
            roll = self.rng.random()
            if slot.key == SECRETARY and (roll < 0.35 or code in ALWAYS_PROMOTED):
                # Promoted in place: this secretary was the government head before.
                self.post(holder, code, slots[HEAD], self._years_before(start), _eve(start))
                self.out.holders[(code, HEAD)] = self.cadre(tier)
            elif slot.key in PROMOTED_FROM_BELOW and children and roll < 0.3:
                # Led an organization one level down; that post's successor follows on.
                child = self.rng.choice(children)
                if (child, SECRETARY) not in self.reserved:
                    self.reserved[(child, SECRETARY)] = (
                        holder,
                        self._years_before(start),
                        _eve(start),
                    )
            elif roll < 0.15:
                # A predecessor who has since left the province's posts.
                former = self.cadre(tier)
                self.post(former, code, slot, self._years_before(start), _eve(start))

    def _years_before(self, start: dt.date) -> dt.date:
        return start - dt.timedelta(days=self.rng.randint(2 * 365, 5 * 365))

    # --- the tree ----------------------------------------------------------
    def build(self) -> DemoProvince:
        province = self.org(PROVINCE_CODE, f"{names.PROVINCE_STEM}省委", "province", "")
        city_sizes = [self.rng.randint(*COUNTIES_PER_CITY) for _ in range(CITY_COUNT)]
        while sum(city_sizes) < MIN_COUNTIES:
            city_sizes[city_sizes.index(min(city_sizes))] += 1
        city_codes = [f"{PROVINCE_CODE}{i:02d}" for i in range(1, CITY_COUNT + 1)]
        self.staff(province, PROVINCE_TEAM, city_codes)
        for city_code, size in zip(city_codes, city_sizes, strict=True):
            city = self.org(city_code, f"{self.place()}市委", "city", PROVINCE_CODE)
            county_codes = [f"{city_code}{i:02d}" for i in range(1, size + 1)]
            self.staff(city, CITY_TEAM, county_codes)
            for county_code in county_codes:
                self._county(county_code, city_code)
        self._classify()
        return self.out

    def _county(self, code: str, city_code: str) -> None:
        # About one in four is a city district (区), the rest counties (县).
        word = "区" if self.rng.random() < 0.25 else "县"
        county = self.org(code, f"{self.place()}{word}委", "county", city_code)
        n = self.rng.randint(*TOWNSHIPS_PER_COUNTY)
        township_codes = [f"{code}{i:02d}" for i in range(1, n + 1)]
        self.staff(county, county_team(word), township_codes)
        for t_code in township_codes:
            t_word = "乡" if self.rng.random() < 0.3 else "镇"
            township = self.org(t_code, f"{self.place()}{t_word}党委", "township", code)
            self.staff(township, township_team(t_word), [])

    def _classify(self) -> None:
        """A few cadres carry a classification: one 秘密 and one 机密 in the first city's
        subtree (so a city-level user with 秘密 clearance sees one and not the other), and
        a few more elsewhere."""
        first_city = self.out.first_city_code
        candidates = sorted(
            (org, cadre)
            for (org, key), cadre in self.out.holders.items()
            if key not in (SECRETARY, HEAD) and len(org) >= 6  # county and township teams
        )
        mine = [c for org, c in candidates if org.startswith(first_city)]
        others = [c for org, c in candidates if not org.startswith(first_city)]
        picks_mine = self.rng.sample(mine, 2)
        self.out.classified[picks_mine[0]] = Classification.SECRET
        self.out.classified[picks_mine[1]] = Classification.CONFIDENTIAL
        for i, cadre in enumerate(self.rng.sample(others, 4)):
            self.out.classified[cadre] = (
                Classification.SECRET if i % 2 == 0 else Classification.CONFIDENTIAL
            )


def _eve(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=1)


def build_province(seed: int = DEFAULT_SEED) -> DemoProvince:
    """The demo province for `seed`; the same seed always gives the same rows."""
    return _Generator(seed).build()
