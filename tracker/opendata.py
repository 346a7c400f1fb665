"""The public record as pages of rows: what the JSON API serves, filtered by date and promise.

Each list has the same rows, in the same shape, as the open-data export (tracker/export.py), so
a CSV download, an export and the API never disagree about a field. Filters are optional and
combine: `since`/`until` are inclusive local dates, `commitment` a commitment id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from . import commitments as commitments_mod
from . import status as status_mod
from .export import (
    EVENT_COLUMNS,
    EVIDENCE_COLUMNS,
    event_record,
    evidence_record,
    item_record,
    meeting_records,
)
from .status import KNOWN_EVENT

# Evidence that ties a meeting or an item to a promise: a candidate the matcher proposed or a
# finding an editor accepted (a rejected candidate ties nothing).
LIVE_EVIDENCE = "e.review_state in ('candidate', 'accepted')"


@dataclass(frozen=True)
class Filters:
    """What a list may be narrowed to; None means no limit."""

    since: date | None = None
    until: date | None = None
    commitment: str | None = None
    meeting: str | None = None
    review_state: str | None = None
    as_of: date | None = None
    known: str | None = None  # the record as it stood by this UTC cutoff (status.known_by)

    def params(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "commitment": self.commitment,
            "meeting": self.meeting,
            "review_state": self.review_state,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "known": self.known,
        }


@dataclass
class Page:
    """One page of a list: its rows and how many there are in all."""

    rows: list[dict]
    total: int
    number: int
    size: int | None  # None: every row in one page
    extra: dict = field(default_factory=dict)

    @property
    def last(self) -> int:
        return 1 if not self.size else max(1, -(-self.total // self.size))


def _page(
    db: sqlite_utils.Database, sql: str, params: dict, number: int, size: int | None
) -> tuple[list[dict], int]:
    total = next(db.query(f"select count(*) n from ({sql})", params))["n"]
    limit = f" limit {int(size)} offset {int((number - 1) * size)}" if size else ""
    return list(db.query(sql + limit, params)), total


def commitment_list(
    db: sqlite_utils.Database, as_of: date, known: str | None, number: int, size: int | None
) -> Page:
    """Every promise with where it stands on `as_of`, in the catalogue's order."""
    rows = [
        commitment_record(row, standing) for row, standing in status_mod.standings(db, as_of, known)
    ]
    start = (number - 1) * size if size else 0
    chunk = rows[start : start + size] if size else rows
    return Page(chunk, len(rows), number, size)


def commitment_record(row: dict, standing: status_mod.Standing) -> dict:
    """A commitment as published, with its standing on a day."""
    return {
        "id": row["id"],
        "title_en": row["title_en"],
        "title_es": row["title_es"],
        "made_by": row["made_by"],
        "made_on": row["made_on"],
        "status": standing.status,
        "status_since": standing.since.isoformat(),
        "last_action": standing.last_action.isoformat(),
        "stalled": standing.stalled,
        "reason": standing.reason,
        "note": standing.note,
        "note_es": standing.note_es,
        "summary_en": row["summary_en"],
        "summary_es": row["summary_es"],
        "kept_when_en": row["kept_when_en"],
        "kept_when_es": row["kept_when_es"],
        "sources": json.loads(row["sources"] or "[]"),
    }


def commitment_detail(
    db: sqlite_utils.Database, commitment_id: str, as_of: date, known: str | None
) -> dict | None:
    """One promise on `as_of`: its standing, its status history (oldest first) and the
    evidence editors had accepted by then; None when there is no such promise."""
    row = commitments_mod.get(db, commitment_id)
    if row is None:
        return None
    standing = status_mod.standing(db, row, as_of, known)
    limit = as_of if known else None
    # events() and accepted_evidence() have already read their JSON lists
    history = [
        {k: event[k] for k in EVENT_COLUMNS.split(", ")}
        for event in status_mod.events(db, commitment_id, limit, known)
    ]
    evidence = [
        {k: ev[k] for k in EVIDENCE_COLUMNS.split(", ")}
        for ev in commitments_mod.accepted_evidence(db, commitment_id, limit, known)
    ]
    return {
        "commitment": commitment_record(row, standing),
        "history": history,
        "evidence": evidence,
    }


def status_events(db: sqlite_utils.Database, f: Filters, number: int, size: int | None) -> Page:
    """Status events, oldest first, by effective date."""
    sql = f"""select {EVENT_COLUMNS} from status_events
              where (:commitment is null or commitment_id = :commitment)
                and (:since is null or effective_date >= :since)
                and (:until is null or effective_date <= :until)
                and (:as_of is null or effective_date <= :as_of) and {KNOWN_EVENT}
              order by effective_date, recorded_at, id"""
    rows, total = _page(db, sql, f.params(), number, size)
    return Page([event_record(r) for r in rows], total, number, size)


def evidence(db: sqlite_utils.Database, f: Filters, number: int, size: int | None) -> Page:
    """Evidence of every review state (the export's rows), oldest first."""
    sql = f"""select {EVIDENCE_COLUMNS} from evidence
              where (:commitment is null or commitment_id = :commitment)
                and (:review_state is null or review_state = :review_state)
                and (:since is null or date >= :since)
                and (:until is null or date <= :until)
              order by date, id"""
    rows, total = _page(db, sql, f.params(), number, size)
    return Page([evidence_record(r) for r in rows], total, number, size)


def meetings(db: sqlite_utils.Database, f: Filters, number: int, size: int | None) -> Page:
    """Meetings, oldest first; with `commitment`, those with an item or a document that the
    matcher or an editor tied to it."""
    sql = f"""select m.* from meetings m
              where (:since is null or m.date >= :since)
                and (:until is null or m.date <= :until)
                and (:commitment is null or exists(
                    select 1 from evidence e left join items i on i.id = e.item_id
                    left join documents d on d.id = e.document_id
                    where e.commitment_id = :commitment and {LIVE_EVIDENCE}
                      and (i.meeting_id = m.id or d.meeting_id = m.id)))
              order by m.date, m.id"""
    rows, total = _page(db, sql, f.params(), number, size)
    return Page(meeting_records(db, rows), total, number, size)


def meeting(db: sqlite_utils.Database, meeting_id: str) -> dict | None:
    """One meeting with its documents, or None."""
    rows = list(db.query("select * from meetings where id = ?", [meeting_id]))
    return meeting_records(db, rows)[0] if rows else None


def items(db: sqlite_utils.Database, f: Filters, number: int, size: int | None) -> Page:
    """Agenda items of every document version, by meeting date; with `commitment`, the items
    tied to it."""
    sql = f"""select i.* from items i join meetings m on m.id = i.meeting_id
              join documents d on d.id = i.document_id
              where (:meeting is null or i.meeting_id = :meeting)
                and (:since is null or m.date >= :since)
                and (:until is null or m.date <= :until)
                and (:commitment is null or exists(
                    select 1 from evidence e where e.item_id = i.id
                    and e.commitment_id = :commitment and {LIVE_EVIDENCE}))
              order by m.date, i.meeting_id, d.version, i.number"""
    rows, total = _page(db, sql, f.params(), number, size)
    return Page([item_record(r) for r in rows], total, number, size)


def commitment_ids(db: sqlite_utils.Database) -> list[str]:
    return [r["id"] for r in db.query("select id from commitments order by position, id")]


def meeting_ids(db: sqlite_utils.Database) -> list[str]:
    return [r["id"] for r in db.query("select id from meetings order by date, id")]


def document_shas(db: sqlite_utils.Database) -> list[str]:
    return [r["sha256"] for r in db.query("select distinct sha256 from documents order by 1")]
