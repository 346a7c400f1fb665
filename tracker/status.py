"""Status of each commitment, derived from the append-only log of status events and evidence.

Nothing here edits or deletes an event: a correction is a newer event. The status on any date
is the latest event effective on or before it; "stalled" is derived from dates, never stored,
and only for a promise that moved and then stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlite_utils

from .db import utcnow
from .errors import StatusError
from .vocab import EDITOR_STATUSES, NEEDS_EVIDENCE, Reason, Status

STALL_MONTHS = 12


def today(tz: tzinfo) -> date:
    """Today's date where the council sits (Settings.tz)."""
    return datetime.now(tz).date()


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
    moved: bool  # anything recorded beyond "not started": an event or for/against evidence
    stalled: bool
    reason: str | None
    note: str | None
    note_es: str | None


def known_by(day: date, tz: tzinfo) -> str:
    """The end of a local day as a UTC timestamp: what the tracker had recorded by then."""
    end = datetime.combine(day + timedelta(days=1), time.min, tz)
    return end.astimezone(UTC).isoformat(timespec="seconds")


# Rows the record held by a cutoff: curated history counts from its own dates (it is the
# baseline entered before the tracker ran); everything else from when it was recorded.
KNOWN_EVENT = "(curated_key is not null or :known is null or recorded_at < :known)"


def accepted_by(alias: str = "evidence") -> str:
    """SQL: the evidence row `alias` stood accepted at the cutoff :known (None: now).

    A review can be reversed later (accepted, then rejected): a past day's page shows the
    decision in force at the end of that day, read from the audit log, so that its permalink
    keeps saying what it said. Rows with no review logged by then count from `reviewed_at`,
    and evidence an editor added by hand was accepted when it was added."""
    a = alias
    return f"""(
      ((:known is null or {a}.kind = 'curated') and {a}.review_state = 'accepted')
      or (:known is not null and {a}.kind != 'curated' and coalesce(
            (select l.action from audit_log l where l.target = 'evidence:' || {a}.id
               and l.action like 'review:%' and l.at < :known
             order by l.at desc, l.id desc limit 1),
            case when {a}.reviewed_at < :known then 'review:' || {a}.review_state
                 when {a}.kind = 'manual' and {a}.created_at < :known then 'review:accepted'
            end
          ) = 'review:accepted'))"""


def events(
    db: sqlite_utils.Database,
    commitment_id: str,
    as_of: date | None = None,
    known: str | None = None,
) -> list[dict]:
    """Status events of a commitment effective on or before `as_of` and recorded before
    `known` (a cutoff from `known_by`; None: everything recorded so far), oldest first."""
    rows = list(
        db.query(
            f"""select * from status_events where commitment_id = :id
                and (:as_of is null or effective_date <= :as_of) and {KNOWN_EVENT}
                order by effective_date, recorded_at, id""",
            {"id": commitment_id, "as_of": as_of.isoformat() if as_of else None, "known": known},
        )
    )
    for row in rows:
        row["evidence_ids"] = json.loads(row["evidence_ids"] or "[]")
    return rows


def last_action(
    db: sqlite_utils.Database, commitment: dict, as_of: date, known: str | None = None
) -> date:
    """The latest dated action on record: a status event or accepted for/against evidence."""
    row = next(
        db.query(
            f"""select max(d) as d from (
                 select effective_date as d from status_events
                   where commitment_id = :id and effective_date <= :as_of and {KNOWN_EVENT}
                 union all
                 select date as d from evidence
                   where commitment_id = :id and {accepted_by()}
                     and stance in ('supports', 'contrary') and date <= :as_of
               )""",
            {"id": commitment["id"], "as_of": as_of.isoformat(), "known": known},
        )
    )
    found = row["d"]
    made_on = date.fromisoformat(commitment["made_on"])
    return max(date.fromisoformat(found), made_on) if found else made_on


def has_moved(
    db: sqlite_utils.Database, commitment_id: str, as_of: date, known: str | None = None
) -> bool:
    """Whether anything beyond "not started" was ever recorded: a status event that is not an
    editor's "not started", or accepted evidence for or against the promise."""
    row = next(
        db.query(
            f"""select exists(select 1 from status_events
                   where commitment_id = :id and effective_date <= :as_of
                     and status != 'not-started' and {KNOWN_EVENT})
                 or exists(select 1 from evidence
                   where commitment_id = :id and {accepted_by()}
                     and stance in ('supports', 'contrary') and date <= :as_of) as moved""",
            {"id": commitment_id, "as_of": as_of.isoformat(), "known": known},
        )
    )
    return bool(row["moved"])


def standing(
    db: sqlite_utils.Database,
    commitment: dict,
    as_of: date,
    known: str | None = None,
) -> Standing:
    """Derive the status of one commitment (a row of `commitments`) on `as_of`, from what was
    recorded before `known` (None: everything recorded so far)."""
    log = events(db, commitment["id"], as_of, known)
    current = log[-1] if log else None
    status = current["status"] if current else Status.NOT_STARTED
    since = date.fromisoformat(current["effective_date"] if current else commitment["made_on"])
    acted = last_action(db, commitment, as_of, known)
    moved = has_moved(db, commitment["id"], as_of, known)
    stalled = False
    # Stalled is for a promise that moved and then stopped: one on which nothing was ever
    # done is "not started" however old it is (its page says since when nothing happened).
    if status == Status.IN_PROGRESS or (status == Status.NOT_STARTED and moved):
        stall_date = add_years(acted, STALL_MONTHS // 12)
        if stall_date <= as_of:
            status, since, stalled = Status.STALLED, stall_date, True
    return Standing(
        commitment_id=commitment["id"],
        status=status,
        since=since,
        as_of=as_of,
        event=current,
        last_action=acted,
        moved=moved,
        stalled=stalled,
        reason=current["reason"] if current else None,
        note=current["note"] if current else None,
        note_es=current["note_es"] if current else None,
    )


def standings(
    db: sqlite_utils.Database, as_of: date, known: str | None = None
) -> list[tuple[dict, Standing]]:
    """Every commitment, in catalogue order, with its standing."""
    rows = list(db.query("select * from commitments order by position"))
    return [(row, standing(db, row, as_of, known)) for row in rows]


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
    if reason is not None and reason not in tuple(Reason):
        raise StatusError(f"reason {reason!r} unknown (one of: {', '.join(Reason)})")
    if not note.strip():
        raise StatusError("a status change needs a note that explains it")
    if status in NEEDS_EVIDENCE and not evidence_ids:
        raise StatusError(f"status {status} needs at least one piece of evidence")
    if not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    for eid in evidence_ids:
        rows = list(db.query("select * from evidence where id = ?", [eid]))
        if not rows or rows[0]["commitment_id"] != commitment_id:
            raise StatusError(f"evidence {eid} does not belong to {commitment_id}")
        if rows[0]["review_state"] != "accepted":
            raise StatusError(f"evidence {eid} is not accepted yet: review it first")
        if rows[0]["date"] and rows[0]["date"] > effective_date.isoformat():
            raise StatusError(
                f"evidence {eid} is dated {rows[0]['date']}, after {effective_date.isoformat()}"
            )
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
