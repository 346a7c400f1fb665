"""What moved and what is coming, for the doors that follow the record from outside the site:
Atom feeds, calendars and email alerts read the same three lists from here."""

from __future__ import annotations

from datetime import date

import sqlite_utils

from .db import CURRENT_DOCUMENT

FEED_LENGTH = 50  # entries in a feed: readers poll, they do not page back


def status_changes(
    db: sqlite_utils.Database,
    commitment_id: str | None = None,
    *,
    after_id: int = 0,
    limit: int = FEED_LENGTH,
) -> list[dict]:
    """Status events newest recorded first (a correction of an old date is news the day it is
    recorded), with the commitment's titles; only those newer than event `after_id`."""
    return list(
        db.query(
            """select s.*, c.title_en, c.title_es from status_events s
               join commitments c on c.id = s.commitment_id
               where (:cid is null or s.commitment_id = :cid)
                 and s.id > :after
               order by s.recorded_at desc, s.id desc limit :limit""",
            {"cid": commitment_id, "after": after_id, "limit": limit},
        )
    )


def newest_status_event(db: sqlite_utils.Database) -> int:
    """The id of the newest status event (0: none): a subscriber is told of those after it.
    Ids, not clock times, because an event and a confirmation can share a second."""
    return db.execute("select coalesce(max(id), 0) from status_events").fetchone()[0]


def accepted_evidence(
    db: sqlite_utils.Database, commitment_id: str | None = None, *, limit: int = FEED_LENGTH
) -> list[dict]:
    """Evidence editors accepted, newest decision first, with the commitment's titles and,
    for an agenda item, its meeting's id."""
    return list(
        db.query(
            """select e.*, c.title_en as c_title_en, c.title_es as c_title_es,
                      i.meeting_id
               from evidence e join commitments c on c.id = e.commitment_id
               left join items i on i.id = e.item_id
               where e.review_state = 'accepted' and (:cid is null or e.commitment_id = :cid)
               order by coalesce(e.reviewed_at, e.created_at) desc, e.id desc limit :limit""",
            {"cid": commitment_id, "limit": limit},
        )
    )


def upcoming_matches(
    db: sqlite_utils.Database, today: date, commitment_id: str | None = None
) -> list[dict]:
    """Upcoming meetings (today on) whose current agenda has an item matched to a promise
    (unreviewed or accepted), each with `agenda` (that agenda's document row) and `items`
    (each with its `commitments`); cancelled meetings are kept, so calendars can say so."""
    rows = list(
        db.query(
            f"""select m.id as meeting_id, i.id as item_id, i.number, i.text, i.marker,
                      e.id as evidence_id, e.commitment_id, e.stance, e.review_state,
                      c.title_en, c.title_es, d.id as document_id
               from meetings m
               join items i on i.meeting_id = m.id
               join documents d on d.id = i.document_id
               join evidence e on e.item_id = i.id
                    and e.review_state in ('candidate', 'accepted')
               join commitments c on c.id = e.commitment_id
               where m.date >= :today and m.hidden = 0 and {CURRENT_DOCUMENT}
                 and (:cid is null or e.commitment_id = :cid)
               order by m.date, m.time, m.id, i.number, c.position""",
            {"today": today.isoformat(), "cid": commitment_id},
        )
    )
    meetings: dict[str, dict] = {}
    for row in rows:
        meeting = meetings.get(row["meeting_id"])
        if meeting is None:
            meeting = meetings[row["meeting_id"]] = {
                **db["meetings"].get(row["meeting_id"]),
                "agenda": db["documents"].get(row["document_id"]),
                "items": {},
            }
        item = meeting["items"].setdefault(
            row["item_id"],
            {k: row[k] for k in ("item_id", "number", "text", "marker")} | {"commitments": []},
        )
        item["commitments"].append(
            {k: row[k] for k in ("commitment_id", "title_en", "title_es", "stance")}
            | {"review_state": row["review_state"], "evidence_id": row["evidence_id"]}
        )
    out = list(meetings.values())
    for meeting in out:
        meeting["items"] = list(meeting["items"].values())
    return out


def meeting_place(meeting: dict, place, lang: str, virtual: str) -> str | None:
    """Where a meeting is held, when the records say so: the jurisdiction's place for meetings
    of the body its sources name (its own council), `virtual` for a virtual one, else None."""
    if "virtual" in meeting["title"].lower():
        return virtual
    src = place.source(meeting.get("source_id") or "")
    if src is not None and meeting["body"] == src.options.get("body"):
        return place.meeting_place.es if lang == "es" else place.meeting_place.en
    return None
