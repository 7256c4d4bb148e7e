"""Computing portraits in bulk (DESIGN §5, §7 `tanhua prepare`): everything a committee's
talks need is loaded in a few queries — organizations, indicator values, findings, last year's
talks and their records' problems, the 政治生态 schemes — and each talk's portrait is then
plain arithmetic on those rows (numpy for the peer standings), with no query per talk.

Reads here are the preparation's own (unscoped): the portrait is computed from the whole
committee's evidence and shown only where its talk is visible (Portrait.visible_to).

"Open" findings: rectification (issue 11) is not built, so a finding is open when it is dated
after the subject's previous talk (last year's, where held), else within the year before the
portrait's date; the older ones are the comparison base of 屡查屡犯 (similarity.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from tanhua.portrait import ecology, panel
from tanhua.portrait.similarity import Corpus, threshold

EXCERPT = 160


@dataclass
class Store:
    """The rows of one or more subtrees (root paths), indexed for the portraits."""

    orgs: dict[int, tuple] = field(default_factory=dict)  # id -> (path, level, name, code)
    indicators: dict[int, tuple] = field(default_factory=dict)  # id -> (code, name, unit, dir, fa)
    series: dict[int, dict[int, list]] = field(default_factory=dict)  # org -> ind -> rows
    table: panel.PeerTable | None = None
    findings: list[tuple] = field(default_factory=list)
    by_org: dict[int, list[int]] = field(default_factory=dict)  # org -> finding indexes
    by_cadre: dict[int, list[int]] = field(default_factory=dict)
    corpus: Corpus | None = None
    schemes: dict[str, dict] = field(default_factory=dict)  # committee path -> scheme
    last_year: dict[int, dict] = field(default_factory=dict)  # subject id -> last year's talk
    queries: int = 0


def load(root_paths: list[str], year: int, subject_ids: set[int]) -> Store:
    from tanhua.evidence.models import Finding, Indicator, IndicatorValue
    from tanhua.org.models import Organization
    from tanhua.portrait.models import EcologyScheme
    from tanhua.talks.models import RecordProblem, Talk, TalkType

    st = Store()
    roots = _top(root_paths)
    under = _prefix_q("path", roots)
    for pk, path, level, name, code in Organization.objects.filter(under).values_list(
        "pk", "path", "level", "name", "code"
    ):
        st.orgs[pk] = (path, level, name, code)
    for pk, code, name, unit, direction, fa in Indicator.objects.values_list(
        "pk", "code", "name", "unit", "direction", "focus_area"
    ):
        st.indicators[pk] = (code, name, unit, direction, fa)
    rows = list(
        IndicatorValue.objects.filter(_prefix_q("organization__path", roots))
        .order_by()
        .values_list("organization_id", "indicator_id", "period", "value", "target", "pk")
    )
    values = [
        (o, i, p, float(v), None if t is None else float(t), pk) for o, i, p, v, t, pk in rows
    ]
    del rows
    st.table = panel.PeerTable(values)
    for o, i, p, v, t, pk in values:
        st.series.setdefault(o, {}).setdefault(i, []).append((p, v, t, pk))
    for by_ind in st.series.values():
        for s in by_ind.values():
            s.sort()
    fq = Finding.objects.unscoped("tanhua prepare reads the committee's evidence").filter(
        _prefix_q("organization__path", roots) | _in_q("cadre_id", subject_ids)
    )
    st.findings = list(
        fq.order_by("date", "pk").values_list(
            "pk",
            "code",
            "organization_id",
            "cadre_id",
            "source",
            "date",
            "severity",
            "focus_area",
            "proposed_focus_area",
            "classification",
            "text",
        )
    )
    for n, f in enumerate(st.findings):
        st.by_org.setdefault(f[2], []).append(n)
        if f[3]:
            st.by_cadre.setdefault(f[3], []).append(n)
    st.corpus = Corpus([f[10] for f in st.findings])
    for scheme in EcologyScheme.objects.select_related("committee").prefetch_related(
        "weights__indicator"
    ):
        st.schemes[scheme.committee.path] = {
            "id": scheme.pk,
            "committee": scheme.committee.name,
            "green_min": float(scheme.green_min),
            "yellow_min": float(scheme.yellow_min),
            "weights": [(w.indicator_id, float(w.weight), w.sign) for w in scheme.weights.all()],
        }
    talks = Talk.objects.unscoped("tanhua prepare: last year's talks of the subjects").filter(
        campaign__year=year - 1, type=TalkType.POLITICAL_SUPERVISION, subject_id__in=subject_ids
    )
    by_talk: dict[int, dict] = {}
    for pk, subject, held_on, status, title in talks.values_list(
        "pk", "subject_id", "held_on", "status", "subject_title"
    ):
        entry = {"id": pk, "held_on": held_on and held_on.isoformat(), "status": status,
                 "title": title, "problems": []}  # fmt: skip
        st.last_year[subject] = by_talk[pk] = entry
    if by_talk:
        problems = RecordProblem.objects.unscoped("tanhua prepare: last year's problems")
        for pk, talk_id, fa, text in problems.filter(record__talk_id__in=list(by_talk)).values_list(
            "pk", "record__talk_id", "focus_area", "text"
        ):
            by_talk[talk_id]["problems"].append({"id": pk, "focus_area": fa, "text": text})
        # Rectification's record (issue 11): unfinished and reopened measures, and the
        # look-backs that failed — a negative signal on this year's portrait.
        from tanhua.rectification.services.carryover import last_year_record

        for talk_id, record in last_year_record(list(by_talk)).items():
            by_talk[talk_id].update(record)
    return st


def _top(paths: list[str]) -> list[str]:
    """The paths not below another of them."""
    out = []
    for p in sorted(set(paths)):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return out


def _prefix_q(field_name: str, paths: list[str]):
    from django.db.models import Q

    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field_name}__startswith": p})
    return q


def _in_q(field_name: str, ids: set[int]):
    from django.db.models import Q

    return Q(**{f"{field_name}__in": list(ids)}) if ids else Q(pk__in=[])


@dataclass(frozen=True)
class TalkFacts:
    """What a portrait needs of a talk (read in bulk by the caller)."""

    id: int
    subject_id: int
    subject_name: str
    subject_title: str
    org_id: int
    committee_id: int
    committee_path: str
    year: int


class Portraits:
    """Portrait data of talks from one Store; per-locality parts are computed once."""

    def __init__(self, store: Store, as_of: dt.date):
        self.st = store
        self.as_of = as_of
        self._panels: dict[tuple[int, str], list[dict]] = {}
        self._peers: dict[tuple[str, str], np.ndarray] = {}

    def peers(self, committee_path: str, level: str) -> np.ndarray:
        key = (committee_path, level)
        if key not in self._peers:
            self._peers[key] = np.asarray(
                [
                    pk
                    for pk, o in self.st.orgs.items()
                    if o[1] == level and o[0].startswith(committee_path)
                ],
                dtype=np.int64,
            )  # fmt: skip
        return self._peers[key]

    def indicator_panel(self, org_id: int, committee_path: str) -> list[dict]:
        key = (org_id, committee_path)
        if key in self._panels:
            return self._panels[key]
        level = self.st.orgs[org_id][1]
        peer_ids = self.peers(committee_path, level)
        last_year = str(self.as_of.year)
        rows = []
        for ind, series in sorted(self.st.series.get(org_id, {}).items()):
            code, name, unit, direction, fa = self.st.indicators[ind]
            s = [r for r in series if r[0][:4] <= last_year]
            if not s:
                continue
            period, value, target, vid = s[-1]
            values = [r[1] for r in s]
            prev = s[-2] if len(s) > 1 else None
            standing = self.st.table.standing(
                direction, ind, period, key[1] + "|" + level, peer_ids, org_id
            )
            short = panel.shortfall(direction, value, target)
            row = {
                "indicator": ind, "code": code, "name": name, "unit": unit,
                "direction": direction, "focus_area": fa,
                "series": [[p, v, t, i] for p, v, t, i in s],
                "period": period, "latest": value, "target": target, "value_id": vid,
                "change": None if prev is None else round(value - prev[1], 4),
                "improved": None if prev is None or prev[1] == value
                else panel.better(direction, value, prev[1]),
                "rebound": panel.rebound(direction, values),
                "shortfall": round(short, 4),
                "gap_ratio": round(short / abs(target), 4) if target else 0.0,
            }  # fmt: skip
            if standing is not None:
                row.update(
                    rank=standing.rank, peers=standing.peers, z=standing.z,
                    standing=standing.standing, mean=standing.mean, best=standing.best,
                    worst=standing.worst, quartiles=list(standing.quartiles),
                    goodness=round(
                        panel.goodness(direction, value, standing.best, standing.worst), 4
                    ),
                )  # fmt: skip
            rows.append(row)
        self._panels[key] = rows
        return rows

    def scheme_for(self, committee_path: str) -> dict | None:
        best = None
        for path, scheme in self.st.schemes.items():
            if committee_path.startswith(path) and (best is None or len(path) > len(best[0])):
                best = (path, scheme)
        return best[1] if best else None

    def ecology(self, indicators: list[dict], committee_path: str) -> dict | None:
        scheme = self.scheme_for(committee_path)
        if scheme is None:
            return None
        by_ind = {r["indicator"]: r for r in indicators}
        items = []
        for ind, weight, sign in scheme["weights"]:
            row = by_ind.get(ind)
            code, name = self.st.indicators.get(ind, ("?", "?"))[:2]
            items.append({
                "indicator": ind, "code": code, "name": name, "weight": weight, "sign": sign,
                "goodness": None if row is None or "goodness" not in row else row["goodness"],
                "value_id": row and row["value_id"],
            })  # fmt: skip
        out = ecology.index(items, scheme["green_min"], scheme["yellow_min"])
        out["scheme"] = scheme["id"]
        out["committee"] = scheme["committee"]
        return out

    def findings(self, talk: TalkFacts, last: dict | None) -> dict:
        st = self.st
        idx = sorted(
            set(st.by_org.get(talk.org_id, [])) | set(st.by_cadre.get(talk.subject_id, []))
        )
        idx = [n for n in idx if st.findings[n][5] <= self.as_of]
        held = last and last.get("held_on")
        cutoff = dt.date.fromisoformat(held) if held else self.as_of - dt.timedelta(days=365)
        open_idx = [n for n in idx if st.findings[n][5] > cutoff]
        old_idx = [n for n in idx if st.findings[n][5] <= cutoff]
        items, by_fa, by_source = [], defaultdict(list), defaultdict(list)
        for n in idx:
            pk, code, _org, cadre, source, date, sev, fa, pfa, cls, text = st.findings[n]
            area = fa or pfa
            items.append({
                "id": pk, "code": code, "date": date.isoformat(), "source": source,
                "severity": sev, "focus_area": area, "proposed": not fa and bool(pfa),
                "classification": cls, "about_subject": cadre == talk.subject_id,
                "open": date > cutoff, "text": text[:EXCERPT],
            })  # fmt: skip
            by_fa[area or "-"].append(pk)
            by_source[source].append(pk)
        repeated = [
            {"id": st.findings[a][0], "earlier": st.findings[b][0], "similarity": s}
            for a, b, s in st.corpus.similar(open_idx, old_idx)
        ]
        return {
            "items": items,
            "by_focus_area": dict(by_fa),
            "by_source": dict(by_source),
            "open": [st.findings[n][0] for n in open_idx],
            "open_since": cutoff.isoformat(),
            "repeated": repeated,
            "threshold": threshold(),
        }

    def portrait(self, talk: TalkFacts) -> dict:
        from tanhua.portrait import candidates

        org = self.st.orgs[talk.org_id]
        level = org[1]
        indicators = self.indicator_panel(talk.org_id, talk.committee_path)
        last = self.st.last_year.get(talk.subject_id)
        data = {
            "as_of": self.as_of.isoformat(),
            "talk": talk.id,
            "subject": {
                "id": talk.subject_id, "name": talk.subject_name, "title": talk.subject_title,
            },
            "locality": {"id": talk.org_id, "code": org[3], "name": org[2], "level": level},
            "peers": {"committee": talk.committee_id, "level": level,
                      "count": len(self.peers(talk.committee_path, level))},
            "indicators": indicators,
            "findings": self.findings(talk, last),
            "last_year": last,
            "ecology": self.ecology(indicators, talk.committee_path),
        }  # fmt: skip
        data["candidates"] = candidates.rank(data, self.as_of)
        return data
