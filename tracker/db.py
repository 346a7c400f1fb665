"""The SQLite database: opening it safely and its schema as numbered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from .errors import SchemaError

MIGRATION_SET = "tracker"
migrations = Migrations(MIGRATION_SET)

FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"


def utcnow() -> str:
    """The current time as an ISO-8601 UTC string (made in Python so tests can freeze it)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@migrations(name="0001_initial")
def _initial(db: sqlite_utils.Database) -> None:
    db["sources"].create({"id": str, "name": str, "base_url": str, "kind": str}, pk="id")
    db["meetings"].create(
        {
            "id": str,  # stable slug: YYYY-MM-DD-title (URLs rely on it)
            "source_id": str,
            "event_id": str,  # moved to meeting_refs by 0003
            "clip_id": str,  # moved to meeting_refs by 0003
            "title": str,
            "body": str,
            "date": str,  # local date, America/Chicago
            "time": str,  # local time HH:MM or null
            "status": str,  # tentative / confirmed / passed / cancelled
            "hidden": int,
            "hidden_reason": str,
            "duration_minutes": int,
            "video_url": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id")],
        not_null={"source_id", "title", "date", "status"},
        defaults={"hidden": 0, "status": "tentative"},
    )
    db["documents"].create(
        {
            "id": int,
            "meeting_id": str,
            "kind": str,  # agenda / minutes / manual
            "url": str,
            "final_url": str,
            "sha256": str,
            "version": int,
            "supersedes_id": int,
            "fetched_at": str,
            "etag": str,
            "last_modified": str,
            "content_type": str,
            "headers": str,  # JSON: the response headers worth keeping for provenance
            "size": int,
            # pending/ok/partial/no-text/encrypted/broken/unsupported/missing
            "extract_status": str,
            "extract_error": str,
            "parsed_at": str,
        },
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id"), ("supersedes_id", "documents", "id")],
        not_null={"kind", "url", "sha256", "version", "fetched_at"},
        defaults={"extract_status": "pending", "version": 1},
    )
    db["documents"].create_index(["meeting_id", "kind", "version"], unique=True)
    db["documents"].create_index(["sha256"])
    db["pages"].create(
        {"id": int, "document_id": int, "page": int, "text": str},
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
        not_null={"document_id", "page"},
    )
    db["pages"].create_index(["document_id", "page"], unique=True)
    db["items"].create(
        {
            "id": int,
            "meeting_id": str,
            "document_id": int,
            "number": int,
            "marker": str,
            "consent": int,
            "public_hearing": int,
            "permanent": int,
            "addendum": int,
            "withdrawn": int,
            "deferred": int,
            "first_reading": int,
            "text": str,
            "sponsor": str,
            "recommendation": str,
            "funding_source": str,
            "amount_change": str,
            "page": int,
            "outcome": str,
            "outcome_provisional": int,
            "outcome_confidence": float,
            "resolution_number": str,
        },
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id"), ("document_id", "documents", "id")],
        not_null={"meeting_id", "document_id", "text"},
    )
    db["items"].create_index(["document_id", "number"], unique=True)
    db["items"].create_index(["meeting_id"])
    db["votes"].create(
        {
            "id": int,
            "meeting_id": str,
            "document_id": int,
            "item_id": int,
            "item_number": int,
            "resolution_number": str,
            "outcome": str,
            "mover": str,
            "seconder": str,
            "ayes": str,  # JSON list of names
            "nays": str,
            "abstaining": str,
            "consent_block": int,
            "confidence": float,
            "page": int,
            "text": str,
        },
        pk="id",
        foreign_keys=[
            ("meeting_id", "meetings", "id"),
            ("document_id", "documents", "id"),
            ("item_id", "items", "id"),
        ],
    )
    db["commitments"].create(
        {
            "id": str,
            "made_by": str,
            "made_on": str,
            "title_en": str,
            "title_es": str,
            "summary_en": str,
            "summary_es": str,
            "kept_when_en": str,
            "kept_when_es": str,
            "sources": str,  # JSON
            "rules": str,  # JSON
            "position": int,
        },
        pk="id",
    )
    db["evidence"].create(
        {
            "id": int,
            "commitment_id": str,
            "kind": str,  # curated / match / manual
            "curated_key": str,
            "match_key": str,  # item:<id> or page:<id>: one candidate per place per commitment
            "stance": str,  # supports / contrary / context
            "review_state": str,  # candidate / accepted / rejected
            "score": float,
            "date": str,
            "date_precision": str,  # day / month / year
            "title": str,
            "title_es": str,
            "snippet": str,
            "snippet_es": str,
            "why": str,  # JSON: matched terms and rules
            "rules_sha256": str,  # the rule version a candidate was scored with
            "source_url": str,
            "source_urls": str,  # JSON list, curated events may cite several
            "item_id": int,
            "document_id": int,
            "document_sha256": str,
            "page": int,
            "passage_start": int,
            "passage_end": int,
            "reviewer": str,
            "review_note": str,
            "reviewed_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[
            ("commitment_id", "commitments", "id"),
            ("item_id", "items", "id"),
            ("document_id", "documents", "id"),
        ],
        not_null={"commitment_id", "kind", "stance", "review_state", "created_at"},
    )
    db["evidence"].create_index(["commitment_id", "curated_key"], unique=True)
    db["evidence"].create_index(["commitment_id", "match_key"], unique=True)
    db["rule_versions"].create(
        {"id": int, "commitment_id": str, "sha256": str, "rules": str, "first_seen": str},
        pk="id",
        foreign_keys=[("commitment_id", "commitments", "id")],
    )
    db["rule_versions"].create_index(["commitment_id", "sha256"], unique=True)
    db["status_events"].create(
        {
            "id": int,
            "commitment_id": str,
            "status": str,
            "effective_date": str,
            "reason": str,
            "note": str,
            "note_es": str,
            "evidence_ids": str,  # JSON list
            "who": str,
            "recorded_at": str,
            "curated_key": str,
        },
        pk="id",
        foreign_keys=[("commitment_id", "commitments", "id")],
        not_null={"commitment_id", "status", "effective_date", "note", "who", "recorded_at"},
    )
    db["status_events"].create_index(["curated_key"], unique=True)
    db["scrape_runs"].create(
        {
            "id": int,
            "source_id": str,
            "kind": str,  # scrape / process / match
            "job": str,  # weekly / pre-meeting when the scheduler started it
            "pid": int,  # the process running it: tells a running run from a killed one
            "started_at": str,
            "finished_at": str,
            "ok": int,
            "outcome": str,  # ok / partial / failed; null while running or if killed
            "requests": int,
            "bytes": int,
            "meetings_seen": int,
            "new_documents": int,
            "changed_documents": int,
            "errors": str,  # JSON list of {url, reason}
            "message": str,
        },
        pk="id",
    )
    db["audit_log"].create(
        {"id": int, "at": str, "who": str, "action": str, "target": str, "detail": str},
        pk="id",
    )


@migrations(name="0002_search_indexes")
def _search_indexes(db: sqlite_utils.Database) -> None:
    # Porter stemming for English, diacritics folded so "educacion" finds "educación".
    db["pages"].enable_fts(["text"], tokenize=FTS_TOKENIZE, create_triggers=True)
    db["items"].enable_fts(["text", "sponsor"], tokenize=FTS_TOKENIZE, create_triggers=True)


@migrations(name="0003_sources")
def _sources(db: sqlite_utils.Database) -> None:
    # A meeting is known by the ids each source gives it (Granicus: event_id, later clip_id;
    # WordPress: a post id), not by columns named after one platform.
    db["meeting_refs"].create(
        {"source_id": str, "name": str, "value": str, "meeting_id": str},
        pk=("source_id", "name", "value"),
        foreign_keys=[("meeting_id", "meetings", "id"), ("source_id", "sources", "id")],
    )
    db["meeting_refs"].create_index(["meeting_id"])
    for name in ("event_id", "clip_id"):
        db.execute(
            f"""insert or ignore into meeting_refs (source_id, name, value, meeting_id)
                select source_id, '{name}', {name}, id from meetings where {name} is not null"""
        )
        db.execute(f"alter table meetings drop column {name}")
    # What the last good listing held, to tell a changed or truncated page from a quiet week.
    db["sources"].add_column("sections", str)  # JSON list of the parts of the listing found
    # Documents of no meeting (press releases) carry their own title, date and source.
    db["documents"].add_column("source_id", str)
    db["documents"].add_column("title", str)
    db["documents"].add_column("date", str)
    db.execute(
        "update documents set source_id = (select source_id from meetings m "
        "where m.id = documents.meeting_id) where meeting_id is not null"
    )


@migrations(name="0004_item_evidence")
def _item_evidence(db: sqlite_utils.Database) -> None:
    from .units import UnitKind, item_keys

    # The unit of evidence: an agenda item read with its minutes record. Items and records carry
    # a key made of their words (tracker.units), so a review outlives re-processing, rule changes
    # and a revised agenda; row ids do not.
    db["items"].add_column("evidence_key", str)
    db["items"].create_index(["evidence_key"])
    db["minutes_records"].create(
        {
            "id": int,
            "meeting_id": str,
            "document_id": int,
            "ordinal": int,
            "evidence_key": str,  # minutes:<meeting>:<digest> (used when no item is linked)
            "item_id": int,  # the current agenda's item it is linked to, if any
            "item_number": int,
            "link_method": str,
            "link_confidence": float,
            "resolution_number": str,
            "outcome": str,
            "consent_block": int,
            "page": int,
            "text": str,
        },
        pk="id",
        foreign_keys=[
            ("meeting_id", "meetings", "id"),
            ("document_id", "documents", "id"),
            ("item_id", "items", "id"),
        ],
        not_null={"meeting_id", "document_id", "text"},
    )
    db["minutes_records"].create_index(["document_id", "ordinal"], unique=True)
    for column, kind in (
        ("confidence", float),  # the matcher's 0..1; below a threshold, off public pages
        ("unit_kind", str),  # item / minutes / press: the label is built from it at render time
        ("meeting_id", str),
        ("item_number", int),
        ("outcome", str),
        ("minutes_snippet", str),
        ("minutes_page", int),
        ("minutes_document_id", int),
        ("minutes_document_sha256", str),
        ("minutes_url", str),
    ):
        db["evidence"].add_column(column, kind)
    # Items that speak of immigration but that no commitment's rules claim: for editors.
    db["unassigned"].create(
        {
            "id": int,
            "evidence_key": str,
            "unit_kind": str,
            "meeting_id": str,
            "item_id": int,
            "item_number": int,
            "date": str,
            "title": str,  # the meeting's (or press release's) own title
            "snippet": str,
            "minutes_snippet": str,
            "minutes_page": int,
            "terms": str,  # JSON: the words that put it here
            "confidence": float,
            "document_id": int,
            "document_sha256": str,
            "page": int,
            "source_url": str,
            "state": str,  # open / attached / dismissed
            "evidence_id": int,
            "decided_by": str,
            "decided_at": str,
            "note": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("meeting_id", "meetings", "id"), ("item_id", "items", "id")],
        not_null={"evidence_key", "state", "created_at"},
        defaults={"state": "open"},
    )
    db["unassigned"].create_index(["evidence_key"], unique=True)
    # Existing items get their key; matches on them are re-keyed (a review stays with its item).
    for doc in db.query("select distinct document_id, meeting_id from items"):
        rows = list(
            db.query(
                "select id, text from items where document_id = ? order by number",
                [doc["document_id"]],
            )
        )
        for row, key in zip(
            rows, item_keys(doc["meeting_id"], [r["text"] for r in rows]), strict=True
        ):
            db.execute("update items set evidence_key = ? where id = ?", [key, row["id"]])
    evidence = list(
        db.query(
            """select e.id, e.commitment_id, e.review_state, i.evidence_key, i.number,
                      i.meeting_id, m.title
               from evidence e join items i on i.id = e.item_id
               join meetings m on m.id = i.meeting_id
               where e.kind = 'match' and e.match_key like 'item:%'
               order by e.review_state = 'candidate', e.id"""
        )
    )
    taken = set()
    for row in evidence:
        key = (row["commitment_id"], row["evidence_key"])
        if key in taken:
            if row["review_state"] == "candidate":  # a duplicate of a reviewed one
                db.execute("delete from evidence where id = ?", [row["id"]])
            continue
        taken.add(key)
        db.execute(
            """update evidence set match_key = ?, unit_kind = ?, item_number = ?,
               meeting_id = ?, title = ? where id = ?""",
            [
                row["evidence_key"],
                UnitKind.ITEM,
                row["number"],
                row["meeting_id"],
                row["title"],
                row["id"],
            ],
        )


@migrations(name="0005_desk")
def _desk(db: sqlite_utils.Database) -> None:
    # A status change waiting for a second editor (TRACKER_TWO_EDITOR_RULE=on). Names here are
    # display names, as published (unique per account in desk.db), never logins.
    db["status_proposals"].create(
        {
            "id": int,
            "commitment_id": str,
            "status": str,
            "effective_date": str,
            "reason": str,
            "note": str,
            "note_es": str,
            "evidence_ids": str,  # JSON list
            "proposed_by": str,
            "proposed_at": str,
            "state": str,  # pending / approved
            "decided_by": str,
            "decided_at": str,
            "event_id": int,
        },
        pk="id",
        foreign_keys=[("commitment_id", "commitments", "id")],
    )
    # A retraction is a newer event naming the wrong one: nothing is deleted.
    db["status_events"].add_column("retracts", int)


@migrations(name="0006_unassigned_suggestions")
def _unassigned_suggestions(db: sqlite_utils.Database) -> None:
    # JSON [{commitment_id, words}]: the promises an unassigned item's words point to, best
    # first (tracker.topics.Suggester), for the editor who attaches it.
    db["unassigned"].add_column("suggested", str)


@migrations(name="0007_unassigned_reason")
def _unassigned_reason(db: sqlite_utils.Database) -> None:
    # What put an item in the queue: "words" (a topic word: tracker.topics.terms) or "model"
    # (no such word; the relevance model's probability, tracker.relevance, with `terms` holding
    # the words that weighed most). Rows from before have no reason: they are "words".
    db["unassigned"].add_column("reason", str)
    # The relevance model's probability per text (a digest of it), so that re-matching an
    # unchanged database does not score 100,000 items again; `model` is the model file's SHA-256.
    db["relevance_cache"].create(
        {"digest": str, "model": str, "probability": float}, pk="digest", not_null={"model"}
    )


@contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock at once (BEGIN IMMEDIATE), so no other
    connection can commit between this transaction's reads and its writes."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.execute("COMMIT")


# The newest version of a document of the same meeting and kind (for `documents d`): older
# versions stay archived and listed, but items, votes and matches come from the current one.
# A document of no meeting (a press release) is its own chain, by its address.
CURRENT_DOCUMENT = """d.version = (select max(d2.version) from documents d2
                  where d2.meeting_id is d.meeting_id and d2.kind = d.kind
                    and (d.meeting_id is not null or d2.url = d.url))"""
# The same, as the archive stood at the cutoff :known (None: now): the newest version fetched
# before it (an as-of page shows the agenda a reader could have read that day).
CURRENT_DOCUMENT_KNOWN = """(:known is null or d.fetched_at < :known)
  and d.version = (select max(d2.version) from documents d2
                  where d2.meeting_id is d.meeting_id and d2.kind = d.kind
                    and (d.meeting_id is not null or d2.url = d.url)
                    and (:known is null or d2.fetched_at < :known))"""


def data_version(conn) -> int:
    """SQLite's change counter for this connection: it moves when another connection commits."""
    return conn.execute("pragma data_version").fetchone()[0]


def open_db(path: Path | str, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database, set WAL, busy timeout and foreign keys, migrate."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA foreign_keys = ON")
    if db.journal_mode != "wal":
        db.enable_wal()
    check_version(db, path)
    if migrate:
        migrations.apply(db)
    return db


def check_version(db: sqlite_utils.Database, path: Path) -> None:
    """Refuse a database written by a newer version of the tracker (it has migrations we lack)."""
    known = set(MIGRATION_NAMES)
    applied = {m.name for m in migrations.applied(db)}
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaError(
            f"{path}: written by a newer version of the tracker (migration {unknown[-1]} is "
            "unknown here); upgrade the tracker or point TRACKER_DATA_DIR elsewhere"
        )


def schema_version(db: sqlite_utils.Database) -> str:
    """Name of the newest migration applied to this database."""
    applied = migrations.applied(db)
    return applied[-1].name if applied else ""


MIGRATION_NAMES = tuple(m.name for m in migrations.pending(sqlite_utils.Database(memory=True)))
