"""Walking the chain: `tanhua audit verify`.

Entries are read in seq order in chunks (constant memory). Each must have the next seq
(starting at 1), link to the previous entry's MAC and carry a MAC that recomputes with the key
that `record()` uses. The first failure is named; for a MAC that fails, the entry is tried at
nearby and linked positions to tell "moved" (removed, inserted, reordered) from "changed".
Then the anchor outside the database catches a cut-off tail (see anchor.py). Without an
anchor the trail passes only when it is empty on a database that never had an entry (no
AuditTrailStart marker): a fresh install. Entries without an anchor, or a marker without
entries, fail until the operator re-anchors (`--reset-anchor`, which skips the anchor).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from tanhua.audit import anchor as anchors
from tanhua.audit.models import AuditEntry, AuditTrailStart
from tanhua.audit.services import GENESIS, compute_mac, key

# How far either side of its position an entry with a failing MAC is tried, to recognise it
# as moved rather than changed. Only on the failure path: a few thousand HMACs.
_MOVE_WINDOW = 5000


@dataclass
class Report:
    """The outcome: `ok`, how many entries were checked, the last seq, and the problem."""

    ok: bool
    count: int
    last_seq: int
    problem: str = ""
    bad_seq: int | None = None
    anchor: anchors.Anchor | None = None
    last_mac: str = ""


def _with_seq(entry: AuditEntry, seq: int) -> AuditEntry:
    clone = AuditEntry(**{f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.fields})
    clone.seq = seq
    return clone


def _original_position(entry: AuditEntry, key_bytes: bytes) -> int | None:
    """The seq this entry's MAC was made for, if it can be found: the entry moved."""
    candidates: list[int] = []
    successor = (
        AuditEntry.objects.filter(prev_mac=entry.mac)
        .exclude(pk=entry.pk)
        .values_list("seq", flat=True)
    )
    candidates += [s - 1 for s in successor[:5]]
    predecessor = (
        AuditEntry.objects.filter(mac=entry.prev_mac)
        .exclude(pk=entry.pk)
        .values_list("seq", flat=True)
    )
    candidates += [s + 1 for s in predecessor[:5]]
    n = entry.seq
    for d in range(1, _MOVE_WINDOW + 1):
        candidates += [n + d, n - d]
    seen = {n}
    for c in candidates:
        if c < 1 or c in seen:
            continue
        seen.add(c)
        if compute_mac(_with_seq(entry, c), key_bytes) == entry.mac:
            return c
    return None


def _diagnose(entry: AuditEntry, prev: str, key_bytes: bytes) -> str:
    n = entry.seq
    if compute_mac(entry, key_bytes) == entry.mac:
        # The entry is authentic at n, so what it was chained to is gone from n - 1.
        return f"第 {n - 1} 条审计记录被替换：与第 {n} 条不衔接"
    moved_from = _original_position(entry, key_bytes)
    if moved_from is not None:
        return (
            f"第 {n} 条审计记录顺序错乱：该位置上是原第 {moved_from} 条"
            "（记录被删除、插入或调换了顺序）"
        )
    problem = f"第 {n} 条审计记录被篡改（校验码不符）"
    if n == 1:
        problem += "；若每条记录都不符，请先确认审计密钥与写入时相同"
    return problem


def verify(*, batch_size: int = 2000, use_anchor: bool = True) -> Report:
    key_bytes = key()
    # Read before the database: whatever the anchor names was committed before we look.
    anchored = anchors.read() if use_anchor else None
    expected, prev, count = 1, GENESIS, 0

    def fail(problem: str, bad_seq: int | None) -> Report:
        return Report(False, count, expected - 1, problem, bad_seq, anchored)

    entries = AuditEntry.objects.order_by("seq", "pk").iterator(chunk_size=batch_size)
    for entry in entries:
        if entry.seq != expected:
            if entry.seq < expected:
                return fail(f"第 {entry.seq} 条审计记录重复出现（顺序被打乱）", entry.seq)
            if expected == 1:
                return fail(f"缺少第 1 条至第 {entry.seq - 1} 条审计记录（链的开头被删除）", 1)
            return fail(
                f"第 {expected - 1} 条之后缺少记录（缺第 {expected} 至第 {entry.seq - 1} 条）",
                expected,
            )
        if entry.prev_mac != prev or compute_mac(entry, key_bytes) != entry.mac:
            return fail(_diagnose(entry, prev, key_bytes), entry.seq)
        if anchored is not None and entry.seq == anchored.seq and entry.mac != anchored.mac:
            return fail(
                f"第 {entry.seq} 条审计记录与外部锚点不符（该条起的记录被截断后重新生成）",
                entry.seq,
            )
        prev = entry.mac
        expected += 1
        count += 1
    last = expected - 1
    if anchored is not None and last < anchored.seq:
        return fail(
            f"审计记录末尾缺失：外部锚点记录到第 {anchored.seq} 条，数据库只到第 {last} 条",
            last + 1,
        )
    if use_anchor and anchored is None:
        missing = _missing_anchor(count)
        if missing:
            return fail(missing, None)
    return Report(True, count, last, anchor=anchored, last_mac=prev if count else "")


def _missing_anchor(count: int) -> str:
    """Why a trail without its anchor cannot be vouched for; "" for a fresh install."""
    where = anchors.path()
    if count:
        return (
            f"找不到外部锚点（{where}）：数据库中有 {count} 条审计记录，"
            "无法确认末尾的记录未被截断。若锚点文件是有意移走的或数据库是有意恢复的，"
            "请核对后使用 --reset-anchor 重新锚定"
        )
    started = AuditTrailStart.objects.first()
    if started is None:
        return ""
    return (
        f"审计记录已全部缺失：数据库自 {timezone.localtime(started.started_at):%Y-%m-%d} "
        f"起曾有审计记录，现在一条也没有，外部锚点（{where}）也不存在。"
        "若确是有意换用了空库，请核对后使用 --reset-anchor 重新锚定"
    )
