"""The fixture site's next meeting, scraped and matched on a given day before its vote: what
the feeds, calendars and alerts tell people about."""

from __future__ import annotations

from datetime import datetime

import time_machine

from tests.places import COMMITMENTS_FILE
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import match_all
from tracker.scrape import scrape
from tracker.web import create_app

MEETING = "2026-05-19-regular-city-council-meeting"


def scraped_on(cfg: Settings, day: datetime):
    """(app, db) after a scrape and a match on `day`; the caller closes db."""
    with time_machine.travel(day):
        app = create_app({"SETTINGS": cfg, "TESTING": True})
        db = open_db(cfg.db_path)
        scrape(db, cfg, progress=False)
        match_all(db, COMMITMENTS_FILE)
    return app, db
