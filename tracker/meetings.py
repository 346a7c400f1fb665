"""Meetings in the record: lists, one meeting's documents, items, votes and matches, and
what is on the next agendas."""

from __future__ import annotations

import json
from datetime import date

import sqlite_utils

from .db import CURRENT_DOCUMENT, CURRENT_DOCUMENT_KNOWN
from .evidence import PUBLIC_CANDIDATE, meeting_is_past, stage
from .status import KNOWN_EVENT, accepted_by


def get(db: sqlite_utils.Database, meeting_id: str) -> dict | None:
    rows = list(db.query("select * from meetings where id = ?", [meeting_id]))
    return rows[0] if rows else None


def shown_status(meeting: dict, today: date) -> str:
    """The meeting's status as a page may state it: a meeting whose day is over is never
    "tentative" or "confirmed" (the source may not have caught up), it is "past"."""
    if meeting["status"] in ("tentative", "confirmed") and meeting_is_past(meeting, today):
        return "past"
    return meeting["status"]


def minutes_read(db: sqlite_utils.Database, meeting_id: str, known: str | None = None) -> bool:
    """Whether the meeting's newest minutes (fetched before `known`) were read: their text,
    votes and outcomes."""
    row = db.execute(
        """select extract_status from documents where meeting_id = :id and kind = 'minutes'
           and (:known is null or fetched_at < :known) order by version desc limit 1""",
        {"id": meeting_id, "known": known},
    ).fetchone()
    return bool(row) and row[0] in ("ok", "partial")


def status_on(meeting: dict, day: date, agenda_known: bool) -> str:
    """What a page of `day` may say of a meeting's status from what is stored now: a meeting
    still ahead that day was confirmed if its agenda was out, else tentative; one already
    past, as today's page says it (a cancellation is kept: when it came is not recorded)."""
    if meeting["status"] == "cancelled":
        return "cancelled"
    if meeting["date"] >= day.isoformat():
        return "confirmed" if agenda_known else "tentative"
    return shown_status(meeting, day)


def outcome_sources(
    db: sqlite_utils.Database, item_ids: list[int], known: str | None = None
) -> dict[int, dict]:
    """For items whose outcome the minutes decided, the vote it came from (minutes sha256 and
    page): an outcome is credited to the minutes, not to the agenda the item was read from."""
    if not item_ids:
        return {}
    marks = ", ".join(f":i{n}" for n in range(len(item_ids)))
    found: dict[int, dict] = {}
    for row in db.query(
        f"""select v.item_id, v.page, d.sha256 from votes v
            join documents d on d.id = v.document_id
            where v.item_id in ({marks}) and {CURRENT_DOCUMENT_KNOWN} order by v.id""",
        {"known": known, **{f"i{n}": i for n, i in enumerate(item_ids)}},
    ):
        found[row["item_id"]] = row  # the last vote on an item is its final word
    return found


def years(db: sqlite_utils.Database) -> list[str]:
    """The years that have meetings, newest first."""
    return [
        r["y"]
        for r in db.query("select distinct substr(date, 1, 4) y from meetings order by y desc")
    ]


def hidden_count(db: sqlite_utils.Database, year: str | None) -> int:
    """How many test clips (hidden meetings) there are, in a year or in all."""
    return db["meetings"].count_where(
        "hidden = 1 and (:year is null or substr(date, 1, 4) = :year)", {"year": year}
    )


def list_meetings(
    db: sqlite_utils.Database, *, year: str | None, hidden: bool, known: str | None = None
) -> list[dict]:
    """Meetings newest first, with their documents and counts of current and matched items;
    with `known` (a cutoff, tracker.status.known_by), as the record stood then: meetings seen
    by then, documents fetched by then, items matched to a promise by an accepted review."""
    matched = "e.review_state in ('candidate', 'accepted')" if known is None else accepted_by("e")
    return list(
        db.query(
            f"""
            select m.*,
              exists(select 1 from documents d where d.meeting_id = m.id
                     and d.kind = 'agenda' and (:known is null or d.fetched_at < :known))
                as has_agenda,
              exists(select 1 from documents d where d.meeting_id = m.id
                     and d.kind = 'minutes' and (:known is null or d.fetched_at < :known))
                as has_minutes,
              (select count(*) from items i join documents d on d.id = i.document_id
               where i.meeting_id = m.id and {CURRENT_DOCUMENT_KNOWN}) as item_count,
              (select count(*) from items i join documents d on d.id = i.document_id
               where i.meeting_id = m.id and {CURRENT_DOCUMENT_KNOWN}
                 and exists(select 1 from evidence e where e.item_id = i.id
                            and {matched})) as matched_count
            from meetings m
            where (:hidden or m.hidden = 0)
              and (:year is null or substr(m.date, 1, 4) = :year)
              and (:known is null or m.first_seen < :known)
            order by m.date desc, m.time desc
            """,
            {"hidden": int(hidden), "year": year, "known": known},
        )
    )


def meeting_documents(
    db: sqlite_utils.Database, meeting_id: str, known: str | None = None
) -> list[dict]:
    """Every archived version of the meeting's documents (fetched before `known`), newest
    version first per kind."""
    rows = list(
        db.query(
            """select * from documents where meeting_id = :id
               and (:known is null or fetched_at < :known) order by kind, version desc""",
            {"id": meeting_id, "known": known},
        )
    )
    newest: set[str] = set()
    for row in rows:
        row["current"] = row["kind"] not in newest
        newest.add(row["kind"])
    return rows


def current_items(
    db: sqlite_utils.Database, meeting_id: str, known: str | None = None
) -> list[dict]:
    """Items of the meeting's newest agenda version (fetched before `known`), in agenda
    order, with that agenda's sha."""
    return list(
        db.query(
            f"""select i.*, d.sha256 from items i join documents d on d.id = i.document_id
                where i.meeting_id = :id and {CURRENT_DOCUMENT_KNOWN} order by i.number""",
            {"id": meeting_id, "known": known},
        )
    )


def matches_by_item(
    db: sqlite_utils.Database, item_ids: list[int], known: str | None = None
) -> dict[int, list[dict]]:
    """Unreviewed and accepted evidence on these items, with the commitments' titles; with
    `known`, only what stood accepted at that cutoff (candidates come and go with the rules)."""
    found: dict[int, list[dict]] = {}
    if not item_ids:
        return found
    marks = ", ".join(f":i{n}" for n in range(len(item_ids)))
    kept = (
        f"(e.review_state = 'accepted' or (e.review_state = 'candidate' and {PUBLIC_CANDIDATE}))"
        if known is None
        else accepted_by("e")
    )
    for ev in db.query(
        f"""select e.id, e.item_id, e.commitment_id, e.stance,
                   case when :known is null then e.review_state else 'accepted' end
                     as review_state,
                   c.title_en as commitment_title_en, c.title_es as commitment_title_es
            from evidence e join commitments c on c.id = e.commitment_id
            where e.item_id in ({marks}) and {kept}
            order by c.position""",
        {"known": known, **{f"i{n}": i for n, i in enumerate(item_ids)}},
    ):
        found.setdefault(ev["item_id"], []).append(ev)
    return found


def current_votes(
    db: sqlite_utils.Database, meeting_id: str, known: str | None = None
) -> list[dict]:
    """Votes read from the meeting's newest minutes (fetched before `known`), names decoded
    from their JSON lists."""
    votes = list(
        db.query(
            f"""select v.*, d.sha256 from votes v join documents d on d.id = v.document_id
                where v.meeting_id = :id and {CURRENT_DOCUMENT_KNOWN}
                order by v.item_number, v.id""",
            {"id": meeting_id, "known": known},
        )
    )
    for vote in votes:
        for field in ("ayes", "nays", "abstaining"):
            vote[field] = json.loads(vote[field] or "[]")
    return votes


def upcoming(db: sqlite_utils.Database, today: date, limit: int = 3) -> list[dict]:
    """The next meetings, each with its current agenda items matched to a commitment, and
    whether it has an agenda yet. A cancelled meeting is not on any next agenda."""
    meetings = list(
        db.query(
            f"""select m.*,
                  exists(select 1 from documents d where d.meeting_id = m.id
                         and d.kind = 'agenda') as has_agenda,
                  (select count(*) from items i join documents d on d.id = i.document_id
                   where i.meeting_id = m.id and {CURRENT_DOCUMENT}) as item_count
               from meetings m where m.date >= ? and m.hidden = 0
               and m.status in ('tentative', 'confirmed')
               order by m.date, m.time limit ?""",
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
                   join evidence e on e.item_id = i.id and (e.review_state = 'accepted'
                     or (e.review_state = 'candidate' and {PUBLIC_CANDIDATE}))
                   join commitments c on c.id = e.commitment_id
                   where i.meeting_id = ? and {CURRENT_DOCUMENT}
                   order by i.number, c.position""",
                [meeting["id"]],
            )
        )
        items: dict[int, dict] = {}
        for row in rows:
            item = items.setdefault(
                row["item_id"], {**row, "commitments": [], "stage": stage(row, meeting, today)}
            )
            item["commitments"].append(row)
        meeting["matched"] = list(items.values())
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
                      c.title_en as c_title_en, c.title_es as c_title_es,
                      null as unit_kind, null as item_number, null as page
               from status_events s join commitments c on c.id = s.commitment_id
               where s.effective_date <= :day and {KNOWN_EVENT}
               union all
               select 'evidence', e.date, e.commitment_id, null, e.snippet, e.snippet_es,
                      e.title, e.title_es, e.stance, c.title_en, c.title_es,
                      e.unit_kind, e.item_number, e.page
               from evidence e join commitments c on c.id = e.commitment_id
               where {accepted_by("e")} and e.stance != 'context' and e.date <= :day
               order by date desc limit :limit""",
            {"day": day, "limit": limit, "known": known},
        )
    )
    return rows


def press_releases_on(db: sqlite_utils.Database, day: str) -> list[dict]:
    """The council's press releases of a meeting's day (the newest version of each)."""
    return list(
        db.query(
            f"""select d.* from documents d
                where d.kind = 'press-release' and d.meeting_id is null and d.date = ?
                  and {CURRENT_DOCUMENT} order by d.title, d.id""",
            [day],
        )
    )
