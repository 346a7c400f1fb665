"""Queries behind the overview: what is on the next agendas, and what changed lately."""

from __future__ import annotations

from datetime import date

import sqlite_utils

from ..db import CURRENT_DOCUMENT
from ..evidence import stage
from ..status import KNOWN_EVENT, KNOWN_EVIDENCE
from .filters import meeting_place


def upcoming(db: sqlite_utils.Database, today: date, limit: int = 3) -> list[dict]:
    """The next meetings, each with its current agenda items matched to a commitment."""
    meetings = list(
        db.query(
            """select * from meetings where date >= ? and hidden = 0
               and status in ('tentative', 'confirmed', 'cancelled')
               order by date, time limit ?""",
            [today.isoformat(), limit],
        )
    )
    for meeting in meetings:
        rows = list(
            db.query(
                f"""select i.id as item_id, i.number, i.text, i.marker, i.outcome,
                          i.outcome_provisional, e.id as evidence_id, e.commitment_id,
                          e.stance, e.review_state, c.title_en, c.title_es
                   from items i
                   join documents d on d.id = i.document_id
                   join evidence e on e.item_id = i.id and e.review_state != 'rejected'
                   join commitments c on c.id = e.commitment_id
                   where i.meeting_id = ? and {CURRENT_DOCUMENT}
                   order by i.number, c.position""",
                [meeting["id"]],
            )
        )
        items: dict[int, dict] = {}
        for row in rows:
            item = items.setdefault(
                row["item_id"], {**row, "commitments": [], "stage": stage(row, meeting)}
            )
            item["commitments"].append(row)
        meeting["matched"] = list(items.values())
        meeting["place"] = meeting_place(meeting)
    return meetings


def recent_changes(
    db: sqlite_utils.Database, as_of: date, known: str | None = None, limit: int = 8
) -> list[dict]:
    """Status events and accepted evidence, newest first, as of a day (and as recorded by
    `known`, see tracker.status.known_by)."""
    day = as_of.isoformat()
    rows = list(
        db.query(
            f"""select 'status' as kind, s.effective_date as date, s.commitment_id, s.status,
                      s.note, s.note_es, null as title, null as title_es, null as stance,
                      c.title_en as c_title_en, c.title_es as c_title_es
               from status_events s join commitments c on c.id = s.commitment_id
               where s.effective_date <= :day and {KNOWN_EVENT}
               union all
               select 'evidence', e.date, e.commitment_id, null, e.snippet, e.snippet_es,
                      e.title, e.title_es, e.stance, c.title_en, c.title_es
               from evidence e join commitments c on c.id = e.commitment_id
               where e.review_state = 'accepted' and e.stance != 'context' and e.date <= :day
                 and {KNOWN_EVIDENCE}
               order by date desc limit :limit""",
            {"day": day, "limit": limit, "known": known},
        )
    )
    return rows
