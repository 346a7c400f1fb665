"""People who asked for email alerts, in data/alerts.db: who, in which language, on which
promises, and whether they confirmed (double opt-in).

Kept out of tracker.db on purpose, as the editors' accounts are: that file is published as
open data, and an email address must never be in it. Nothing here sends mail (tracker.outbox
does); a subscription is `pending` until its confirmation link is used, and an unsubscribed
row is kept (with no way back but a new subscription) so the outbox can tell not to send.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .db import utcnow
from .errors import AlertError, Throttled

LANGS = ("en", "es")
MAX_EMAIL = 254  # RFC 5321's limit for a path
# Subscriptions allowed in the window before refusing more: per address asking, per mailbox.
PER_ADDRESS = (5, timedelta(hours=1))
PER_EMAIL = (3, timedelta(days=1))
# Deliberately plain: one @, no spaces, no angle brackets or quotes, a dot in the domain. A
# stricter check rejects real addresses; the confirmation mail is the real test.
EMAIL = re.compile(r"[^@\s<>\"(),;:\\]+@[^@\s<>\"(),;:\\]+\.[^@\s<>\"(),;:\\.]+")

SCHEMA = """
create table if not exists subscribers (
  id integer primary key,
  email text not null,
  lang text not null,
  commitments text,            -- JSON list of commitment ids; null: every promise
  token text not null unique,  -- in the confirm and unsubscribe links
  state text not null,         -- pending / confirmed / unsubscribed
  status_after integer,        -- status events up to this id came before: not alerted
  created_at text not null,
  confirmed_at text,
  unsubscribed_at text
);
create index if not exists subscribers_email on subscribers (email, state);
create table if not exists subscribe_attempts (
  id integer primary key,
  address text not null,
  email text not null,
  at text not null
);
create index if not exists subscribe_attempts_address on subscribe_attempts (address, at);
create index if not exists subscribe_attempts_email on subscribe_attempts (email, at);
"""


@dataclass(frozen=True)
class Subscriber:
    id: int
    email: str
    lang: str
    commitments: tuple[str, ...] | None  # None: every promise
    token: str
    state: str
    confirmed_at: str | None
    status_after: int

    def follows(self, commitment_id: str) -> bool:
        return self.commitments is None or commitment_id in self.commitments


def connect(path: Path) -> sqlite3.Connection:
    """Open alerts.db (created on first use), in WAL mode, with its tables."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("pragma journal_mode = wal")
    conn.execute("pragma busy_timeout = 30000")
    conn.executescript(SCHEMA)
    from .outbox import SCHEMA as OUTBOX_SCHEMA

    conn.executescript(OUTBOX_SCHEMA)
    return conn


def _subscriber(row: sqlite3.Row | None) -> Subscriber | None:
    if row is None:
        return None
    ids = json.loads(row["commitments"]) if row["commitments"] else None
    return Subscriber(
        id=row["id"],
        email=row["email"],
        lang=row["lang"],
        commitments=tuple(ids) if ids is not None else None,
        token=row["token"],
        state=row["state"],
        confirmed_at=row["confirmed_at"],
        status_after=row["status_after"] or 0,
    )


def clean_email(raw: str) -> str:
    """The address as typed, trimmed; AlertError when it cannot be one (or could inject a
    header: a line break, a second address)."""
    email = (raw or "").strip()
    if len(email) > MAX_EMAIL or not EMAIL.fullmatch(email):
        raise AlertError("that does not look like an email address")
    return email


def throttled(conn, address: str, email: str, now: datetime | None = None) -> bool:
    """Whether this address, or this mailbox, has asked too often lately."""
    now = now or datetime.now(UTC)
    for column, value, (limit, window) in (
        ("address", address, PER_ADDRESS),
        ("email", email.lower(), PER_EMAIL),
    ):
        since = (now - window).isoformat(timespec="seconds")
        (count,) = conn.execute(
            f"select count(*) from subscribe_attempts where {column} = ? and at > ?",
            [value, since],
        ).fetchone()
        if count >= limit:
            return True
    return False


def subscribe(
    conn, email: str, lang: str, commitments: list[str] | None, address: str
) -> Subscriber:
    """A pending subscription (confirmed by its link); AlertError when refused, Throttled
    when this address or mailbox asked too often. The same answer whether or not the address
    was already subscribed, so the form tells nobody who is."""
    email = clean_email(email)
    if lang not in LANGS:
        raise AlertError(f"language {lang!r} unknown (one of: {', '.join(LANGS)})")
    with conn:
        if throttled(conn, address, email):
            raise Throttled("too many subscriptions asked for lately; try again later")
        conn.execute(
            "insert into subscribe_attempts (address, email, at) values (?, ?, ?)",
            [address, email.lower(), utcnow()],
        )
        cur = conn.execute(
            """insert into subscribers (email, lang, commitments, token, state, created_at)
               values (?, ?, ?, ?, 'pending', ?)""",
            [
                email,
                lang,
                json.dumps(sorted(set(commitments))) if commitments else None,
                secrets.token_urlsafe(32),
                utcnow(),
            ],
        )
    return get(conn, cur.lastrowid)


def get(conn, subscriber_id: int) -> Subscriber | None:
    row = conn.execute("select * from subscribers where id = ?", [subscriber_id]).fetchone()
    return _subscriber(row)


def by_token(conn, token: str) -> Subscriber | None:
    row = conn.execute("select * from subscribers where token = ?", [token]).fetchone()
    return _subscriber(row)


def confirm(conn, token: str, status_after: int) -> Subscriber | None:
    """Confirm a pending subscription; it replaces the mailbox's earlier one (new choices).
    Status changes up to event `status_after` (the newest now) are not news to them."""
    sub = by_token(conn, token)
    if sub is None or sub.state == "unsubscribed":
        return None
    if sub.state == "confirmed":
        return sub
    now = utcnow()
    with conn:
        conn.execute(
            """update subscribers set state = 'unsubscribed', unsubscribed_at = ?
               where lower(email) = lower(?) and state = 'confirmed' and id != ?""",
            [now, sub.email, sub.id],
        )
        conn.execute(
            """update subscribers set state = 'confirmed', confirmed_at = ?, status_after = ?
               where id = ?""",
            [now, status_after, sub.id],
        )
    return get(conn, sub.id)


def unsubscribe(conn, token: str) -> Subscriber | None:
    """Stop every alert to this subscription at once (idempotent); None for an unknown token."""
    sub = by_token(conn, token)
    if sub is None:
        return None
    with conn:
        conn.execute(
            """update subscribers set state = 'unsubscribed', unsubscribed_at = ?
               where id = ? and state != 'unsubscribed'""",
            [utcnow(), sub.id],
        )
    return get(conn, sub.id)


def confirmed(conn) -> list[Subscriber]:
    rows = conn.execute("select * from subscribers where state = 'confirmed' order by id")
    return [s for s in map(_subscriber, rows) if s is not None]


def counts(conn) -> dict[str, int]:
    """Subscriptions by state, for `alerts list`."""
    return {
        row["state"]: row["n"]
        for row in conn.execute("select state, count(*) n from subscribers group by state")
    }
