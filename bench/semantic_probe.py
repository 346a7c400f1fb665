"""Probe: would a static embedding model (wordllama) find the relevant items the rules miss?

Issue 10 allows a semantic signal if it measurably raises out-of-sample recall without costing
precision. This probe measures one: for an item no rule claims but that speaks of immigration
(tracker.topics.terms, the unassigned queue's test), find its nearest labelled item by cosine
similarity of wordllama's 256-dimension embeddings (the weights ship inside its wheel), and
propose the first promise that neighbour is labelled with, when the neighbour is relevant and at
least THRESHOLD similar. Without the immigration-word gate the neighbours of routine and decoy
items are too close (measured: more than three wrong items per right one), so the gate stays.

Exemplars are never the items scored: without --proposals every corpus file is scored with the
current rules and exemplars from the other files; with --proposals (JSON Lines written by
`python run.py match-text` at any commit, e.g. the one where a holdout was run once) the items
those lines name are scored with the saved proposals, and exemplars are the files holding none
of them. It prints, per threshold, the figures of bench/match_quality.py with and without the
layer. Needs `pip install wordllama==0.4.0.post1` (in requirements-dev.txt); nothing at run time
uses it.
Usage: python bench/semantic_probe.py [--proposals FILE.jsonl ...]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match_quality import PARTS, _prf, load_items, saved_proposals  # noqa: E402

from tests.places import COMMITMENTS_FILE  # noqa: E402
from tracker.catalog import load_commitments  # noqa: E402
from tracker.matching import Matcher  # noqa: E402
from tracker.topics import terms  # noqa: E402

THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7)


def load_model():
    """wordllama's default model from the files inside its wheel, never from the network (0.4
    looks for the tokenizer in a folder the wheel does not use, so point its cache there)."""
    import wordllama

    return wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )


def score(items, proposed, extra) -> Counter:
    """Item and pair counts for rule proposals `proposed[id]` plus the layer's `extra[id]`."""
    c = Counter()
    for item in items:
        rules, added = set(proposed[item["id"]]), extra.get(item["id"], set())
        got = rules | added
        want = set(item["commitments"]) if item["label"] == "relevant" else set()
        c["relevant"] += bool(want)
        c["found"] += bool(want & got)
        c["proposing"] += bool(got)
        c["decoys"] += item["label"] == "decoy" and bool(got)
        c["tp"] += len(want & got)
        c["fp"] += len(got - want)
        c["fn"] += len(want - got)
        c["added"] += bool(added)
        c["added right"] += bool(added & want)
    return c


def line(name: str, c: Counter) -> str:
    pair_p, pair_r, _ = _prf(c["tp"], c["fp"], c["fn"])
    return (
        f"{name:16} item P {c['found'] / max(1, c['proposing']):.3f} "
        f"R {c['found'] / max(1, c['relevant']):.3f} | pair P {pair_p:.3f} "
        f"R {pair_r:.3f} | decoys {c['decoys']}/{c['proposing']} | "
        f"items added {c['added']}, right {c['added right']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    try:
        model = load_model()
    except ImportError:
        print("wordllama is not installed: pip install -r requirements-dev.txt")
        return 1
    files = {path.stem: load_items(path) for paths in PARTS.values() for path in paths}
    saved = saved_proposals(args.proposals)
    if saved:  # real-corpus ids are unique across its files (match_corpus.yaml reuses r001...)
        held = {s for s, items in files.items() if s != "match_corpus" and
                {i["id"] for i in items} & saved.keys()}  # fmt: skip
        scored = [i for s in held for i in files[s] if i["id"] in saved]
        rounds = [(scored, saved, [s for s in files if s not in held])]
    else:
        matcher = Matcher(load_commitments(COMMITMENTS_FILE))
        rounds = []
        for stem, items in files.items():
            proposed = {i["id"]: [c.commitment_id for c in matcher.match(i["text"])] for i in items}
            rounds.append((items, proposed, [s for s in files if s != stem]))
    totals = {th: Counter() for th in (None, *THRESHOLDS)}
    for items, proposed, exemplar_files in rounds:
        exemplars = [i for s in exemplar_files for i in files[s]]
        vectors = model.embed([i["text"] for i in exemplars], norm=True)
        queued = [i for i in items if not proposed[i["id"]] and terms(i["text"])]
        nearest = {}
        if queued:
            sims = model.embed([i["text"] for i in queued], norm=True) @ vectors.T
            for item, row in zip(queued, sims, strict=True):
                best = int(row.argmax())
                nearest[item["id"]] = (float(row[best]), exemplars[best])
        for th in totals:
            extra = {
                ident: {ex["commitments"][0]}
                for ident, (sim, ex) in nearest.items()
                if th is not None and sim >= th and ex["label"] == "relevant"
            }
            totals[th] += score(items, proposed, extra)
    print(f"scored {totals[None]['relevant']} relevant items "
          f"({'saved proposals' if saved else 'current rules, leave one file out'})")  # fmt: skip
    for th, c in totals.items():
        print(line("rules only" if th is None else f"+ layer >= {th}", c))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
