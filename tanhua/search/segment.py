"""Chinese text as search tokens (DESIGN §8): rjieba's search-mode cut, with the domain
dictionary the classifier uses, so that both the stored text and the query are segmented the
same way before the database's plain tokenizers (FTS5 `unicode61`, PostgreSQL `simple`) see
them as space-separated words.

Why not FTS5's trigram tokenizer: it cannot find a two-character word (形式, 违规), and most
Chinese words have two characters. Why search mode: it emits a long word and the dictionary
words inside it (形式主义 → 形式, 主义, 形式主义), so a query for a part finds the whole.
Long tokens also give their character pairs, so that a two-character part jieba does not
know as a word (一岗双责 → 双责) is still found.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from pathlib import Path

WORDS = Path(__file__).resolve().parent.parent / "evidence" / "data" / "words.txt"
# A query is cut into at most this many terms (an AND of more finds nothing useful).
MAX_TERMS = 12
MAX_QUERY = 100

_lock = threading.Lock()
_jieba = None
# A token is kept when it holds a letter or a digit: punctuation and spaces are not words.
_WORDLIKE = re.compile(r"\w", re.UNICODE)


def _segmenter():
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import rjieba

                jieba = rjieba.Jieba()
                if WORDS.exists():
                    for line in WORDS.read_text(encoding="utf-8").splitlines():
                        word = line.strip()
                        if word and not word.startswith("#"):
                            jieba.add_word(word, 1000, "n")
                _jieba = jieba
    return _jieba


def _clean(token: str) -> str:
    """One index word: NFKC-folded (full-width letters and digits become ASCII), only word
    characters — so that no token carries FTS5 or tsquery syntax. Case is left to the
    databases (unicode61 and `simple` both fold it), so a query's terms echo as typed."""
    token = unicodedata.normalize("NFKC", token)
    return "".join(ch for ch in token if ch.isalnum())


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def index_tokens(text: str) -> list[str]:
    """The words stored for `text`: search-mode tokens, plus the character pairs of Chinese
    tokens longer than two characters."""
    out: list[str] = []
    # NFKC first: jieba cuts full-width letters and digits (ＡＢＣ１２) one by one.
    for raw in _segmenter().cut_for_search(unicodedata.normalize("NFKC", text or "")):
        token = _clean(raw)
        if not token:
            continue
        out.append(token)
        if len(token) > 2 and all(_is_cjk(ch) for ch in token):
            out.extend(token[i : i + 2] for i in range(len(token) - 1))
    return out


def index_text(text: str) -> str:
    return " ".join(index_tokens(text))


def query_terms(query: str) -> list[str]:
    """The terms a query must all match: the query cut in precise mode (what the user typed
    as a word stays one term), cleaned like the stored words, without repeats. Any input
    gives a list of plain words — never an FTS5 or tsquery expression."""
    query = (query or "").replace("\x00", "")[:MAX_QUERY]
    terms: list[str] = []
    for raw in _segmenter().cut(unicodedata.normalize("NFKC", query)):
        token = _clean(raw)
        if token and token not in terms:
            terms.append(token)
    return terms[:MAX_TERMS]


def query_groups(query: str) -> list[list[list[str]]]:
    """The query as an AND of groups, each an OR of alternatives, each an AND of words: per
    term, the term itself or — where search mode splits it — all its pieces. A word typed
    alone is cut whole (生态环境) where the stored text, cut in context, may hold only its
    pieces (生态 / 环境保护); the pieces still find it."""
    groups = []
    for term in query_terms(query):
        pieces = [p for p in (_clean(x) for x in _segmenter().cut_for_search(term)) if p]
        pieces = list(dict.fromkeys(p for p in pieces if p != term))
        groups.append([[term], pieces] if pieces else [[term]])
    return groups


def highlight_terms(query: str) -> list[str]:
    """What to mark in a snippet: the query's terms as the user typed them (before folding),
    longest first so that a long word is marked whole."""
    words = {w.strip() for w in _segmenter().cut((query or "")[:MAX_QUERY]) if _WORDLIKE.search(w)}
    words |= set(query_terms(query))
    return sorted((w for w in words if w), key=lambda w: (-len(w), w))
