"""Benchmark: a full `python run.py match` over a database of 100,000 agenda items.

Builds a database (one meeting and agenda per 100 items) filled with bench/match_speed.py's
generated items, then times match_all twice: the first pass stores candidates, the second is
the idempotent re-match of an unchanged database. Target: a full re-match in under 5 s.
Usage: python bench/rematch_bench.py [--items 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match_speed import make_items  # noqa: E402

from tests.places import COMMITMENTS_FILE, CURATED_FILE  # noqa: E402
from tracker.catalog import sync  # noqa: E402
from tracker.db import open_db, utcnow  # noqa: E402
from tracker.evidence import match_all  # noqa: E402

PER_MEETING = 100


def build(db, texts: list[str]) -> None:
    sync(db, COMMITMENTS_FILE, CURATED_FILE)
    db["sources"].insert({"id": "granicus", "name": "Granicus", "base_url": "x", "kind": "g"})
    now = utcnow()
    meetings, documents, items = [], [], []
    for m in range(len(texts) // PER_MEETING):
        day = date(2000, 1, 4) + timedelta(weeks=m)
        mid = f"{day}-regular-city-council-meeting"
        meetings.append(
            {
                "id": mid,
                "source_id": "granicus",
                "title": "Regular City Council Meeting",
                "body": "City Council",
                "date": day.isoformat(),
                "status": "passed",
                "hidden": 0,
            }
        )
        documents.append(
            {
                "id": m + 1,
                "meeting_id": mid,
                "kind": "agenda",
                "url": f"u{m}",
                "final_url": f"u{m}",
                "sha256": f"{m:064x}",
                "version": 1,
                "fetched_at": now,
                "extract_status": "ok",
                "parsed_at": now,
            }
        )
        for n in range(PER_MEETING):
            items.append(
                {
                    "meeting_id": mid,
                    "document_id": m + 1,
                    "number": n + 1,
                    "marker": "CONSENT ITEM",
                    "text": texts[m * PER_MEETING + n],
                    "page": 1 + n // 3,
                }
            )
    with db.conn:
        db["meetings"].insert_all(meetings)
        db["documents"].insert_all(documents)
        db["items"].insert_all(items, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        build(db, make_items(args.items, seed=1))
        print(
            f"built {db['items'].count:,} items in {db['meetings'].count:,} meetings "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        for label in ("first match", "full re-match"):
            t0 = time.perf_counter()
            report = match_all(db, COMMITMENTS_FILE)
            seconds = time.perf_counter() - t0
            print(
                f"{label:14s} {seconds:6.2f} s  proposed {report.proposed:,}  new {report.new:,}"
                f"  re-scored {report.updated:,}  dropped {report.dropped:,}  "
                f"({'under' if seconds < 5 else 'OVER'} the 5 s target)"
            )


if __name__ == "__main__":
    main()
