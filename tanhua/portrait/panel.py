"""The indicator panel's arithmetic, on plain numbers (no database): per indicator a
locality's series, the change on the last period, rank and z-score among peers, the distance
to target and the rebound (improved, then worsened). Direction-aware throughout: "better"
means higher for a higher-is-better indicator and lower otherwise.

`PeerTable` holds one indicator-period's values of all organizations in a scope as numpy
arrays and answers rank / z / standing for a set of peers in one vectorised pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HIGHER = "higher_better"


def better(direction: str, a: float, b: float) -> bool:
    """Is `a` better than `b`?"""
    return a > b if direction == HIGHER else a < b


def rebound(direction: str, values: list[float]) -> bool:
    """Improved, then worsened, over the last three periods (e.g. 环境污染出现反弹)."""
    if len(values) < 3:
        return False
    v1, v2, v3 = values[-3:]
    return better(direction, v2, v1) and better(direction, v2, v3)


def shortfall(direction: str, value: float, target: float | None) -> float:
    """How far the value falls short of its target (0 where met or no target)."""
    if target is None:
        return 0.0
    gap = target - value if direction == HIGHER else value - target
    return max(0.0, gap)


@dataclass(frozen=True)
class Standing:
    rank: int  # 1 = best among peers
    peers: int
    z: float  # (value - mean) / sd, raw
    standing: float  # z turned so that positive is better
    mean: float
    best: float
    worst: float
    quartiles: tuple[float, float, float]


def standings(direction: str, orgs: np.ndarray, values: np.ndarray) -> dict[int, Standing]:
    """Rank, z-score and direction-aware standing of every org among these peers (ties
    share the best rank)."""
    n = len(values)
    if n == 0:
        return {}
    good = values if direction == HIGHER else -values
    mean = float(values.mean())
    sd = float(values.std())
    z = (values - mean) / sd if sd > 0 else np.zeros(n)
    # Rank 1 = best: count of peers strictly better, plus one.
    sorted_good = np.sort(good)
    better_count = n - np.searchsorted(sorted_good, good, side="right")
    ranks = better_count + 1
    q = np.percentile(values, [25, 50, 75])
    best = float(values.max() if direction == HIGHER else values.min())
    worst = float(values.min() if direction == HIGHER else values.max())
    sign = 1.0 if direction == HIGHER else -1.0
    return {
        int(o): Standing(
            rank=int(r),
            peers=n,
            z=round(float(zz), 3),
            standing=round(sign * float(zz), 3),
            mean=round(mean, 4),
            best=best,
            worst=worst,
            quartiles=(float(q[0]), float(q[1]), float(q[2])),
        )
        for o, r, zz in zip(orgs, ranks, z, strict=True)
    }


def goodness(direction: str, value: float, best: float, worst: float) -> float:
    """0 (the worst peer) … 1 (the best peer), for the 政治生态 index."""
    if best == worst:
        return 1.0
    return max(0.0, min(1.0, (value - worst) / (best - worst)))


class PeerTable:
    """Values of one scope's organizations, by (indicator, period), as numpy arrays; standing
    among a peer set computed once per (indicator, period, peer set) and cached."""

    def __init__(self, rows):
        # rows: (org_id, indicator_id, period, value) tuples
        groups: dict[tuple[int, str], tuple[list, list]] = {}
        for org, ind, period, value, *_rest in rows:
            g = groups.setdefault((ind, period), ([], []))
            g[0].append(org)
            g[1].append(value)
        self.groups = {
            k: (np.asarray(o, dtype=np.int64), np.asarray(v, dtype=np.float64))
            for k, (o, v) in groups.items()
        }
        self._cache: dict[tuple, dict[int, Standing]] = {}

    def standing(
        self, direction: str, ind: int, period: str, peers_key, peers: np.ndarray, org: int
    ) -> Standing | None:
        key = (ind, period, peers_key)
        table = self._cache.get(key)
        if table is None:
            orgs, values = self.groups.get((ind, period), (np.empty(0, np.int64), np.empty(0)))
            mask = np.isin(orgs, peers)
            table = standings(direction, orgs[mask], values[mask])
            self._cache[key] = table
        return table.get(org)
