"""One update of the tracker: scrape (fetch, archive, process), then match what is new."""

from __future__ import annotations

import sqlite_utils

from .config import Settings
from .evidence import match_run
from .lock import exclusive
from .runs import Run
from .scrape import scrape


def update(
    db: sqlite_utils.Database, settings: Settings, **scrape_options
) -> tuple[Run, Run | None]:
    """Scrape (options as for `scrape`), then re-match if any document is new or changed.

    The whole update holds the pipeline lock: never two at once, even in two processes."""
    with pipeline_lock(settings):
        run = scrape(db, settings, **scrape_options)
        matched = None
        if run.new_documents or run.changed_documents:
            matched = match_run(db)
    return run, matched


def pipeline_lock(settings: Settings):
    """The lock every writer of scraped data takes: scrape, process, match."""
    return exclusive(settings.data_dir / "scrape.lock")
