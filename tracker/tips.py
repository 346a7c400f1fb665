"""Readers' tips: a document (link or upload), the passage that matters, what it shows, and an
optional way to reach the reader, waiting in the desk's queue until an editor decides.

Tips live in data/desk.db beside the accounts, never in tracker.db: that file is published as
open data, and an unreviewed tip (let alone a reader's e-mail address) must never be in it. An
upload is archived under its SHA-256 like any document the tracker keeps, but it gets a row in
`documents` (and so a public page) only when an editor accepts the tip as evidence. Decisions go
to the public audit log under the editor's display name; the reader's contact never does.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlite_utils

from . import archive
from . import evidence as evidence_mod
from .config import Settings
from .db import utcnow
from .errors import StatusError, TipError
from .extract import DOCX_CONTENT_TYPE, detect_kind
from .status import today
from .vocab import Stance

MAX_UPLOAD_BYTES = 10 * 2**20  # a council PDF is rarely larger; bigger ones can be linked
MAX_TEXT = 5000  # characters of the passage and of what it shows
MAX_CONTACT = 300
MAX_URL = 2000
# Tips accepted from one address in the window; more are refused until it passes.
MAX_TIPS = 5
TIP_WINDOW = timedelta(hours=1)
# What an upload may be, by its bytes (never by the name or the type the browser claims):
# the documents the tracker can read.
UPLOAD_KINDS = {"pdf": ("application/pdf", ".pdf"), "docx": (DOCX_CONTENT_TYPE, ".docx")}

SCHEMA = """
create table if not exists tips (
  id integer primary key,
  received_at text not null,
  lang text not null,
  url text,
  upload_sha256 text,
  upload_kind text,
  upload_size integer,
  passage text not null,
  shows text not null,
  commitment_id text,
  contact text,
  state text not null default 'pending',
  decided_by text,
  decided_at text,
  decision_note text,
  evidence_id integer
);
create table if not exists tip_submissions (
  id integer primary key,
  address text not null,
  at text not null
);
create index if not exists tip_submissions_address on tip_submissions (address, at);
"""


@dataclass(frozen=True)
class Upload:
    data: bytes
    kind: str  # a key of UPLOAD_KINDS


def connect(conn: sqlite3.Connection) -> sqlite3.Connection:
    """The desk database's connection, with the tips tables in it."""
    conn.executescript(SCHEMA)
    return conn


def check_upload(data: bytes) -> Upload:
    """The upload if its bytes are a PDF or a Word document within the size cap."""
    if not data:
        raise TipError("the uploaded file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise TipError(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB: send a link")
    # A PDF must start as one: detect_kind also finds the magic a little way in, which a
    # file made to be read as something else could use.
    kind = "pdf" if data.startswith(b"%PDF-") else detect_kind(data)
    if kind == "pdf" and not data.startswith(b"%PDF-") or kind not in UPLOAD_KINDS:
        raise TipError("only a PDF or a Word (.docx) document can be uploaded")
    return Upload(data, kind)


def _clean_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    if len(url) > MAX_URL or not url.startswith(("http://", "https://")):
        raise TipError("the link must be a web address starting with http:// or https://")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise TipError("the link must be a web address starting with http:// or https://")
    return url


def rate_limited(conn, address: str, now: datetime | None = None) -> bool:
    since = ((now or datetime.now(UTC)) - TIP_WINDOW).isoformat(timespec="seconds")
    (count,) = conn.execute(
        "select count(*) from tip_submissions where address = ? and at >= ?", (address, since)
    ).fetchone()
    return count >= MAX_TIPS


def submit(
    conn,
    settings: Settings,
    *,
    address: str,
    lang: str,
    url: str,
    passage: str,
    shows: str,
    contact: str = "",
    commitment_id: str | None = None,
    upload: Upload | None = None,
) -> int:
    """Keep a reader's tip for review; raises TipError (one line, for the reader) when it is
    incomplete or when this address has sent too many lately."""
    if rate_limited(conn, address):
        raise TipError("too many tips from your address in the last hour: please try later")
    url_clean = _clean_url(url)
    passage, shows, contact = passage.strip(), shows.strip(), contact.strip()
    if not url_clean and upload is None:
        raise TipError("give a link to the document or upload it")
    if not passage or not shows:
        raise TipError("quote the passage and say what it shows")
    if max(len(passage), len(shows)) > MAX_TEXT or len(contact) > MAX_CONTACT:
        raise TipError(f"keep the passage and the explanation under {MAX_TEXT} characters")
    sha = archive.store_blob(settings.archive_dir, upload.data) if upload else None
    now = utcnow()
    with conn:
        record_attempt(conn, address)
        cursor = conn.execute(
            """insert into tips (received_at, lang, url, upload_sha256, upload_kind, upload_size,
               passage, shows, commitment_id, contact) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (now, lang, url_clean, sha, upload.kind if upload else None,
             len(upload.data) if upload else None, passage, shows, commitment_id or None,
             contact or None),
        )  # fmt: skip
    return int(cursor.lastrowid or 0)


def record_attempt(conn, address: str) -> None:
    """Count a submission against its address (a kept tip, or one a bot filled in)."""
    with conn:
        # Only the recent window is kept: an address is personal data, held no longer than
        # the rate limit needs it.
        since = (datetime.now(UTC) - TIP_WINDOW).isoformat(timespec="seconds")
        conn.execute("delete from tip_submissions where at < ?", (since,))
        conn.execute("insert into tip_submissions (address, at) values (?, ?)", (address, utcnow()))


def pending(conn) -> list[dict]:
    """Tips waiting for an editor, oldest first (first come, first read)."""
    return [dict(r) for r in conn.execute("select * from tips where state = 'pending' order by id")]


def pending_count(conn) -> int:
    return conn.execute("select count(*) from tips where state = 'pending'").fetchone()[0]


def get(conn, tip_id: int) -> dict:
    row = conn.execute("select * from tips where id = ?", (tip_id,)).fetchone()
    if row is None:
        raise StatusError(f"no tip {tip_id}")
    return dict(row)


def _pending_tip(conn, tip_id: int) -> dict:
    tip = get(conn, tip_id)
    if tip["state"] != "pending":
        raise StatusError(f"tip {tip_id} was {tip['state']} already")
    return tip


def accept(
    conn,
    db: sqlite_utils.Database,
    settings: Settings,
    tip_id: int,
    *,
    who: str,
    commitment_id: str,
    stance: str,
    day: date,
    note: str,
    note_es: str = "",
) -> int:
    """Make a tip accepted evidence (its upload archived as a document); returns the evidence
    id. The editor sets the promise, the stance and the date: the reader's are suggestions."""
    tip = _pending_tip(conn, tip_id)
    if stance not in tuple(Stance):
        raise StatusError("say whether the tip is for the promise, against it, or context")
    if day > today(settings.tz):
        raise StatusError(f"{day.isoformat()} is in the future: evidence cannot be dated ahead")
    data = None
    if tip["upload_sha256"]:
        data = archive.read_blob(settings.archive_dir, tip["upload_sha256"])
    # A tip with only an upload points at our own archived copy, the one source there is.
    url = tip["url"] or f"{settings.base_url}/documents/{tip['upload_sha256']}/raw"
    text = note.strip()
    if note_es.strip():
        text = f"{text}\n[es] {note_es.strip()}"
    evidence_id = evidence_mod.add_manual(
        db,
        settings,
        commitment_id=commitment_id,
        url=url,
        day=day,
        note=text,
        who=who,
        stance=stance,
        title=tip["shows"][:120],
        data=data,
        snippet=tip["passage"],
    )
    db["audit_log"].insert(
        {
            "at": utcnow(),
            "who": who,
            "action": "tip:accepted",
            "target": f"tip:{tip_id}",
            "detail": json.dumps({"evidence": evidence_id, "commitment": commitment_id,
                                  "stance": stance, "note": text}),
        }
    )  # fmt: skip
    db.conn.commit()
    _decide(conn, tip_id, "accepted", who, text, evidence_id)
    return evidence_id


def decline(conn, db: sqlite_utils.Database, tip_id: int, *, who: str, note: str) -> None:
    """Turn a tip down with a note. The public log says a tip was declined and why, never what
    it said or who sent it: an unreviewed tip is not published, and a declined one never is."""
    _pending_tip(conn, tip_id)
    if not note.strip():
        raise StatusError("say why the tip is declined (the note is in the public audit log)")
    db["audit_log"].insert(
        {
            "at": utcnow(),
            "who": who,
            "action": "tip:rejected",
            "target": f"tip:{tip_id}",
            "detail": json.dumps({"note": note.strip()}),
        }
    )
    db.conn.commit()
    _decide(conn, tip_id, "declined", who, note.strip(), None)


def _decide(conn, tip_id: int, state: str, who: str, note: str, evidence_id: int | None) -> None:
    with conn:
        conn.execute(
            """update tips set state = ?, decided_by = ?, decided_at = ?, decision_note = ?,
               evidence_id = ? where id = ?""",
            (state, who, utcnow(), note, evidence_id, tip_id),
        )
