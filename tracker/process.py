"""The process stage: archived bytes -> page texts -> agenda items, votes and outcomes.

Runs from the archive alone (no network) and is idempotent: re-processing a document replaces
its pages and votes and updates its items in place, so ids that evidence points to stay valid.
A document that cannot be read gets an extract status and an error, never a crash.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict

import sqlite_utils
from tqdm import tqdm

from . import agenda as agenda_mod
from . import minutes as minutes_mod
from .archive import blob_path, latest_version
from .config import Settings
from .db import utcnow
from .extract import extract
from .runs import Run, left_unfinished_since
from .units import item_keys, record_keys
from .vocab import READABLE, DocumentKind, RunKind

logger = logging.getLogger(__name__)
SHORT_CLIP_MINUTES = 15


def process_documents(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    only_pending: bool = False,
    progress: bool | None = None,
) -> Run:
    """Extract and parse documents (all of them, or those not yet parsed); record the run."""
    # A run killed mid-way marked documents parsed but never applied their meetings' outcomes
    # (that comes after the loop): this run applies them, or votes stay missing for good.
    killed_since = left_unfinished_since(db, RunKind.PROCESS)
    run = Run(db, RunKind.PROCESS)
    where = "parsed_at is null" if only_pending else "1 = 1"
    docs = list(db.query(f"select * from documents where {where} order by id"))
    meetings: set[str] = set()
    if killed_since:
        meetings.update(
            row["meeting_id"]
            for row in db.query(
                "select distinct meeting_id from documents "
                "where parsed_at >= ? and meeting_id is not null",
                [killed_since],
            )
        )
    show = sys.stderr.isatty() if progress is None else progress
    for doc in tqdm(docs, desc="processing", unit="doc", disable=not show):
        try:
            status = process_document(db, settings, doc)
        except Exception as exc:  # one document never stops the run
            logger.exception("processing document %s failed", doc["id"])
            run.error(doc["url"], f"internal error: {exc!r}")
            continue
        if status not in READABLE:
            run.error(doc["url"], f"extract {status}")
        if doc["meeting_id"]:
            meetings.add(doc["meeting_id"])
    for meeting_id in sorted(meetings):
        apply_outcomes(db, meeting_id)
    run.message = f"{len(docs)} documents processed"
    return run.finish()


def process_document(db: sqlite_utils.Database, settings: Settings, doc: dict) -> str:
    """Extract one archived document and store its pages (and items, for an agenda)."""
    path = blob_path(settings.archive_dir, doc["sha256"])
    if not path.exists():
        _mark(db, doc["id"], "missing", f"archived file {path} is missing")
        return "missing"
    result = extract(path.read_bytes(), doc["content_type"])
    with db.atomic():
        db.execute("delete from pages where document_id = ?", [doc["id"]])
        db["pages"].insert_all(
            {"document_id": doc["id"], "page": n, "text": text}
            for n, text in enumerate(result.pages, start=1)
        )
        if doc["kind"] == DocumentKind.AGENDA and result.status in READABLE:
            parsed = agenda_mod.parse_agenda(result.pages)
            for warning in parsed.warnings:
                logger.warning("agenda %s: %s", doc["url"], warning)
            _store_items(db, doc, parsed.items)
        _mark(db, doc["id"], result.status, result.error)
    return result.status


def _mark(db: sqlite_utils.Database, document_id: int, status: str, error: str | None) -> None:
    db["documents"].update(
        document_id, {"extract_status": status, "extract_error": error, "parsed_at": utcnow()}
    )


def _store_items(db: sqlite_utils.Database, doc: dict, items: list) -> None:
    """Upsert items by (document, number), keeping ids; drop vanished unreferenced ones."""
    seen: set[int] = set()
    kept = []
    for item in items:
        if item.number in seen:
            logger.warning("agenda %s: item %d appears twice; first kept", doc["url"], item.number)
            continue
        seen.add(item.number)
        kept.append(item)
    keys = item_keys(doc["meeting_id"] or f"document-{doc['id']}", [i.text for i in kept])
    for item, key in zip(kept, keys, strict=True):
        row = {
            "evidence_key": key,
            "meeting_id": doc["meeting_id"],
            "document_id": doc["id"],
            "number": item.number,
            "marker": item.marker,
            "consent": int(item.consent),
            "public_hearing": int(item.public_hearing),
            "permanent": int(item.permanent),
            "addendum": int(item.addendum),
            "withdrawn": int(item.withdrawn),
            "deferred": int(item.deferred),
            "first_reading": int(item.first_reading),
            "text": item.text,
            "sponsor": item.sponsor,
            "recommendation": item.recommendation,
            "funding_source": item.funding_source,
            "amount_change": item.amount_change,
            "page": item.page,
        }
        found = list(
            db.query(
                "select id from items where document_id = ? and number = ?",
                [doc["id"], item.number],
            )
        )
        if found:
            db["items"].update(found[0]["id"], row)
        else:
            db["items"].insert(row)
    stale = [
        r["id"]
        for r in db.query("select id, number from items where document_id = ?", [doc["id"]])
        if r["number"] not in seen
    ]
    for item_id in stale:
        if not db["evidence"].count_where("item_id = ?", [item_id]):
            for table in ("votes", "minutes_records", "unassigned"):
                db.execute(f"update {table} set item_id = null where item_id = ?", [item_id])
            db["items"].delete(item_id)


def _pages(db: sqlite_utils.Database, document_id: int) -> list[str]:
    return [
        r["text"] or ""
        for r in db.query(
            "select text from pages where document_id = ? order by page", [document_id]
        )
    ]


def apply_outcomes(db: sqlite_utils.Database, meeting_id: str) -> None:
    """Set outcomes of the meeting's current agenda items: provisional from the agenda's own
    markers, final once minutes exist and link to the item."""
    agenda_doc = latest_version(db, meeting_id, DocumentKind.AGENDA)
    minutes_doc = latest_version(db, meeting_id, DocumentKind.MINUTES)
    with db.atomic():
        items, by_number = [], {}
        if agenda_doc and agenda_doc["extract_status"] in READABLE:
            rows = list(
                db.query(
                    "select * from items where document_id = ? order by number", [agenda_doc["id"]]
                )
            )
            by_number = {row["number"]: row["id"] for row in rows}
            items = [_agenda_item(row) for row in rows]
            for item in items:
                db["items"].update(
                    by_number[item.number],
                    {
                        "outcome": agenda_mod.item_outcome_from_agenda(item),
                        "outcome_provisional": 1,
                        "outcome_confidence": None,
                        "resolution_number": None,
                    },
                )
            _hide_empty_short_clip(db, meeting_id, items)
        if not minutes_doc or minutes_doc["extract_status"] not in READABLE:
            return
        minutes, records = minutes_mod.minutes_records(_pages(db, minutes_doc["id"]))
        db.execute("delete from votes where document_id = ?", [minutes_doc["id"]])
        vote_ids = []
        for vote in minutes.votes:
            data = asdict(vote)
            vote_ids.append(
                db["votes"]
                .insert(
                    {
                        "meeting_id": meeting_id,
                        "document_id": minutes_doc["id"],
                        "item_id": by_number.get(vote.item_number),
                        "item_number": vote.item_number,
                        "resolution_number": vote.resolution_number,
                        "outcome": vote.outcome,
                        "mover": vote.mover,
                        "seconder": vote.seconder,
                        "ayes": json.dumps(data["ayes"]),
                        "nays": json.dumps(data["nays"]),
                        "abstaining": json.dumps(data["abstaining"]),
                        "consent_block": int(vote.consent_block),
                        "page": vote.page,
                        "text": vote.text,
                    }
                )
                .last_pk
            )
        _store_records(db, meeting_id, minutes_doc["id"], minutes, records, items, by_number)
        if not items:
            return
        for link in minutes_mod.link_outcomes(items, minutes):
            item_id = by_number.get(link.item_number)
            if item_id is None:
                continue
            db["items"].update(
                item_id,
                {
                    "outcome": link.outcome,
                    "outcome_provisional": 0,
                    "outcome_confidence": link.confidence,
                    "resolution_number": link.resolution_number,
                },
            )
            if link.vote_index is not None and link.vote_index < len(vote_ids):
                db["votes"].update(
                    vote_ids[link.vote_index], {"item_id": item_id, "confidence": link.confidence}
                )


def _store_records(
    db: sqlite_utils.Database,
    meeting_id: str,
    document_id: int,
    minutes: minutes_mod.Minutes,
    records: list[minutes_mod.MinutesRecord],
    items: list[agenda_mod.AgendaItem],
    by_number: dict[int, int],
) -> None:
    """Replace the minutes' per-matter records, each linked to its current agenda item."""
    links = minutes_mod.link_records(items, minutes, records) if items else {}
    keys = record_keys(meeting_id, [r.text for r in records])
    db.execute("delete from minutes_records where document_id = ?", [document_id])
    db["minutes_records"].insert_all(
        {
            "meeting_id": meeting_id,
            "document_id": document_id,
            "ordinal": record.ordinal,
            "evidence_key": key,
            "item_id": by_number.get(links[record.ordinal][0]) if record.ordinal in links else None,
            "item_number": links[record.ordinal][0] if record.ordinal in links else None,
            "link_method": links[record.ordinal][2] if record.ordinal in links else None,
            "link_confidence": links[record.ordinal][1] if record.ordinal in links else None,
            "resolution_number": record.resolution_number,
            "outcome": record.outcome,
            "consent_block": int(record.consent_block),
            "page": record.page,
            "text": record.text,
        }
        for record, key in zip(records, keys, strict=True)
    )


def _agenda_item(row: dict) -> agenda_mod.AgendaItem:
    """A stored item as the parser's record (what outcome linking reads)."""
    flags = (
        "consent",
        "public_hearing",
        "permanent",
        "addendum",
        "withdrawn",
        "deferred",
        "first_reading",
    )
    return agenda_mod.AgendaItem(
        number=row["number"],
        marker=row["marker"],
        text=row["text"],
        page=row["page"],
        sponsor=row["sponsor"],
        **{flag: bool(row[flag]) for flag in flags},
    )


def _hide_empty_short_clip(db: sqlite_utils.Database, meeting_id: str, items: list) -> None:
    meeting = db["meetings"].get(meeting_id)
    minutes = meeting["duration_minutes"]
    if not items and minutes is not None and minutes < SHORT_CLIP_MINUTES and not meeting["hidden"]:
        db["meetings"].update(
            meeting_id,
            {"hidden": 1, "hidden_reason": f"test clip: {minutes} minutes, agenda has no items"},
        )
