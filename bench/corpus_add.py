"""Add newly gathered items to the second real corpus, each to its part by the hash of its URL.

The part is decided here, when an item is collected and before anyone runs the matcher on it:
holdout2 when the first hex digit of sha256(source_url) is below 8, tune2 otherwise. Items from
one address land together, so a document never leaks from one part into the other.
Usage: python bench/corpus_add.py NEW_ITEMS.yaml   (a YAML list in the format of README.md)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "real_corpus"
PARTS = ("tune2", "holdout2")


def part_of(url: str) -> str:
    """tune2 or holdout2, from the item's source URL alone."""
    return (
        "holdout2" if int(hashlib.sha256(url.encode("utf-8")).hexdigest()[0], 16) < 8 else "tune2"
    )


def _dump(items: list[dict]) -> str:
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100)


def main() -> int:
    new = yaml.safe_load(Path(sys.argv[1]).read_text(encoding="utf-8")) or []
    parts = {}
    for p in PARTS:
        path = CORPUS / f"{p}.yaml"
        parts[p] = (yaml.safe_load(path.read_text(encoding="utf-8")) or []) if path.exists() else []
    taken = {i["id"] for items in parts.values() for i in items}
    texts = {i["text"] for items in parts.values() for i in items}
    urls = set()  # a document of the first corpus stays out of the second, whatever the excerpt
    for old in ("tune", "holdout"):
        for i in yaml.safe_load((CORPUS / f"{old}.yaml").read_text(encoding="utf-8")):
            texts.add(i["text"])
            urls.add(i["source_url"])
    n = max((int(i[1:]) for i in taken), default=0)
    added = {p: 0 for p in PARTS}
    for item in new:
        if item["text"] in texts or item["source_url"] in urls:
            print(f"skipped (already in a corpus): {item['text'][:60]}")
            continue
        n += 1
        item = {"id": f"s{n:03d}", **{k: v for k, v in item.items() if k != "id"}}
        item.setdefault("labels", [])
        item.setdefault("note", "")
        parts[part_of(item["source_url"])].append(item)
        texts.add(item["text"])
        added[part_of(item["source_url"])] += 1
    for p in PARTS:
        (CORPUS / f"{p}.yaml").write_text(_dump(parts[p]), encoding="utf-8")
    print(", ".join(f"{p}: +{added[p]} ({len(parts[p])})" for p in PARTS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
