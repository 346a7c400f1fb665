"""Add newly gathered items to a real corpus round, each to its part (by the hash of its URL).

The part is decided here, when an item is collected and before anyone runs the matcher on it:
holdout<N> when the first hex digit of sha256(source_url) is below 8, tune<N> otherwise (round 2:
tune2 / holdout2, ids s001...; round 3: tune3 / holdout3, ids t001...). Rounds 4 to 24 are all held
out: every item goes to holdout<N>, in gathering order, with ids from ID_PREFIX (u001... in round
4, v001... in round 5, and so on); there is no tune4 to tune24. Items from one address land
together, so a document never leaks from one part into the other. An item whose text or source
URL is already in an earlier round's corpus, or whose text is already in this round, is skipped.
Usage: python bench/corpus_add.py [--round N] NEW_ITEMS.yaml   (default round 2; format: README.md)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "real_corpus"
ID_PREFIX = {
    2: "s",
    3: "t",
    4: "u",
    5: "v",
    6: "w",
    7: "x",
    8: "y",
    9: "z",
    10: "q",
    11: "p",
    12: "k",
    13: "m",
    14: "n",
    15: "g",
    16: "h",
    17: "f",
    18: "j",
    19: "d",
    20: "e",
    21: "a",
    22: "b",
    23: "c",
    24: "i",
}
HOLDOUT_ONLY = set(range(4, 25))  # rounds with no tune part: nobody tunes on them


def parts(rnd: int) -> tuple[str, ...]:
    """The file stems of a round: (tuneN, holdoutN), round 1 is tune / holdout; (holdoutN,) for
    the rounds held out whole (4 to 24)."""
    suffix = "" if rnd == 1 else str(rnd)
    return (f"holdout{suffix}",) if rnd in HOLDOUT_ONLY else (f"tune{suffix}", f"holdout{suffix}")


def part_of(url: str, rnd: int = 2) -> str:
    """tune<N> or holdout<N>, from the item's source URL alone (always holdout in rounds 4-24)."""
    if rnd in HOLDOUT_ONLY:
        return parts(rnd)[0]
    tune, holdout = parts(rnd)
    return holdout if int(hashlib.sha256(url.encode("utf-8")).hexdigest()[0], 16) < 8 else tune


def _dump(items: list[dict]) -> str:
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100)


def _load(stem: str) -> list[dict]:
    path = CORPUS / f"{stem}.yaml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or []) if path.exists() else []


def main(argv: list[str]) -> int:
    rnd = 2
    if argv[:1] == ["--round"]:
        rnd, argv = int(argv[1]), argv[2:]
    new = yaml.safe_load(Path(argv[0]).read_text(encoding="utf-8")) or []
    current = {p: _load(p) for p in parts(rnd)}
    taken = {i["id"] for items in current.values() for i in items}
    texts = {i["text"] for items in current.values() for i in items}
    urls = set()  # a document of an earlier round stays out of this one, whatever the excerpt
    # (within the round, several excerpts of one address are allowed: they share a part)
    for old in range(1, rnd):
        for stem in parts(old):
            for i in _load(stem):
                texts.add(i["text"])
                urls.add(i["source_url"])
    n = max((int(i[1:]) for i in taken), default=0)
    added = {p: 0 for p in current}
    for item in new:
        if item["text"] in texts or item["source_url"] in urls:
            print(f"skipped (already in a corpus): {item['text'][:60]}")
            continue
        n += 1
        item = {"id": f"{ID_PREFIX[rnd]}{n:03d}", **{k: v for k, v in item.items() if k != "id"}}
        item.setdefault("labels", [])
        item.setdefault("note", "")
        part = part_of(item["source_url"], rnd)
        current[part].append(item)
        texts.add(item["text"])
        added[part] += 1
    for p, items in current.items():
        (CORPUS / f"{p}.yaml").write_text(_dump(items), encoding="utf-8")
    print(", ".join(f"{p}: +{added[p]} ({len(current[p])})" for p in current))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
