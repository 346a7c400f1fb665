"""The record of every run (scrape, process, match, scheduled job): the one writer of scrape_runs.

A run row is written when the run starts, so a process killed mid-run leaves a row with no
finish time: visible as interrupted, never mistaken for a success.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import sqlite_utils

from .db import utcnow
from .vocab import Outcome

OUTCOMES = tuple(Outcome)


@dataclass
class Run:
    """Counters of a run in progress; `finish` writes them."""

    db: sqlite_utils.Database
    kind: str
    source_id: str | None = None
    job: str | None = None
    id: int = 0
    requests: int = 0
    bytes: int = 0
    meetings_seen: int = 0
    new_documents: int = 0
    changed_documents: int = 0
    errors: list[dict] = field(default_factory=list)
    message: str = ""
    outcome: str = ""

    def __post_init__(self) -> None:
        self.id = (
            self.db["scrape_runs"]
            .insert(
                {
                    "source_id": self.source_id,
                    "kind": self.kind,
                    "job": self.job,
                    "pid": os.getpid(),
                    "started_at": utcnow(),
                }
            )
            .last_pk
        )

    def error(self, url: str | None, reason: str) -> None:
        self.errors.append({"url": url, "reason": reason})

    def finish(self, *, failed: str | None = None) -> Run:
        """Close the run: failed (with why), partial (some errors) or ok."""
        if failed:
            self.outcome, self.message = Outcome.FAILED, failed
        elif self.errors:
            self.outcome = Outcome.PARTIAL
            self.message = self.message or f"{len(self.errors)} error(s)"
        else:
            self.outcome = Outcome.OK
        self.db["scrape_runs"].update(
            self.id,
            {
                "finished_at": utcnow(),
                "ok": int(self.outcome == Outcome.OK),
                "outcome": self.outcome,
                "requests": self.requests,
                "bytes": self.bytes,
                "meetings_seen": self.meetings_seen,
                "new_documents": self.new_documents,
                "changed_documents": self.changed_documents,
                "errors": json.dumps(self.errors),
                "message": self.message,
            },
        )
        return self


def state(row: dict) -> str:
    """ok / partial / failed once finished; running while its process lives; else interrupted."""
    if row["outcome"]:
        return row["outcome"]
    try:
        os.kill(row["pid"], 0)
    except (TypeError, ProcessLookupError):
        return "interrupted"
    except PermissionError:  # alive, but another user's process
        return "running"
    return "running"


def unfinished(db: sqlite_utils.Database, kind: str = "scrape") -> tuple[dict | None, dict | None]:
    """The newest run still running, and the newest run that was interrupted (killed)."""
    running = interrupted = None
    for row in db.query(
        "select * from scrape_runs where kind = ? and finished_at is null order by id desc",
        [kind],
    ):
        if state(row) == "running":
            running = running or row
        else:
            interrupted = interrupted or row
    return running, interrupted


def last_run(
    db: sqlite_utils.Database,
    kind: str,
    outcomes: tuple[str, ...] = OUTCOMES,
    source_id: str | None = None,
):
    """The newest finished run of a kind (of one source) with one of the outcomes, or None."""
    marks = ",".join("?" * len(outcomes))
    rows = list(
        db.query(
            f"""select * from scrape_runs where kind = ? and outcome in ({marks})
                and (? is null or source_id = ?)
                order by started_at desc, id desc limit 1""",
            [kind, *outcomes, source_id, source_id],
        )
    )
    return rows[0] if rows else None


def left_unfinished_since(db: sqlite_utils.Database, kind: str) -> str | None:
    """When the oldest run of a kind killed since the last one that finished began, or None:
    what such a run did after that time, the next run of the kind must finish."""
    rows = db.query(
        """select * from scrape_runs
           where kind = ? and finished_at is null
             and started_at > coalesce(
                 (select max(started_at) from scrape_runs
                  where kind = ? and finished_at is not null), '')
           order by started_at""",
        [kind, kind],
    )
    return next((row["started_at"] for row in rows if state(row) == "interrupted"), None)
