"""What the editors' desk reads and writes beyond evidence.review / status.record_event: the
queue's filters and context, bulk rejection, status proposals, retractions and the audit log.

All of it goes through the same record functions the command line uses, so the CLI and the
desk leave the same trail in `audit_log` (published, with display names only).
"""

from __future__ import annotations

import json
from datetime import date

import sqlite_utils

from . import evidence as evidence_mod
from .db import utcnow
from .errors import StatusError
from .evidence import review_queue
from .status import record_event, today
from .vocab import NEEDS_EVIDENCE, ReviewState, Stance


class _DryRun(Exception):
    """Raised to roll back a check-only record_event."""


QUEUE_LIMIT = 1000  # candidates read for one page of the desk; the queue is rarely larger


def queue(
    db: sqlite_utils.Database,
    *,
    commitment_id: str | None = None,
    meeting_id: str | None = None,
    stance: str | None = None,
    day: date | None = None,
) -> tuple[list[dict], int]:
    """Pending candidates, best first (evidence.review_queue), narrowed by meeting and stance,
    each with its meeting and agenda item (for the outcome as of `day`: a meeting whose day has
    passed is not "on the agenda", whatever the source still says); and how many are pending."""
    rows, total = review_queue(db, commitment_id=commitment_id, limit=QUEUE_LIMIT)
    doc_ids = sorted({r["document_id"] for r in rows if r.get("document_id")})
    meetings: dict[int, str | None] = {}
    if doc_ids:
        marks = ",".join("?" * len(doc_ids))
        meetings = {
            r["id"]: r["meeting_id"]
            for r in db.query(
                f"select id, meeting_id from documents where id in ({marks})", doc_ids
            )
        }
    out = []
    for row in rows:
        row = dict(row)
        row["meeting_id"] = meetings.get(row.get("document_id"))
        if meeting_id and row["meeting_id"] != meeting_id:
            continue
        if stance and row.get("stance") != stance:
            continue
        try:
            row["why_parsed"] = json.loads(row.get("why") or "{}")
        except ValueError:
            row["why_parsed"] = {}
        row["outcome"] = _outcome(db, row, day)
        out.append(row)
    return out, total


def _outcome(db: sqlite_utils.Database, row: dict, day: date | None) -> tuple[str, bool] | None:
    if not row.get("item_id") or not row.get("meeting_id"):
        return None
    items = list(db.query("select * from items where id = ?", [row["item_id"]]))
    meetings = list(db.query("select * from meetings where id = ?", [row["meeting_id"]]))
    return evidence_mod.stage(items[0] if items else None, meetings[0] if meetings else None, day)


def queue_meetings(db: sqlite_utils.Database) -> list[dict]:
    """Meetings that have pending candidates, newest first (the queue's meeting filter)."""
    return list(
        db.query(
            """select distinct m.id, m.date, m.title from evidence e
               join documents d on d.id = e.document_id join meetings m on m.id = d.meeting_id
               where e.review_state = 'candidate' order by m.date desc"""
        )
    )


def commitment_choices(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("select id, title_en, title_es from commitments order by position"))


def reject_many(db: sqlite_utils.Database, evidence_ids: list[int], *, who: str, note: str) -> int:
    """Reject several pending candidates with one note (obvious noise); reviewed ones are left."""
    done = 0
    for eid in evidence_ids:
        if evidence_mod.get(db, eid)["review_state"] != ReviewState.CANDIDATE:
            continue
        evidence_mod.review(db, eid, ReviewState.REJECTED, who=who, note=note)
        done += 1
    return done


def audit(db: sqlite_utils.Database, action: str, target: str, who: str, detail: dict) -> None:
    db["audit_log"].insert(
        {
            "at": utcnow(),
            "who": who,
            "action": action,
            "target": target,
            "detail": json.dumps(detail),
        }
    )


# --- status changes -------------------------------------------------------------------------


def _check_status(
    db: sqlite_utils.Database, status: str, day: date, evidence_ids: list[int], tz
) -> None:
    if day > today(tz):
        raise StatusError(f"{day.isoformat()} is in the future: a status cannot be dated ahead")
    if status in NEEDS_EVIDENCE and not evidence_ids:
        raise StatusError(f"status {status} needs at least one piece of evidence")


def propose_status(
    db: sqlite_utils.Database,
    tz,
    *,
    commitment_id: str,
    status: str,
    day: date,
    note: str,
    who: str,
    evidence_ids: list[int],
    reason: str | None = None,
    note_es: str | None = None,
) -> int:
    """A status change waiting for a second editor (TRACKER_TWO_EDITOR_RULE=on). Checked now by
    the same rules as a published event, so the approval cannot fail on them later."""
    _check_status(db, status, day, evidence_ids, tz)
    try:  # record_event's own checks, in a transaction that is then rolled back
        with db.atomic():
            record_event(
                db, commitment_id, status, day, note, who=who,
                evidence_ids=evidence_ids, reason=reason, note_es=note_es,
            )  # fmt: skip
            raise _DryRun
    except _DryRun:
        pass
    with db.atomic():
        pid = (
            db["status_proposals"]
            .insert(
                {
                    "commitment_id": commitment_id,
                    "status": status,
                    "effective_date": day.isoformat(),
                    "reason": reason,
                    "note": note,
                    "note_es": note_es,
                    "evidence_ids": json.dumps(evidence_ids),
                    "proposed_by": who,
                    "proposed_at": utcnow(),
                    "state": "pending",
                }
            )
            .last_pk
        )
        audit(db, "status:propose", f"proposal:{pid}", who, {"commitment": commitment_id,
              "status": status, "date": day.isoformat(), "note": note})  # fmt: skip
    return pid


def publish_status(
    db: sqlite_utils.Database,
    tz,
    *,
    commitment_id: str,
    status: str,
    day: date,
    note: str,
    who: str,
    evidence_ids: list[int],
    reason: str | None = None,
    note_es: str | None = None,
) -> int:
    """Publish a status event at once (the two-editor rule is off), audited."""
    _check_status(db, status, day, evidence_ids, tz)
    with db.atomic():
        event_id = record_event(
            db, commitment_id, status, day, note, who=who,
            evidence_ids=evidence_ids, reason=reason, note_es=note_es,
        )  # fmt: skip
        audit(db, "status:publish", f"status_event:{event_id}", who,
              {"commitment": commitment_id, "status": status, "date": day.isoformat(),
               "note": note})  # fmt: skip
    return event_id


def pending_proposals(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("select * from status_proposals where state = 'pending' order by id"))


def approve_proposal(db: sqlite_utils.Database, tz, proposal_id: int, *, who: str) -> int:
    """A second editor publishes a proposal; the one who proposed it cannot."""
    rows = list(db.query("select * from status_proposals where id = ?", [proposal_id]))
    if not rows or rows[0]["state"] != "pending":
        raise StatusError(f"no pending proposal {proposal_id}")
    p = rows[0]
    if p["proposed_by"] == who:
        raise StatusError("the two-editor rule: another editor must approve your proposal")
    evidence_ids = json.loads(p["evidence_ids"] or "[]")
    day = date.fromisoformat(p["effective_date"])
    _check_status(db, p["status"], day, evidence_ids, tz)
    with db.atomic():
        event_id = record_event(
            db, p["commitment_id"], p["status"], day, p["note"],
            who=f"{p['proposed_by']}, approved by {who}", evidence_ids=evidence_ids,
            reason=p["reason"], note_es=p["note_es"],
        )  # fmt: skip
        db["status_proposals"].update(
            proposal_id,
            {
                "state": "approved",
                "decided_by": who,
                "decided_at": utcnow(),
                "event_id": event_id,
            },  # fmt: skip
        )
        audit(db, "status:approve", f"status_event:{event_id}", who,
              {"proposal": proposal_id, "commitment": p["commitment_id"], "status": p["status"],
               "date": p["effective_date"]})  # fmt: skip
    return event_id


def retract_event(
    db: sqlite_utils.Database, event_id: int, *, who: str, note: str, note_es: str | None = None
) -> int:
    """Take back a wrong status event: a newer event restores what was in effect before it,
    dated the same day, with a correction note (the wrong one stays on record and on
    /corrections). Returns the correcting event's id."""
    if not note.strip():
        raise StatusError("a retraction needs a correction note that says what was wrong")
    rows = list(db.query("select * from status_events where id = ?", [event_id]))
    if not rows:
        raise StatusError(f"no status event {event_id}")
    wrong = rows[0]
    if db["status_events"].count_where("retracts = ?", [event_id]):
        raise StatusError(f"status event {event_id} is retracted already")
    before = list(
        db.query(
            """select * from status_events where commitment_id = ? and id != ?
               and effective_date <= ? and id not in
                 (select retracts from status_events where retracts is not null)
               and (retracts is null) order by effective_date desc, id desc limit 1""",
            [wrong["commitment_id"], event_id, wrong["effective_date"]],
        )
    )
    status = before[0]["status"] if before else "not-started"
    evidence_ids = json.loads(before[0]["evidence_ids"] or "[]") if before else []
    text = note if note.lower().startswith("correction") else f"Correction: {note}"
    with db.atomic():
        new_id = (
            db["status_events"]
            .insert(
                {
                    "commitment_id": wrong["commitment_id"],
                    "status": status,
                    "effective_date": wrong["effective_date"],
                    "reason": before[0]["reason"] if before else None,
                    "note": text,
                    "note_es": note_es,
                    "evidence_ids": json.dumps(evidence_ids),
                    "who": who,
                    "recorded_at": utcnow(),
                    "retracts": event_id,
                }
            )
            .last_pk
        )
        audit(db, "status:retract", f"status_event:{event_id}", who,
              {"correction": new_id, "note": text})  # fmt: skip
    return new_id


def recent_events(db: sqlite_utils.Database, limit: int = 30) -> list[dict]:
    return list(
        db.query(
            """select s.*, c.title_en, c.title_es,
                 (select count(*) from status_events r where r.retracts = s.id) as retracted
               from status_events s join commitments c on c.id = s.commitment_id
               where s.curated_key is null order by s.id desc limit ?""",
            [limit],
        )
    )


# --- the public audit log -------------------------------------------------------------------

PUBLIC_ACTIONS = ("review:", "status:", "evidence:", "tip:")


def audit_log(db: sqlite_utils.Database, limit: int = 200, offset: int = 0) -> list[dict]:
    """Every review, status event, retraction and tip decision, newest first. `who` is a
    display name (or a role) by construction: the desk never writes a login name here."""
    rows = list(
        db.query(
            """select * from audit_log where action like 'review:%' or action like 'status:%'
               or action like 'evidence:%' or action like 'tip:%'
               order by id desc limit ? offset ?""",
            [limit, offset],
        )
    )
    for row in rows:
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            detail = {}
        row["detail_parsed"] = detail if isinstance(detail, dict) else {}
    return rows


STANCES = tuple(Stance)
