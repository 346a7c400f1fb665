"""Open data: every public table written as JSON and CSV, with the fields the README documents."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import sqlite_utils

from . import status as status_mod

EXPORTS = ("commitments", "status_events", "evidence", "meetings", "items")
# Column order of each export (the CSV header even when a table is still empty).
FIELDS = {
    "commitments": "id title_en title_es made_by made_on status status_since last_action "
    "summary_en summary_es sources",
    "status_events": "id commitment_id status effective_date reason note note_es evidence_ids "
    "who recorded_at",
    "evidence": "id commitment_id kind stance review_state score source_url source_urls item_id "
    "document_sha256 page snippet date title why review_note",
    "meetings": "id title body date time status hidden source external_ids documents",
    "items": "id meeting_id document_id number marker consent public_hearing permanent addendum "
    "withdrawn deferred first_reading text sponsor page outcome outcome_provisional "
    "resolution_number",
}


def _commitments(db: sqlite_utils.Database, as_of: date) -> list[dict]:
    out = []
    for row, standing in status_mod.standings(db, as_of):
        out.append(
            {
                "id": row["id"],
                "title_en": row["title_en"],
                "title_es": row["title_es"],
                "made_by": row["made_by"],
                "made_on": row["made_on"],
                "status": standing.status,
                "status_since": standing.since.isoformat(),
                "last_action": standing.last_action.isoformat(),
                "summary_en": row["summary_en"],
                "summary_es": row["summary_es"],
                "sources": json.loads(row["sources"]),
            }
        )
    return out


EVENT_COLUMNS = (
    "id, commitment_id, status, effective_date, reason, note, note_es, evidence_ids, who, "
    "recorded_at"
)
EVIDENCE_COLUMNS = (
    "id, commitment_id, kind, stance, review_state, score, source_url, source_urls, item_id, "
    "document_sha256, page, snippet, date, title, why, review_note"
)
ITEM_FLAGS = ("consent", "public_hearing", "permanent", "addendum", "withdrawn", "deferred")


def event_record(row: dict) -> dict:
    """A status_events row as published: its evidence ids a list."""
    return {**row, "evidence_ids": json.loads(row["evidence_ids"] or "[]")}


def evidence_record(row: dict) -> dict:
    """An evidence row as published (EVIDENCE_COLUMNS): its source URLs a list."""
    return {**row, "source_urls": json.loads(row["source_urls"] or "[]")}


def item_record(row: dict) -> dict:
    """An items row as published: flags as booleans, working columns left out."""
    return {
        "id": row["id"],
        "meeting_id": row["meeting_id"],
        "document_id": row["document_id"],
        "number": row["number"],
        "marker": row["marker"],
        **{flag: bool(row[flag]) for flag in ITEM_FLAGS},
        "first_reading": bool(row["first_reading"]),
        "text": row["text"],
        "sponsor": row["sponsor"],
        "page": row["page"],
        "outcome": row["outcome"],
        "outcome_provisional": bool(row["outcome_provisional"]),
        "resolution_number": row["resolution_number"],
    }


def meeting_records(db: sqlite_utils.Database, rows: list[dict]) -> list[dict]:
    """Meetings rows as published, each with its source's ids and its documents."""
    ids = [row["id"] for row in rows]
    marks = ", ".join("?" * len(ids))
    docs: dict[str, list[dict]] = {}
    refs: dict[str, dict[str, str]] = {}
    if ids:
        for doc in db.query(
            f"""select meeting_id, kind, url, final_url, sha256, version, fetched_at,
                       extract_status
                from documents where meeting_id in ({marks}) order by meeting_id, kind, version""",
            ids,
        ):
            docs.setdefault(doc.pop("meeting_id"), []).append(doc)
        for ref in db.query(
            f"select meeting_id, name, value from meeting_refs where meeting_id in ({marks}) "
            "order by name",
            ids,
        ):
            refs.setdefault(ref["meeting_id"], {})[ref["name"]] = ref["value"]
    return [
        {
            "id": row["id"],
            "title": row["title"],
            "body": row["body"],
            "date": row["date"],
            "time": row["time"],
            "status": row["status"],
            "hidden": bool(row["hidden"]),
            "source": row["source_id"],
            "external_ids": refs.get(row["id"], {}),
            "documents": docs.get(row["id"], []),
        }
        for row in rows
    ]


def _status_events(db: sqlite_utils.Database) -> list[dict]:
    return [
        event_record(row)
        for row in db.query(
            f"""select {EVENT_COLUMNS} from status_events
                order by commitment_id, effective_date, recorded_at, id"""
        )
    ]


def _evidence(db: sqlite_utils.Database) -> list[dict]:
    return [
        evidence_record(row)
        for row in db.query(
            f"select {EVIDENCE_COLUMNS} from evidence order by commitment_id, date, id"
        )
    ]


def _meetings(db: sqlite_utils.Database) -> list[dict]:
    return meeting_records(db, list(db.query("select * from meetings order by date, id")))


def _items(db: sqlite_utils.Database) -> list[dict]:
    return [
        item_record(row)
        for row in db.query(
            """select i.* from items i join documents d on d.id = i.document_id
               order by i.meeting_id, d.version, i.number"""
        )
    ]


BUILDERS = {
    "status_events": _status_events,
    "evidence": _evidence,
    "meetings": _meetings,
    "items": _items,
}


def rows(db: sqlite_utils.Database, name: str, as_of: date) -> list[dict]:
    """One export's rows (statuses as they stand on `as_of`)."""
    if name == "commitments":
        return _commitments(db, as_of)
    return BUILDERS[name](db)


def export(db: sqlite_utils.Database, out_dir: Path, as_of: date) -> dict[str, int]:
    """Write NAME.json and NAME.csv for each export (statuses as they stand on `as_of`);
    nested values are JSON text in the CSV."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in EXPORTS:
        table = rows(db, name, as_of)
        _write_atomic(out_dir / f"{name}.json", json.dumps(table, ensure_ascii=False, indent=1))
        _write_csv(out_dir / f"{name}.csv", FIELDS[name].split(), table)
        counts[name] = len(table)
    return counts


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(fh, fields: list[str], rows: list[dict]) -> None:
    """Rows as CSV into an open text file (opened with newline="")."""
    writer = csv.DictWriter(fh, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})


def csv_text(name: str, rows: list[dict]) -> str:
    """One export as CSV text, with its documented columns."""
    out = io.StringIO(newline="")
    write_csv(out, FIELDS[name].split(), rows)
    return out.getvalue()


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        write_csv(fh, fields, rows)
    tmp.replace(path)
