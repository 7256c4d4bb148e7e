"""The focus-area classifier (DESIGN §5, §8): proposes A1–A4 for a finding's text, with a
confidence.

TF-IDF over rjieba tokens (with a small domain dictionary, data/words.txt) and over
characters and character bigrams, then a logistic regression, whose class probability is
the confidence.
It learns from the labelled set that ships with the project (data/focus_areas.csv, written
for Tanhua, fictional) plus every staff correction (findings whose focus area a person
corrected), and is stored under TANHUA_HOME: nothing is downloaded at run time (the
intranet has no hub). Training takes about a second.

Contract (other apps depend on it):
    propose(texts) -> list[Proposal]       (trains and stores a model on first use)
    retrain() -> Evaluation                (held-out accuracy, then the stored model)
    evaluate(extra=()) -> Evaluation       (the held-out split only, nothing stored)
"""

from __future__ import annotations

import csv
import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

DATA = Path(__file__).resolve().parent / "data"
LABELLED = DATA / "focus_areas.csv"
WORDS = DATA / "words.txt"
AREAS = ("A1", "A2", "A3", "A4")
# The held-out part: a quarter of the shipped set, stratified, the same split every run.
TEST_SIZE = 0.25
SEED = 20200514
# Bump when the pipeline changes: a stored model of another format is retrained.
FORMAT = 1

_lock = threading.Lock()
_loaded: dict[str, object] = {}
_jieba = None


@dataclass(frozen=True)
class Proposal:
    focus_area: str
    confidence: float


@dataclass
class Evaluation:
    """Held-out figures: accuracy and per-class precision / recall / support."""

    accuracy: float
    train_size: int
    test_size: int
    corrections: int
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)


def _segmenter():
    global _jieba
    if _jieba is None:
        import rjieba

        jieba = rjieba.Jieba()
        for line in WORDS.read_text(encoding="utf-8").splitlines():
            word = line.strip()
            if word and not word.startswith("#"):
                jieba.add_word(word, 1000, "n")
        _jieba = jieba
    return _jieba


# Punctuation, digits and one-character function words carry no focus area.
_STOP = set("，。、；：？！“”‘’（）()《》【】,.;:?!% 的了和与及在对为是有被将把等中")


def tokenize(text: str) -> list[str]:
    """rjieba tokens of `text`, without punctuation, numbers and function characters."""
    return [
        t
        for t in _segmenter().cut(text or "")
        if t.strip() and t not in _STOP and not t.replace(".", "").isdigit()
    ]


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    words = TfidfVectorizer(
        tokenizer=tokenize, token_pattern=None, lowercase=False, ngram_range=(1, 2),
        sublinear_tf=True,
    )  # fmt: skip
    # Characters and their bigrams catch words the dictionary splits differently
    # (招投标 / 投标); on the held-out split they add several points (docs/classifier.md).
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
    return Pipeline(
        [
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            # saga: lbfgs took seconds per fit on these sparse features, saga a tenth.
            ("model", LogisticRegression(C=20.0, solver="saga", max_iter=3000)),
        ]
    )


def labelled_set() -> list[tuple[str, str]]:
    """The shipped labelled findings, (text, focus area)."""
    with LABELLED.open(encoding="utf-8", newline="") as f:
        return [(r["text"].strip(), r["focus_area"].strip()) for r in csv.DictReader(f)]


def corrections() -> list[tuple[str, str]]:
    """Staff corrections: findings whose focus area a person set, (text, focus area)."""
    from tanhua.evidence.models import Finding, FocusAreaSource

    rows = (
        Finding.objects.unscoped("classifier training: staff-corrected focus areas")
        .filter(focus_area_source=FocusAreaSource.CORRECTED)
        .exclude(focus_area="")
        .values_list("text", "focus_area")
    )
    return [(t, a) for t, a in rows if a in AREAS]


def _split(rows: Sequence[tuple[str, str]]):
    from sklearn.model_selection import train_test_split

    texts = [t for t, _a in rows]
    labels = [a for _t, a in rows]
    return train_test_split(texts, labels, test_size=TEST_SIZE, random_state=SEED, stratify=labels)


def evaluate(extra: Iterable[tuple[str, str]] = ()) -> Evaluation:
    """Train on three quarters of the shipped set (plus `extra`, the corrections), and
    measure on the held-out quarter, which corrections never enter: the figure stays
    comparable from one retraining to the next."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    extra = list(extra)
    x_train, x_test, y_train, y_test = _split(labelled_set())
    pipe = _pipeline()
    pipe.fit([*x_train, *(t for t, _a in extra)], [*y_train, *(a for _t, a in extra)])
    predicted = pipe.predict(x_test)
    precision, recall, _f, support = precision_recall_fscore_support(
        y_test, predicted, labels=list(AREAS), zero_division=0
    )
    return Evaluation(
        accuracy=float(accuracy_score(y_test, predicted)),
        train_size=len(x_train) + len(extra),
        test_size=len(x_test),
        corrections=len(extra),
        per_class={
            area: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "support": int(support[i]),
            }
            for i, area in enumerate(AREAS)
        },
    )


def model_path() -> Path:
    return Path(settings.TANHUA_HOME) / "models" / "focus_areas.joblib"


def _fingerprint(rows: Sequence[tuple[str, str]]) -> str:
    digest = hashlib.sha256(str(FORMAT).encode())
    for text, area in rows:
        digest.update(f"{area}\t{text}\n".encode())
    return digest.hexdigest()


def train(rows: Sequence[tuple[str, str]] | None = None):
    """Fit on every row (shipped set and corrections) and store the model."""
    import joblib

    rows = list(rows if rows is not None else [*labelled_set(), *corrections()])
    pipe = _pipeline()
    pipe.fit([t for t, _a in rows], [a for _t, a in rows])
    path = model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    stored = {
        "format": FORMAT,
        "shipped": _fingerprint(labelled_set()),
        "fingerprint": _fingerprint(rows),
        "model": pipe,
    }
    joblib.dump(stored, partial)
    partial.replace(path)  # a reader never sees half a file
    with _lock:
        _loaded.clear()
        _loaded.update(path=str(path), model=pipe)
    return pipe


def retrain() -> Evaluation:
    """`tanhua classify --retrain` and the page's button: measure, then store the model
    trained on everything."""
    extra = corrections()
    result = evaluate(extra)
    train([*labelled_set(), *extra])
    return result


def _model():
    import joblib

    path = model_path()
    with _lock:
        if _loaded.get("path") == str(path):
            return _loaded["model"]
    stored = None
    if path.exists():
        try:
            stored = joblib.load(path)
        except Exception:  # a damaged or foreign file is retrained, not fatal
            stored = None
    if (
        not isinstance(stored, dict)
        or stored.get("format") != FORMAT
        # An upgrade that ships a new labelled set retrains on first use.
        or stored.get("shipped") != _fingerprint(labelled_set())
    ):
        return train()
    with _lock:
        _loaded.update(path=str(path), model=stored["model"])
    return stored["model"]


def propose(texts: Sequence[str]) -> list[Proposal]:
    """The proposed focus area and its confidence for each text, in order."""
    if not texts:
        return []
    pipe = _model()
    probabilities = pipe.predict_proba(list(texts))
    classes = list(pipe.classes_)
    out = []
    for row in probabilities:
        best = int(row.argmax())
        out.append(Proposal(classes[best], round(float(row[best]), 2)))
    return out
