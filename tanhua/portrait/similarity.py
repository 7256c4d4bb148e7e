"""屡查屡犯: a new finding similar in text — not equal — to an older one of the same locality
or person. TF-IDF over rjieba tokens (the classifier's tokenizer and domain dictionary) and
cosine similarity from scikit-learn; the threshold is the setting
`TANHUA_REPEAT_SIMILARITY` (default 0.5).

Rectification (issue 11) is not built yet, so "already rectified" reads here as "found in an
earlier round": the comparison base is the locality's or person's findings dated before the
current round's open window (see tanhua.portrait.build)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.conf import settings

DEFAULT_THRESHOLD = 0.5


def threshold() -> float:
    return float(getattr(settings, "TANHUA_REPEAT_SIMILARITY", DEFAULT_THRESHOLD))


class Corpus:
    """TF-IDF vectors of a set of texts, fitted once; `similar` compares rows by index."""

    def __init__(self, texts: Sequence[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        from tanhua.evidence.classifier import tokenize

        self.size = len(texts)
        if not texts:
            self.matrix = None
            return
        # Tokens and their bigrams: "环境整治不到位" and "整治不到位问题" share words and order.
        vectorizer = TfidfVectorizer(
            analyzer=lambda text: _grams(tokenize(text)), sublinear_tf=True, norm="l2"
        )
        self.matrix = vectorizer.fit_transform(texts).tocsr()

    def similar(
        self, new: Sequence[int], old: Sequence[int], minimum: float | None = None
    ) -> list[tuple[int, int, float]]:
        """(new index, most similar old index, cosine) for each new row whose best match
        reaches the threshold."""
        if self.matrix is None or not new or not old:
            return []
        limit = threshold() if minimum is None else minimum
        sims = (self.matrix[list(new)] @ self.matrix[list(old)].T).toarray()
        out = []
        for i, row in enumerate(sims):
            j = int(row.argmax())
            if row[j] >= limit:
                out.append((new[i], old[j], round(float(row[j]), 3)))
        return out


def _grams(tokens: list[str]) -> list[str]:
    return tokens + [a + "|" + b for a, b in itertools.pairwise(tokens)]
