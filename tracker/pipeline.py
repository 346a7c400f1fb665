"""One update of the tracker: scrape (fetch, archive, process), then match what changed.

Each stage finishes what an earlier, killed or failed run left undone: documents never parsed
are processed (tracker.scrape), and matching runs whenever anything was parsed after the last
match that finished, not only when this scrape fetched something new.
"""

from __future__ import annotations

import sqlite_utils

from .config import Settings
from .evidence import match_run
from .lock import exclusive
from .runs import Run, last_run
from .scrape import scrape
from .vocab import Outcome, RunKind


def update(
    db: sqlite_utils.Database, settings: Settings, **scrape_options
) -> tuple[list[Run], Run | None]:
    """Scrape every source (options as for `scrape`), then re-match if anything is unmatched.

    The whole update holds the pipeline lock: never two at once, even in two processes."""
    with pipeline_lock(settings):
        runs = scrape(db, settings, **scrape_options)
        matched = match_run(db, settings) if match_due(db) else None
    return runs, matched


def match_due(db: sqlite_utils.Database) -> bool:
    """Whether a document was parsed after the last match run that finished (or never)."""
    done = last_run(db, RunKind.MATCH, (Outcome.OK,))
    newest = db.execute("select max(parsed_at) from documents").fetchone()[0]
    return newest is not None and (done is None or newest >= done["started_at"])


def pipeline_lock(settings: Settings):
    """The lock every writer of scraped data takes: scrape, process, match."""
    return exclusive(settings.data_dir / "scrape.lock")
