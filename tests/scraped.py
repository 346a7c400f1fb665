"""A scraped, matched and partly reviewed record of the fixture site, for the open-data doors
(API, downloads, bundles, mirror): built once per test module, copied per test."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from tests.places import COMMITMENTS_FILE, birmingham_at
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import match_all, review
from tracker.scrape import scrape
from tracker.status import record_event

LANGUAGE = "language-access"


def build(data: Path, httpserver) -> Path:
    """Scrape the fixture site into `data`, match, accept one language-access candidate and
    record a partial status on it; return the data dir."""
    from tests.granicus_site import fixture_site

    site = fixture_site(httpserver)
    cfg = Settings(
        data_dir=data,
        jurisdiction_file=birmingham_at(data.parent / "place", site.base_url),
        request_delay=0,
        request_timeout=5,
    )
    db = open_db(cfg.db_path)
    try:
        scrape(db, cfg, progress=False)
        match_all(db, COMMITMENTS_FILE)
        candidate = next(
            db.query(
                "select id, date from evidence where commitment_id = ? and kind = 'match' "
                "and document_sha256 is not null order by score desc limit 1",
                [LANGUAGE],
            )
        )
        review(db, candidate["id"], "accepted", who="Ana (editor)", note="Interpreters paid.")
        with db.conn:
            record_event(
                db,
                LANGUAGE,
                "partial",
                date.fromisoformat(candidate["date"]),
                "Council meetings interpreted; no citywide policy yet.",
                who="Ana (editor)",
                evidence_ids=[candidate["id"]],
            )
    finally:
        db.conn.close()
        httpserver.clear()
    return data


def copy_of(built: Path, tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(built, data)
    return Settings(data_dir=data, request_delay=0, secret_key="test", scheduler=False)
