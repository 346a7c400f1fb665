"""A commitment's page in the record: the evidence accepted for it by a day, and what the
matcher suggests that no editor has checked yet."""

from __future__ import annotations

import json
from datetime import date

import sqlite_utils
from sqlite_utils.db import NotFoundError

from .evidence import PUBLIC_CANDIDATE, agenda_only, stage
from .meetings import minutes_read, outcome_sources
from .status import accepted_by

SUGGESTIONS_SHOWN = 50


def get(db: sqlite_utils.Database, commitment_id: str) -> dict | None:
    try:
        return db["commitments"].get(commitment_id)
    except NotFoundError:
        return None


def accepted_evidence(
    db: sqlite_utils.Database,
    commitment_id: str,
    as_of: date | None,
    known: str | None,
    today: date | None = None,
) -> list[dict]:
    """Evidence editors accepted, dated by `as_of` and recorded by `known` (None: all)."""
    rows = list(
        db.query(
            f"""select * from evidence where commitment_id = :id and {accepted_by()}
                and (:as_of is null or date is null or date <= :as_of)
                order by date desc, id desc""",
            {"id": commitment_id, "as_of": as_of.isoformat() if as_of else None, "known": known},
        )
    )
    return _with_provenance(db, rows, today, known)


def suggestions(
    db: sqlite_utils.Database, commitment_id: str, today: date | None = None
) -> list[dict]:
    """The matcher's candidates no editor has reviewed yet and confident enough to show the
    public (as suggestions), newest first."""
    rows = list(
        db.query(
            f"""select * from evidence e where commitment_id = ? and review_state = 'candidate'
               and {PUBLIC_CANDIDATE} order by date desc, score desc limit ?""",
            [commitment_id, SUGGESTIONS_SHOWN],
        )
    )
    return _with_provenance(db, rows, today)


def _with_provenance(
    db: sqlite_utils.Database,
    rows: list[dict],
    today: date | None = None,
    known: str | None = None,
) -> list[dict]:
    """Each row with its source URLs as a list, and when it is an item its meeting, its stage
    and the minutes page its outcome comes from; with `known`, as known at that cutoff (an
    outcome from minutes fetched later is not shown on an earlier day's page)."""
    sources = outcome_sources(db, [ev["item_id"] for ev in rows if ev["item_id"]], known)
    for ev in rows:
        ev["source_urls"] = json.loads(ev["source_urls"] or "[]") or (
            [ev["source_url"]] if ev["source_url"] else []
        )
        if ev["item_id"]:
            item = db["items"].get(ev["item_id"])
            ev["meeting"] = db["meetings"].get(item["meeting_id"])
            ev["meeting"]["minutes_read"] = minutes_read(db, item["meeting_id"], known)
            if known and not ev["meeting"]["minutes_read"]:
                item = agenda_only(item)
            ev["stage"] = stage(item, ev["meeting"], today)
            ev["outcome_source"] = sources.get(ev["item_id"])
    return rows
