"""A second look for the unassigned queue: does an item no rule claims read like the items
editors' labels call relevant, and to which promise?

The rules make candidates and say why in their own words. An item none of them claims reaches an
editor through the unassigned queue; its word test (tracker.topics.terms) catches an item that
names immigration, but not one that names none ("FY24-25 Agreement with the Secure Families
Collaborative"). This model, logistic regression over TF-IDF of words and word pairs trained on
the labelled corpora (bench/train_relevance.py; `trained_on` in the model file says how many),
caught about half of those out of sample (43 of 85 on holdouts 5-12); its queue entry says which
words weighed most. A softmax over the promises ranks those an editor is offered after the
hints' (tracker.topics.Screener); when the model is sure of the item and of one promise
(`Reading.sure`), the item becomes that promise's candidate, stance open, on the desk only.

Plain Python on the shipped JSON (data/relevance_model.json): the same arithmetic as
scikit-learn's TfidfVectorizer(sublinear_tf=True) and LogisticRegression.predict_proba, so no
machine-learning package is needed at run time.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import CatalogError

MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "relevance_model.json"
# Out of sample on holdouts 5-12, an item no rule claims and no topic word queues reaches the
# queue at this probability: about 4 in 5 of those it adds were relevant (bench/train_relevance.py).
THRESHOLD = 0.7
# Surer still, of the item and of one promise, it is proposed as that promise's candidate, its
# stance left open (a model reads no stance). Leave one file out over holdouts 5-18, on top of
# the rules: 25 items more, 23 of them for the right promise, no decoy (bench/train_relevance.py).
SURE = 0.9
PROMISE_SURE = 0.5
WORDS = 3  # the weightiest words shown as the reason
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
# Words that weigh but say nothing to an editor ("with the"): never shown as a reason.
# Nor do the words of any council's business ("has voted", "City has", "calling for"): a term
# made only of these is not shown either, so the reason names what the item is about.
_STOP = frozenset(
    "the of and to with for in on an by at from or be is this that as its it has have had was were"
    " are not no will would shall may can said says new all any their they we our he she which who"
    " vote voted votes city cities county town council board state calling call approve approved"
    " resolution ordinance motion item".split()
)


@dataclass(frozen=True)
class Reading:
    probability: float  # that the item bears on some promise
    words: tuple[str, ...]  # the terms that weighed most towards that
    promises: tuple[tuple[str, float, tuple[str, ...]], ...]  # (id, probability, words), best first

    @property
    def relevant(self) -> bool:
        return self.probability >= THRESHOLD

    @property
    def sure(self) -> bool:
        """Sure enough of the item and of its first promise to propose it as a candidate."""
        return (
            self.probability >= SURE and bool(self.promises) and self.promises[0][1] >= PROMISE_SURE
        )


class Model:
    """The trained weights; `read` scores one text."""

    def __init__(self, data: dict, fingerprint: str = ""):
        self.fingerprint = fingerprint  # the model file's SHA-256: cached scores are its own
        try:
            self._idf: dict[str, float] = data["idf"]
            self._relevant = (data["relevant"]["intercept"], data["relevant"]["weights"])
            self._promises = {
                cid: (m["intercept"], m["weights"]) for cid, m in data["promises"].items()
            }
        except (KeyError, TypeError, AttributeError) as e:
            raise CatalogError(f"not a relevance model (missing {e})") from e

    @staticmethod
    def _grams(text: str) -> Counter:
        tokens = _TOKEN.findall(text.lower())
        grams = Counter(tokens)
        grams.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
        return grams

    def probability(self, text: str) -> float:
        """The probability alone, in one pass (most items are routine: this is most of the
        work of a first match)."""
        idf, (intercept, weights) = self._idf, self._relevant
        squares = dot = 0.0
        for term, n in self._grams(text).items():
            if (i := idf.get(term)) is not None:
                v = (1.0 + math.log(n)) * i
                squares += v * v
                dot += v * weights.get(term, 0.0)
        z = intercept + (dot / math.sqrt(squares) if squares else 0.0)
        return round(1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0, 4)

    def _vector(self, text: str) -> dict[str, float]:
        grams = self._grams(text)
        idf = self._idf
        vector = {t: (1.0 + math.log(n)) * idf[t] for t, n in grams.items() if t in idf}
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {t: v / norm for t, v in vector.items()} if norm else {}

    @staticmethod
    def _score(vector: dict[str, float], intercept: float, weights: dict[str, float]):
        """(z, the weightiest words towards it) of one logistic model."""
        parts = {t: v * weights[t] for t, v in vector.items() if t in weights}
        shown = (t for t, p in parts.items() if p > 0 and not _STOP.issuperset(t.split()))
        top = sorted(shown, key=lambda t: -parts[t])[:WORDS]
        return intercept + sum(parts.values()), tuple(top)

    def read(self, text: str) -> Reading:
        """The probability that `text` bears on a promise, its weightiest words and the promises
        ranked (for an item that goes to the queue; `probability` decides that)."""
        vector = self._vector(text)
        z, words = self._score(vector, *self._relevant)
        probability = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
        scored = {cid: self._score(vector, *m) for cid, m in self._promises.items()}
        top = max((z for z, _ in scored.values()), default=0.0)
        exp = {cid: math.exp(z - top) for cid, (z, _) in scored.items()}  # one softmax
        total = sum(exp.values())
        ranked = sorted(
            ((cid, round(e / total, 4), scored[cid][1]) for cid, e in exp.items()),
            key=lambda r: -r[1],
        )
        return Reading(round(probability, 4), words, tuple(ranked))


@cache
def load(path: Path = MODEL_FILE) -> Model | None:
    """The shipped model (None when the file is absent: the queue then uses its words only)."""
    if not path.exists():
        return None
    raw = path.read_bytes()
    try:
        return Model(json.loads(raw.decode("utf-8")), hashlib.sha256(raw).hexdigest())
    except (ValueError, CatalogError) as e:
        raise CatalogError(f"{path}: {e}") from e
