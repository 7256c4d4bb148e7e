"""Snippets of stored text with the query's words marked. Done here over the original text
(not with FTS5 snippet() or ts_headline over the segmented words) so that both databases
give the same snippet and the text reads as written. Every piece of stored text is escaped;
only our own <mark> tags are markup."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 120


def _pattern(terms: list[str]) -> re.Pattern | None:
    terms = [t for t in terms if t]
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def snippet(text: str, terms: list[str], width: int = WIDTH) -> SafeString:
    """About `width` characters of `text` around the first place most terms meet, the terms
    marked; the whole text's start where none occurs (the index matched a folded form)."""
    text = " ".join((text or "").split())
    pattern = _pattern(terms)
    matches = list(pattern.finditer(text)) if pattern else []
    if matches:
        best = max(
            matches,
            key=lambda m: (
                len({x.group(0).lower() for x in matches if 0 <= x.start() - m.start() < width}),
                -m.start(),
            ),
        )
        start = max(0, best.start() - width // 4)
    else:
        start = 0
    end = min(len(text), start + width)
    piece = text[start:end]
    out = ["…" if start > 0 else ""]
    pos = 0
    for m in pattern.finditer(piece) if pattern else ():
        out.append(escape(piece[pos : m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(escape(piece[pos:]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every stored piece is escaped above
