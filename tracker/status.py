"""Status of each commitment, derived from the append-only log of status events and evidence.

Nothing here edits or deletes an event: a correction is a newer event. The status on any date
is the latest event effective on or before it; "stalled" is derived from dates, never stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from .catalog import EDITOR_STATUSES, NEEDS_EVIDENCE, REASONS
from .db import utcnow
from .errors import StatusError

STALL_MONTHS = 12
LOCAL_TZ = ZoneInfo("America/Chicago")


def today() -> date:
    """Today's date in Birmingham."""
    return datetime.now(LOCAL_TZ).date()


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True)
class Standing:
    """Where a commitment stands on a date, and why."""

    commitment_id: str
    status: str
    since: date
    as_of: date
    event: dict | None  # the status event it rests on (None: nothing recorded yet)
    last_action: date  # latest recorded action (or the date of the promise)
    stalled: bool
    reason: str | None
    note: str | None
    note_es: str | None


def events(db: sqlite_utils.Database, commitment_id: str, as_of: date | None = None) -> list[dict]:
    """Status events of a commitment effective on or before `as_of`, oldest first."""
    sql = "select * from status_events where commitment_id = ?"
    params: list[object] = [commitment_id]
    if as_of is not None:
        sql += " and effective_date <= ?"
        params.append(as_of.isoformat())
    rows = list(db.query(sql + " order by effective_date, recorded_at, id", params))
    for row in rows:
        row["evidence_ids"] = json.loads(row["evidence_ids"] or "[]")
    return rows


def last_action(db: sqlite_utils.Database, commitment: dict, as_of: date) -> date:
    """The latest dated action on record: a status event or accepted for/against evidence."""
    row = next(
        db.query(
            """select max(d) as d from (
                 select effective_date as d from status_events
                   where commitment_id = :id and effective_date <= :as_of
                 union all
                 select date as d from evidence
                   where commitment_id = :id and review_state = 'accepted'
                     and stance in ('supports', 'contrary') and date <= :as_of
               )""",
            {"id": commitment["id"], "as_of": as_of.isoformat()},
        )
    )
    found = row["d"]
    made_on = date.fromisoformat(commitment["made_on"])
    return max(date.fromisoformat(found), made_on) if found else made_on


def standing(db: sqlite_utils.Database, commitment: dict, as_of: date | None = None) -> Standing:
    """Derive the status of one commitment (a row of `commitments`) on `as_of` (default today)."""
    as_of = as_of or today()
    log = events(db, commitment["id"], as_of)
    current = log[-1] if log else None
    status = current["status"] if current else "not-started"
    since = date.fromisoformat(current["effective_date"] if current else commitment["made_on"])
    acted = last_action(db, commitment, as_of)
    stalled = False
    if status in ("not-started", "in-progress"):
        stall_date = add_years(acted, STALL_MONTHS // 12)
        if stall_date <= as_of:
            status, since, stalled = "stalled", stall_date, True
    return Standing(
        commitment_id=commitment["id"],
        status=status,
        since=since,
        as_of=as_of,
        event=current,
        last_action=acted,
        stalled=stalled,
        reason=current["reason"] if current else None,
        note=current["note"] if current else None,
        note_es=current["note_es"] if current else None,
    )


def standings(db: sqlite_utils.Database, as_of: date | None = None) -> list[tuple[dict, Standing]]:
    """Every commitment, in catalogue order, with its standing."""
    rows = list(db.query("select * from commitments order by position"))
    return [(row, standing(db, row, as_of)) for row in rows]


def record_event(
    db: sqlite_utils.Database,
    commitment_id: str,
    status: str,
    effective_date: date,
    note: str,
    *,
    who: str,
    evidence_ids: list[int] = (),  # type: ignore[assignment]
    reason: str | None = None,
    note_es: str | None = None,
    curated_key: str | None = None,
) -> int:
    """Append a status event after checking the rules of the status scale; return its id."""
    if status not in EDITOR_STATUSES:
        raise StatusError(
            f"status {status!r} cannot be set by hand (one of: {', '.join(EDITOR_STATUSES)})"
        )
    if reason is not None and reason not in REASONS:
        raise StatusError(f"reason {reason!r} unknown (one of: {', '.join(REASONS)})")
    if not note.strip():
        raise StatusError("a status change needs a note that explains it")
    if status in NEEDS_EVIDENCE and not evidence_ids:
        raise StatusError(f"status {status} needs at least one piece of evidence")
    if not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    for eid in evidence_ids:
        if not db["evidence"].count_where("id = ? and commitment_id = ?", [eid, commitment_id]):
            raise StatusError(f"evidence {eid} does not belong to {commitment_id}")
    row = {
        "commitment_id": commitment_id,
        "status": status,
        "effective_date": effective_date.isoformat(),
        "reason": reason,
        "note": note,
        "note_es": note_es,
        "evidence_ids": json.dumps(list(evidence_ids)),
        "who": who,
        "recorded_at": utcnow(),
        "curated_key": curated_key,
    }
    return db["status_events"].insert(row).last_pk
