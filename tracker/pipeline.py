"""One update of the tracker: scrape (fetch, archive, process), then match what is new."""

from __future__ import annotations

from datetime import date

import sqlite_utils

from .config import Settings
from .evidence import match_run
from .runs import Run
from .scrape import scrape


def update(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    since: date | None = None,
    refresh: bool = False,
    upcoming_only: bool = False,
    progress: bool | None = None,
    job: str | None = None,
) -> tuple[Run, Run | None]:
    """Scrape, then re-match if any document is new or changed; return both runs."""
    run = scrape(
        db,
        settings,
        since=since,
        refresh=refresh,
        upcoming_only=upcoming_only,
        progress=progress,
        job=job,
    )
    matched = None
    if run.new_documents or run.changed_documents:
        matched = match_run(db)
    return run, matched
