"""The SQLite database as published on /data: a consistent copy of the record, FTS intact, with
nothing in it but what the public pages already show, and the Datasette metadata describing it.

The copy is made with SQLite's online backup API (consistent while a scrape writes), then
every table not on the allow-list is dropped and the file VACUUMed, so a table added later
(subscribers, tips, sessions) stays out until someone decides it is public, and dropped rows
leave no trace in free pages.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

from .desk import PUBLIC_ACTIONS

# Tables (and the FTS5 tables sqlite-utils made for two of them) that are published as they are.
PUBLIC_TABLES = (
    "_sqlite_migrations",
    "sources",
    "meetings",
    "meeting_refs",
    "documents",
    "pages",
    "items",
    "votes",
    "commitments",
    "rule_versions",
    "evidence",
    "status_events",
    "scrape_runs",
    "audit_log",
    # council records read as units of evidence (migration 0004_item_evidence, being merged)
    "minutes_records",
    "unassigned",
)
FTS_TABLES = ("pages_fts", "items_fts")
NAME = "tracker.db"

_lock = threading.Lock()


def _shadow(name: str) -> bool:
    return any(name == t or name.startswith(t + "_") for t in FTS_TABLES)


def write_public_copy(source: Path, target: Path) -> Path:
    """Write the published database to `target` (atomically) and return it."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dest = sqlite3.connect(tmp)
    try:
        src.backup(dest)  # consistent even while a scrape writes
    finally:
        src.close()
    try:
        dest.execute("pragma journal_mode = delete")  # one self-contained file, no -wal
        names = [
            r[0]
            for r in dest.execute("select name from sqlite_master where type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        for name in names:
            if name not in PUBLIC_TABLES and name not in FTS_TABLES and not _shadow(name):
                dest.execute(f'drop table if exists "{name}"')
        # The audit log as /audit shows it: decisions only, a tip decision without the tip.
        keep = " or ".join(f"action like '{a}%'" for a in PUBLIC_ACTIONS)
        dest.execute(f"delete from audit_log where not ({keep})")
        dest.execute(
            "update audit_log set detail = json_object('note', json_extract(detail, '$.note')) "
            "where action like 'tip:%' and json_valid(detail)"
        )
        dest.execute("update audit_log set detail = null where not json_valid(detail)")
        dest.commit()
        dest.execute("vacuum")  # dropped rows must not survive in free pages
    finally:
        dest.close()
    tmp.replace(target)
    return target


def _fingerprint(source: Path) -> str:
    """Changes whenever the database does: the main file's and its WAL's size and mtime."""
    parts = []
    for path in (source, source.with_name(source.name + "-wal")):
        try:
            st = path.stat()
            parts.append(f"{st.st_size}-{st.st_mtime_ns}")
        except FileNotFoundError:
            parts.append("-")
    return "_".join(parts)


def current_copy(source: Path, cache_dir: Path) -> Path:
    """The published database for the record as it is now, rebuilt only when it changed."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _lock:
        stamp = _fingerprint(source)
        target = cache_dir / f"tracker-{stamp}.db"
        if not target.exists():
            for old in cache_dir.glob("tracker-*.db"):
                old.unlink(missing_ok=True)
            write_public_copy(source, target)
        return target


COLUMNS = {
    "commitments": {
        "id": "Stable id of the promise (its permalink)",
        "made_by": "Who made the promise",
        "made_on": "When it was made (YYYY-MM-DD)",
        "title_en": "The promise in English",
        "title_es": "The promise in Spanish",
        "summary_en": "A summary in English",
        "summary_es": "A summary in Spanish",
        "kept_when_en": "What 'kept' takes, in English",
        "kept_when_es": "What 'kept' takes, in Spanish",
        "sources": "JSON: where the promise was made",
        "rules": "JSON: the matching rules",
    },
    "status_events": {
        "commitment_id": "The promise",
        "status": "not-started, in-progress, partial, kept or broken",
        "effective_date": "The day the status took effect",
        "reason": "Reason code (stalled, broken, pre-empted-by-state-law)",
        "note": "Why, in English",
        "note_es": "Why, in Spanish",
        "evidence_ids": "JSON list of evidence ids it rests on",
        "who": "The editor's display name",
        "recorded_at": "When it was recorded (UTC)",
    },
    "evidence": {
        "commitment_id": "The promise",
        "kind": "curated, match or manual",
        "stance": "supports, contrary or context",
        "review_state": "candidate (unreviewed), accepted or rejected",
        "score": "The matcher's score",
        "snippet": "The quoted passage",
        "document_sha256": "SHA-256 of the archived document",
        "page": "Page of the document the passage is on",
        "source_url": "Where the document was published",
        "review_note": "The editor's note",
    },
    "meetings": {
        "id": "Stable id: date and title",
        "date": "Local date of the meeting",
        "status": "tentative, confirmed, passed (held) or cancelled",
        "hidden": "1 for test clips the source lists",
    },
    "documents": {
        "kind": "agenda, minutes, manual or press-release",
        "url": "The URL the document was fetched from",
        "sha256": "SHA-256 of its bytes (the archived copy's name)",
        "version": "1, 2, ...: a re-posted agenda is a new version",
        "fetched_at": "When it was fetched (UTC)",
        "extract_status": "Whether its text could be read",
    },
    "pages": {"page": "Page number", "text": "The page's text (full-text searchable)"},
    "items": {
        "number": "Item number on the agenda",
        "text": "The item's text (full-text searchable)",
        "outcome": "What the minutes say happened",
        "outcome_provisional": "1 until minutes confirm the outcome",
    },
    "votes": {"ayes": "JSON list of names", "nays": "JSON list of names"},
}
TABLES = {
    "commitments": "The promises, in English and Spanish",
    "status_events": "Append-only log of status changes; the current status is the latest",
    "evidence": "Agenda items, pages and documents bearing on each promise, and their review",
    "meetings": "Council meetings",
    "documents": "Every archived document version, with its SHA-256",
    "pages": "Text of each document, page by page",
    "items": "Agenda items parsed from agendas, with outcomes from minutes",
    "votes": "Votes parsed from minutes",
    "meeting_refs": "The source's own ids of each meeting",
    "sources": "Where council records are read from",
    "rule_versions": "Every version of each promise's matching rules",
    "scrape_runs": "Every scrape, process and match run",
    "audit_log": "Editors' public decisions",
}


def datasette_metadata(site_name: str, base_url: str) -> dict:
    """Datasette's metadata.json for the published file: descriptions, source and licence."""
    return {
        "title": site_name,
        "description": "Promises made to immigrants, their status history and the council "
        "records behind them.",
        "license": "CC BY 4.0",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "source": site_name,
        "source_url": base_url + "/",
        "databases": {
            NAME.removesuffix(".db"): {
                "tables": {
                    name: {"description": text, "columns": COLUMNS.get(name, {})}
                    for name, text in TABLES.items()
                }
                | {name: {"hidden": True} for name in FTS_TABLES}
            }
        },
    }


def metadata_text(site_name: str, base_url: str) -> str:
    return json.dumps(datasette_metadata(site_name, base_url), ensure_ascii=False, indent=1)
