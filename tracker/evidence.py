"""Evidence: matcher candidates stored idempotently, editors' reviews, manual evidence.

The one writer of the evidence table besides the curated loader. A reviewed piece of evidence
is never changed by a re-match; pending candidates are re-scored, and dropped when the rules no
longer propose them.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from . import archive, topics
from .catalog import load_commitments, record_commitments, rules_sha256
from .config import Settings
from .db import CURRENT_DOCUMENT, immediate, utcnow
from .errors import StatusError, TrackerError
from .matching import Matcher
from .runs import Run
from .units import UnitKind, excerpt, press_key
from .vocab import DocumentKind, EvidenceKind, ReviewState, RunKind, Stance

logger = logging.getLogger(__name__)

# Below this confidence a candidate stays in the editors' queue and off public pages: a weak
# guess shown to the public reads as a finding, however it is worded.
PUBLIC_MIN_CONFIDENCE = 0.5
PUBLIC_CANDIDATE = f"coalesce(e.confidence, 0) >= {PUBLIC_MIN_CONFIDENCE}"

# Items of the newest version of each agenda, and the per-matter records of the newest minutes,
# of meetings that are not test clips: older versions stay archived but are not matched.
CURRENT_ITEMS = f"""
select i.id, i.text, i.page, i.document_id, i.meeting_id, i.number, i.evidence_key, i.outcome,
       d.sha256, d.final_url, m.date, m.title
from items i
join documents d on d.id = i.document_id
join meetings m on m.id = i.meeting_id
where m.hidden = 0 and {CURRENT_DOCUMENT}
order by i.meeting_id, i.number
"""
CURRENT_RECORDS = f"""
select r.id, r.text, r.page, r.document_id, r.meeting_id, r.item_id, r.evidence_key, r.outcome,
       r.ordinal, d.sha256, d.final_url, m.date, m.title
from minutes_records r
join documents d on d.id = r.document_id
join meetings m on m.id = r.meeting_id
where m.hidden = 0 and {CURRENT_DOCUMENT}
order by r.document_id, r.ordinal
"""

# Pages of the newest minutes of a meeting that parsed into no records (a layout the minutes
# parser does not know): read page by page, paragraph windows, rather than not at all.
UNSTRUCTURED_MINUTES_PAGES = f"""
select p.id, p.text, p.page, p.document_id, d.sha256, d.final_url, m.date, m.title,
       d.meeting_id
from pages p
join documents d on d.id = p.document_id
join meetings m on m.id = d.meeting_id
where d.kind = '{DocumentKind.MINUTES}' and m.hidden = 0 and {CURRENT_DOCUMENT}
  and d.extract_status in ('ok', 'partial')
  and not exists (select 1 from minutes_records r where r.document_id = d.id)
"""

# Pages of the newest version of each press release (a document of no meeting, dated itself).
CURRENT_PRESS_RELEASE_PAGES = f"""
select p.id, p.text, p.page, p.document_id, d.sha256, d.final_url, d.date, d.title
from pages p
join documents d on d.id = p.document_id
where d.kind = '{DocumentKind.PRESS_RELEASE}' and d.meeting_id is null and {CURRENT_DOCUMENT}
"""


@dataclass
class MatchReport:
    proposed: int = 0
    new: int = 0
    updated: int = 0
    dropped: int = 0
    kept_reviewed: int = 0
    unassigned: int = 0
    seconds: float = 0.0


def _fts_query(terms: list[str]) -> str:
    # Every term quoted: a hyphen in "Resolution 2024-17" is FTS syntax otherwise.
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _recall(db: sqlite_utils.Database, table: str, matcher: Matcher, ids: list[str]) -> set[int]:
    """Row ids of `table` that FTS5 says may match any commitment's trigger terms."""
    found: set[int] = set()
    for cid in ids:
        terms = matcher.fts_terms(cid)
        if not terms:
            continue
        found.update(
            r["rowid"]
            for r in db.query(
                f"select rowid from {table}_fts where {table}_fts match ?", [_fts_query(terms)]
            )
        )
    return found


@dataclass
class _Unit:
    """What the matcher reads once: an agenda item with its minutes records, or a record."""

    key: str
    kind: UnitKind
    text: str  # the agenda text (or the record's, for a record alone)
    minutes: list[dict]  # the minutes records read with it
    row: dict  # the item, record or press page the evidence points to

    def reading(self) -> str:
        return "\n\n".join([self.text, *(r["text"] for r in self.minutes)])


def units(db: sqlite_utils.Database) -> list[_Unit]:
    """Every current agenda item read with the minutes records linked to it, then every current
    minutes record linked to no current item (a matter introduced at the meeting)."""
    records = list(db.query(CURRENT_RECORDS))
    by_item: dict[int, list[dict]] = {}
    for record in records:
        if record["item_id"] is not None:
            by_item.setdefault(record["item_id"], []).append(record)
    out = []
    linked: set[int] = set()
    for row in db.query(CURRENT_ITEMS):
        mine = by_item.get(row["id"], [])
        linked.update(r["id"] for r in mine)
        key = row["evidence_key"] or f"{UnitKind.ITEM}:{row['meeting_id']}:id{row['id']}"
        out.append(_Unit(key, UnitKind.ITEM, row["text"] or "", mine, row))
    for record in records:
        if record["id"] not in linked:
            out.append(_Unit(record["evidence_key"], UnitKind.MINUTES, record["text"], [], record))
    return out


def match_all(db: sqlite_utils.Database, commitments_path: Path) -> MatchReport:
    """Re-run matching over every current agenda item (read with its minutes record), minutes
    record and press release; one candidate per (unit, commitment); idempotent."""
    started = time.perf_counter()
    commitments = load_commitments(commitments_path)
    with db.atomic():  # the catalogue the rules come from; records any rule change
        record_commitments(db, commitments)
    shas = {c.id: rules_sha256(c) for c in commitments}
    matcher = Matcher.from_commitments(commitments)
    screener = topics.Screener.shipped(commitments)
    scores = topics.known_scores(db, screener.model)
    cached = len(scores)
    ids = [c.id for c in commitments]
    report = MatchReport()
    proposals: dict[tuple[str, str], dict] = {}
    unassigned: dict[str, dict] = {}

    # FTS5 narrows the items worth reading to those holding a trigger phrase; an item read with
    # a minutes record is always read (the record may hold what the agenda's text lacks).
    item_ids = _recall(db, "items", matcher, ids)
    for unit in units(db):
        reading = unit.reading()
        worth = unit.kind != UnitKind.ITEM or unit.minutes or unit.row["id"] in item_ids
        found, entry = screener.second_look(
            reading, matcher.match(reading) if worth else [], scores
        )
        for cand in found:
            proposals[(cand.commitment_id, unit.key)] = _unit_row(
                cand, unit, sha=shas[cand.commitment_id]
            )
        if entry:
            unassigned[unit.key] = _unassigned_row(unit, entry)
    page_ids = _recall(db, "pages", matcher, ids)
    for row in db.query(UNSTRUCTURED_MINUTES_PAGES):
        if row["id"] not in page_ids:
            continue
        for cand in matcher.match_passages(row["text"] or ""):
            key = f"{UnitKind.MINUTES}:{row['sha256']}:{row['page']}"
            proposals[(cand.commitment_id, key)] = {
                **_press_row(cand, row, sha=shas[cand.commitment_id]),
                "match_key": key,
                "unit_kind": UnitKind.MINUTES,
                "title": row["title"],
                "meeting_id": row["meeting_id"],
            }
    for row in db.query(CURRENT_PRESS_RELEASE_PAGES):
        if row["id"] not in page_ids:
            continue
        for cand in matcher.match_passages(row["text"] or ""):
            proposals[(cand.commitment_id, press_key(row["sha256"], row["page"]))] = _press_row(
                cand, row, sha=shas[cand.commitment_id]
            )
    report.proposed = len(proposals)

    now = utcnow()
    with immediate(db):  # no review can land between reading the rows and writing them
        existing = {
            (r["commitment_id"], r["match_key"]): r
            for r in db.query("select * from evidence where kind = 'match'")
        }
        for key, row in proposals.items():
            old = existing.get(key)
            if old is None:
                db["evidence"].insert({**row, "created_at": now, "updated_at": now})
                report.new += 1
            elif old["review_state"] == ReviewState.CANDIDATE:
                _update_pending(db, old["id"], {**row, "updated_at": now})
                report.updated += 1
            else:
                report.kept_reviewed += 1
        for key, old in existing.items():
            if key not in proposals and old["review_state"] == ReviewState.CANDIDATE:
                db.execute(
                    "delete from evidence where id = ? and review_state = 'candidate'", [old["id"]]
                )
                report.dropped += 1
        report.unassigned = topics.sync(db, unassigned, now)[0]
        topics.store_scores(db, screener.model, scores, cached)
    report.seconds = time.perf_counter() - started
    return report


def _update_pending(db: sqlite_utils.Database, evidence_id: int, row: dict) -> None:
    """Re-score a candidate; a reviewed row is never touched (the SQL itself checks)."""
    columns = ", ".join(f"[{k}] = :{k}" for k in row)
    db.execute(
        f"update evidence set {columns} where id = :id and review_state = 'candidate'",
        {**row, "id": evidence_id},
    )


def _why(cand) -> str:
    return json.dumps({"terms": list(cand.terms), "rules": list(cand.rules)})


def _minutes_side(records: list[dict], terms) -> dict:
    """The minutes record's passage, page and outcome, for an item read with its record."""
    if not records:
        return {}
    # The record that holds the matched words, else the one that decided the item (the last).
    first = next(
        (r for r in records if any(t.casefold() in r["text"].casefold() for t in terms)),
        records[-1],
    )
    return {
        "minutes_snippet": excerpt(first["text"], terms),
        "minutes_page": first["page"],
        "minutes_document_id": first["document_id"],
        "minutes_document_sha256": first["sha256"],
        "minutes_url": first["final_url"],
    }


def _unit_row(cand, unit: _Unit, *, sha: str) -> dict:
    row = unit.row
    item = unit.kind == UnitKind.ITEM
    text = unit.text
    # Offsets of the passage into the item's text, when the matcher found it there.
    inside = cand.end <= len(text)
    return {
        "commitment_id": cand.commitment_id,
        "kind": EvidenceKind.MATCH,
        "match_key": unit.key,
        "unit_kind": unit.kind,
        "stance": cand.stance,
        "review_state": ReviewState.CANDIDATE,
        "score": round(cand.score, 3),
        "confidence": cand.confidence,
        "date": row["date"],
        "title": row["title"],  # the meeting's own title; the label is made at render time
        "snippet": excerpt(text, cand.terms),
        "why": _why(cand),
        "rules_sha256": sha,
        "source_url": row["final_url"],
        "item_id": row["id"] if item else None,
        "item_number": row["number"] if item else None,
        "meeting_id": row["meeting_id"],
        "outcome": (unit.minutes[-1]["outcome"] if unit.minutes else row["outcome"]),
        "document_id": row["document_id"],
        "document_sha256": row["sha256"],
        "page": row["page"],
        "passage_start": cand.start if inside and item else None,
        "passage_end": cand.end if inside and item else None,
        "minutes_snippet": None,
        "minutes_page": None,
        "minutes_document_id": None,
        "minutes_document_sha256": None,
        "minutes_url": None,
        **_minutes_side(unit.minutes, cand.terms),
    }


def _press_row(cand, row: dict, *, sha: str) -> dict:
    return {
        "commitment_id": cand.commitment_id,
        "kind": EvidenceKind.MATCH,
        "match_key": press_key(row["sha256"], row["page"]),
        "unit_kind": UnitKind.PRESS,
        "stance": cand.stance,
        "review_state": ReviewState.CANDIDATE,
        "score": round(cand.score, 3),
        "confidence": cand.confidence,
        "date": row["date"],
        "title": row["title"] or row["final_url"],
        "snippet": _with_ellipses(cand, row["text"] or ""),
        "why": _why(cand),
        "rules_sha256": sha,
        "source_url": row["final_url"],
        "item_id": None,
        "document_id": row["document_id"],
        "document_sha256": row["sha256"],
        "page": row["page"],
        "passage_start": cand.start,
        "passage_end": cand.end,
    }


def _with_ellipses(cand, text: str) -> str:
    """The matcher's passage of a long page, marked where the page's text goes on."""
    passage = " ".join(cand.passage.split())
    before = "\u2026 " if text[: cand.start].strip() else ""
    after = " \u2026" if text[cand.end :].strip() else ""
    return f"{before}{passage}{after}"


def _unassigned_row(unit: _Unit, entry: topics.Entry) -> dict:
    row = unit.row
    item = unit.kind == UnitKind.ITEM
    words = list(entry.words)
    side = _minutes_side(unit.minutes, words)
    return {
        "evidence_key": unit.key,
        "unit_kind": unit.kind,
        "meeting_id": row["meeting_id"],
        "item_id": row["id"] if item else None,
        "item_number": row["number"] if item else None,
        "date": row["date"],
        "title": row["title"],
        "snippet": excerpt(unit.text, words),
        "minutes_snippet": side.get("minutes_snippet"),
        "minutes_page": side.get("minutes_page"),
        "terms": json.dumps(words),
        "suggested": json.dumps(
            [{"commitment_id": s.commitment_id, "words": list(s.words)} for s in entry.suggested]
        ),
        "reason": entry.reason,
        "confidence": entry.confidence,
        "document_id": row["document_id"],
        "document_sha256": row["sha256"],
        "page": row["page"],
        "source_url": row["final_url"],
    }


def match_run(db: sqlite_utils.Database, settings: Settings) -> Run:
    """`match_all` recorded as a run (for the health page and the scheduler)."""
    run = Run(db, RunKind.MATCH)
    try:
        report = match_all(db, settings.place.catalogue)
    except TrackerError as exc:
        return run.finish(failed=str(exc))
    run.message = (
        f"{report.proposed} proposed: {report.new} new, {report.updated} re-scored, "
        f"{report.dropped} dropped, {report.kept_reviewed} already reviewed, "
        f"{report.unassigned} new unassigned "
        f"({report.seconds:.2f} s)"
    )
    return run.finish()


def review_queue(
    db: sqlite_utils.Database,
    *,
    commitment_id: str | None = None,
    state: str | None = ReviewState.CANDIDATE,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """The matcher's evidence, best first (a page of it, and how many in all); an unknown
    commitment id is an error, not an empty list."""
    if commitment_id and not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    where = (
        "kind = :kind and (:state is null or review_state = :state)"
        " and (:c is null or commitment_id = :c)"
    )
    params = {"kind": EvidenceKind.MATCH, "state": state, "c": commitment_id}
    total = db.execute(f"select count(*) from evidence where {where}", params).fetchone()[0]
    rows = list(
        db.query(
            f"""select * from evidence where {where}
                order by score desc, date desc, id limit :limit offset :offset""",
            {**params, "limit": limit, "offset": offset},
        )
    )
    return rows, total


def get(db: sqlite_utils.Database, evidence_id: int) -> dict:
    rows = list(db.query("select * from evidence where id = ?", [evidence_id]))
    if not rows:
        raise StatusError(f"no evidence with id {evidence_id}")
    return rows[0]


def review(
    db: sqlite_utils.Database,
    evidence_id: int,
    decision: str,
    *,
    who: str,
    note: str,
    stance: str | None = None,
) -> dict:
    """Accept or reject a candidate, with a note; the decision is final for re-matching."""
    if decision not in (ReviewState.ACCEPTED, ReviewState.REJECTED):
        raise StatusError(f"decision {decision!r}: accept or reject")
    if not note.strip():
        raise StatusError("a review needs a note that says why")
    if stance is not None and stance not in tuple(Stance):
        raise StatusError(f"stance {stance!r} unknown (one of: {', '.join(Stance)})")
    row = get(db, evidence_id)
    now = utcnow()
    changes = {
        "review_state": decision,
        "reviewer": who,
        "review_note": note,
        "reviewed_at": now,
        "updated_at": now,
    }
    if stance:
        changes["stance"] = stance
    with db.atomic():
        db["evidence"].update(evidence_id, changes)
        db["audit_log"].insert(
            {
                "at": now,
                "who": who,
                "action": f"review:{decision}",
                "target": f"evidence:{evidence_id}",
                "detail": json.dumps({"note": note, "was": row["review_state"], "stance": stance}),
            }
        )
    return get(db, evidence_id)


def attach(
    db: sqlite_utils.Database,
    evidence_id: int,
    commitment_id: str,
    stance: str | None,
    who: str,
    note: str,
) -> int:
    """An editor's decision that a candidate is evidence for another promise than the one the
    matcher named: accepted evidence of that commitment for the same unit (so re-matching keeps
    it), and the original candidate rejected with a note saying where it went."""
    row = get(db, evidence_id)
    if row["kind"] != EvidenceKind.MATCH:
        raise StatusError(f"evidence {evidence_id} is not a matcher's candidate")
    if not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    stance = stance or Stance.CONTEXT
    if stance not in tuple(Stance):
        raise StatusError(f"stance {stance!r} unknown (one of: {', '.join(Stance)})")
    if not note.strip():
        raise StatusError("a review needs a note that says why")
    there = list(
        db.query(
            "select * from evidence where commitment_id = ? and match_key = ?",
            [commitment_id, row["match_key"]],
        )
    )
    if there and there[0]["review_state"] != ReviewState.CANDIDATE:
        raise StatusError(f"evidence {there[0]['id']} already holds this item for {commitment_id}")
    if there:  # the matcher proposed it for that promise too: accept that candidate
        target = there[0]["id"]
        review(db, target, ReviewState.ACCEPTED, who=who, note=note, stance=stance)
    else:
        now = utcnow()
        copy = {k: v for k, v in row.items() if k != "id"}
        copy.update(
            commitment_id=commitment_id,
            stance=stance,
            review_state=ReviewState.ACCEPTED,
            reviewer=who,
            review_note=note,
            reviewed_at=now,
            created_at=now,
            updated_at=now,
        )
        with db.atomic():
            target = db["evidence"].insert(copy).last_pk
            db["audit_log"].insert(
                {
                    "at": now,
                    "who": who,
                    "action": "review:accepted",
                    "target": f"evidence:{target}",
                    "detail": json.dumps({"note": note, "attached_from": evidence_id}),
                }
            )
    if row["review_state"] == ReviewState.CANDIDATE:
        review(
            db,
            evidence_id,
            ReviewState.REJECTED,
            who=who,
            note=f"attached to {commitment_id}: {note}",
        )
    return target


def add_manual(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    commitment_id: str,
    url: str,
    day: date,
    note: str,
    who: str,
    stance: str,
    title: str | None = None,
    file: Path | None = None,
    data: bytes | None = None,
    snippet: str | None = None,
) -> int:
    """Evidence an editor obtained elsewhere (records request, news story, a reader's tip):
    archived from `file` or `data`, accepted. `snippet` is the quoted passage (default: note)."""
    from .process import process_document

    if not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    if stance not in tuple(Stance):
        raise StatusError(f"stance {stance!r} unknown (one of: {', '.join(Stance)})")
    if not note.strip():
        raise StatusError("manual evidence needs a note that says what it shows")
    if not url.startswith(("http://", "https://")):
        raise StatusError(f"--url {url!r}: expected an http(s) address")
    document = None
    if file is not None:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise StatusError(f"{file}: cannot read ({exc.strerror})") from None
    if data is not None:
        with db.atomic():
            stored = archive.record(
                db,
                settings.archive_dir,
                meeting_id=None,
                kind=DocumentKind.MANUAL,
                url=url,
                data=data,
            )
        document = db["documents"].get(stored.document_id)
        process_document(db, settings, document)
    now = utcnow()
    with db.atomic():
        evidence_id = (
            db["evidence"]
            .insert(
                {
                    "commitment_id": commitment_id,
                    "kind": EvidenceKind.MANUAL,
                    "stance": stance,
                    "review_state": "accepted",
                    "date": day.isoformat(),
                    "title": title or note[:120],
                    "snippet": snippet or note,
                    "source_url": url,
                    "source_urls": json.dumps([url]),
                    "document_id": document["id"] if document else None,
                    "document_sha256": document["sha256"] if document else None,
                    "reviewer": who,
                    "review_note": note,
                    "reviewed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            .last_pk
        )
        db["audit_log"].insert(
            {
                "at": now,
                "who": who,
                "action": "evidence:add",
                "target": f"evidence:{evidence_id}",
                "detail": json.dumps({"url": url, "file": str(file) if file else None}),
            }
        )
    return evidence_id


def agenda_only(item: dict) -> dict:
    """The item as its agenda alone tells it (for a day before the minutes were fetched):
    only the agenda's own markers, withdrawn or deferred, are an outcome, and provisional."""
    word = "withdrawn" if item.get("withdrawn") else "deferred" if item.get("deferred") else None
    return {**item, "outcome": word, "outcome_provisional": 1, "resolution_number": None}


def meeting_is_past(meeting: dict, today: date | None) -> bool:
    """Whether the meeting's day is over (a source may still call it "confirmed")."""
    return today is not None and bool(meeting.get("date")) and meeting["date"] < today.isoformat()


def stage(
    item: dict | None, meeting: dict | None, today: date | None = None
) -> tuple[str, bool] | None:
    """Where an agenda item stands in the council's process, and whether that is provisional.

    From the agenda's markers and the minutes: on an upcoming agenda, adopted, failed, tabled,
    referred, deferred, withdrawn; provisional until the meeting's minutes are parsed. A first
    reading is never voted on at that meeting: once held it is "first reading, no vote" (final
    when the minutes are read, `meeting["minutes_read"]`, and record no vote on it).
    """
    if not item or not meeting:
        return None
    if item.get("outcome"):
        return item["outcome"], bool(item.get("outcome_provisional"))
    if meeting["status"] == "cancelled":
        return "meeting-cancelled", True
    held = meeting["status"] == "passed"
    if not held and not meeting_is_past(meeting, today):
        return "on-agenda", True
    if item.get("first_reading"):
        return "first-reading", not meeting.get("minutes_read")
    # A meeting whose day is over but that the source has not marked held may not have met.
    return ("heard" if held else "day-passed"), True
