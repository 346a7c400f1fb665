"""Train the unassigned queue's second look (data/relevance_model.json) on the labelled corpora.

The rules make candidates; an item no rule claims reaches an editor only through the unassigned
queue, and the queue's word test (tracker.topics.terms) misses relevant items that name no
immigration word ("FY24-25 Agreement with the Secure Families Collaborative", "Intergovernmental
Service Agreement Per diem (2006): $59.64"). This trains two kinds of logistic regression on TF-IDF
of words and word pairs (scikit-learn, a dev tool only): one for "does this item bear on any
promise?" over every labelled item (relevant against decoy and routine), and one softmax over the
promises, fitted on the relevant items, which ranks the promise an editor is offered first and,
when the model is sure of both, makes a candidate (tracker.relevance.SURE). It writes the
vocabulary, idf and weights as JSON, which tracker.relevance reads with plain Python at run time.

--evaluate scores the model out of sample first: for each holdout from 5 on, a model trained on
every other file, on the items that file's one-run rules proposed nothing for (JSON Lines from
`python run.py match-text` at that commit, --proposals), and prints how many reach the queue.
Usage: python bench/train_relevance.py [--out FILE] [--evaluate --proposals FILE.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match_quality import HOLDOUTS, PARTS, load_items, saved_proposals  # noqa: E402

from tracker.relevance import MODEL_FILE, THRESHOLD  # noqa: E402
from tracker.topics import terms  # noqa: E402

# Chosen on holdouts 5-12 by --evaluate (leave one file out): more features or a weaker
# regularisation found no more relevant items at the same number of decoys.
MAX_FEATURES = 5000
C = 4.0


def corpus_files() -> dict[str, list[dict]]:
    """Every labelled file except a clean holdout's: the model never sees what will score it."""
    return {
        path.stem: load_items(path)
        for name, paths in PARTS.items()
        if name not in HOLDOUTS
        for path in paths
    }


def fit(items: list[dict]):
    """The vectorizer, the relevance model and the promise model, fitted on `items`.

    The promise model is one multinomial logistic regression over the relevant items (an item
    labelled for two promises is a row for each), so its probabilities share one scale and
    "0.6 that it is this promise" means the same for every promise: the model candidate's test
    (tracker.relevance.PROMISE_SURE) needs that."""
    import numpy as np
    from scipy.sparse import vstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=MAX_FEATURES
    )
    x = vectorizer.fit_transform([i["text"] for i in items])
    relevant = np.array([i["label"] == "relevant" for i in items])
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(x, relevant)
    rows = [(r, cid) for r in np.nonzero(relevant)[0] for cid in items[r]["commitments"]]
    promises = LogisticRegression(C=C, max_iter=5000).fit(
        vstack([x[r] for r, _ in rows]), [cid for _, cid in rows]
    )
    return vectorizer, model, promises


def to_json(vectorizer, model, promises, items: list[dict]) -> dict:
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    idf = vectorizer.idf_

    def weights(coef):
        return {t: round(float(w), 5) for t, w in zip(vocabulary, coef, strict=True)}

    kinds = Counter(i["label"] for i in items)
    return {
        "about": "bench/train_relevance.py; tracker/relevance.py reads it",
        "trained_on": {"items": len(items), **dict(sorted(kinds.items()))},
        "idf": {t: round(float(v), 6) for t, v in zip(vocabulary, idf, strict=True)},
        "relevant": {
            "intercept": round(float(model.intercept_[0]), 6),
            "weights": weights(model.coef_[0]),
        },
        "promises": {  # one softmax over these
            str(cid): {
                "intercept": round(float(intercept), 6),
                "weights": weights(coef),
            }
            for cid, intercept, coef in zip(
                promises.classes_, promises.intercept_, promises.coef_, strict=True
            )
        },
    }


def evaluate(files: dict[str, list[dict]], proposals: list[Path]) -> None:
    """Out of sample: each held-out file scored by a model trained on all the other files."""
    from tests.places import COMMITMENTS_FILE
    from tracker.catalog import load_commitments
    from tracker.relevance import Model
    from tracker.topics import Screener, Suggester

    catalogue = load_commitments(COMMITMENTS_FILE)
    hints = Suggester(catalogue)

    saved = saved_proposals(proposals)
    counts = Counter()
    for stem, items in files.items():
        if stem == "match_corpus" or not any(i["id"] in saved for i in items):
            continue
        train = [i for s, its in files.items() if s != stem for i in its]
        model = Model(to_json(*fit(train), train))
        screener = Screener(catalogue, model)
        for item in items:
            if saved.get(item["id"], True):  # the rules proposed something (or no line)
                continue
            kind, wanted = item["label"], set(item["commitments"])
            counts[f"no candidate {kind}"] += 1
            by_words = bool(terms(item["text"]))
            reading = model.read(item["text"])
            if by_words:  # what the hints alone offered first
                hint = hints.suggest(item["text"])[:1]
                counts["hints right first"] += bool(hint and hint[0].commitment_id in wanted)
            for test, queued in (
                ("words", by_words),
                ("words or model", by_words or reading.relevant),
            ):
                if queued:
                    counts[f"{test} {kind}"] += 1
                    entry = screener.screen(item["text"])
                    first = entry.suggested[:1] if entry else []
                    counts[f"{test} right first"] += bool(
                        first and first[0].commitment_id in wanted
                    )
    print(
        "items with no candidate:",
        {k: counts[f"no candidate {k}"] for k in ("relevant", "decoy", "routine")},
    )
    for test in ("words", "words or model"):
        print(f"queued by {test:15}: relevant {counts[f'{test} relevant']} (the first promise "
              f"offered right for {counts[f'{test} right first']}), decoy "
              f"{counts[f'{test} decoy']}, routine {counts[f'{test} routine']}")  # fmt: skip
    print(f"(threshold {THRESHOLD}; for the items queued by words, the hints alone offered the "
          f"right promise first for {counts['hints right first']})")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--evaluate", action="store_true")
    parser.add_argument("--proposals", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    files = corpus_files()
    if args.evaluate:
        evaluate(files, args.proposals)
        return 0
    items = [i for its in files.values() for i in its]
    data = to_json(*fit(items), items)
    args.out.write_text(
        json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out} ({len(data['idf'])} terms, trained on {len(items)} items)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
