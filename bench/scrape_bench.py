"""Backfill a generated local Granicus site of 300+ meetings, then re-scrape it unchanged.

Prints wall time, requests and bytes of each pass. Target: the unchanged re-scrape makes at most
5 requests besides robots.txt and the listing, and downloads 0 document bytes.
Usage: python bench/scrape_bench.py [--meetings N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pytest_httpserver import HTTPServer  # noqa: E402

from tests.granicus_site import GranicusSite, Meeting, listing_html  # noqa: E402
from tests.places import birmingham_at  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.db import open_db  # noqa: E402
from tracker.scrape import scrape  # noqa: E402


def build_meetings(n: int) -> list[Meeting]:
    start = date(2019, 1, 8)
    meetings = []
    for i in range(n):
        day = start + timedelta(weeks=i)
        upcoming = i >= n - 2  # the last two are upcoming, known by event id
        meetings.append(
            Meeting(
                day=day,
                clip_id=None if upcoming else 1000 + i,
                event_id=5000 + i if upcoming else None,
                minutes=not upcoming and i < n - 12,  # minutes lag about three months
            )
        )
    return meetings


def quiet() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def main() -> None:
    quiet()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=320)
    args = parser.parse_args()
    meetings = build_meetings(args.meetings)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        site = GranicusSite(server, listing_html(meetings))
        t0 = time.perf_counter()
        for m in meetings:
            site.add_meeting(m)
        print(
            f"generated {len(site.documents)} PDFs for {len(meetings)} meetings "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        with tempfile.TemporaryDirectory() as tmp:
            place = birmingham_at(Path(tmp) / "place", site.base_url)
            settings = Settings(data_dir=Path(tmp), jurisdiction_file=place, request_delay=0)
            db = open_db(settings.db_path)
            for label in ("backfill", "unchanged re-scrape"):
                before = len(site.log)
                t0 = time.perf_counter()
                (run,) = scrape(db, settings, progress=False)
                wall = time.perf_counter() - t0
                entries = site.log[before:]
                other = [
                    e for e in entries if not e[0].startswith(("/robots.txt", "/ViewPublisher.php"))
                ]
                doc_bytes = sum(e[2] for e in entries if e[0].startswith("/files/"))
                print(
                    f"{label:20s} {run.outcome:8s} wall {wall:6.2f} s  requests {len(entries):4d}"
                    f" (besides robots+listing: {len(other)})  document bytes {doc_bytes:,}"
                    f"  new docs {run.new_documents}  meetings {run.meetings_seen}"
                )
            items = db["items"].count
            pages = db["pages"].count
            print(
                f"stored: {db['meetings'].count} meetings, {db['documents'].count} documents, "
                f"{pages} pages, {items} items"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
