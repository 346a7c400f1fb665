"""The editors' accounts and login attempts, in data/desk.db.

Kept out of tracker.db on purpose: that file is published as open data, and password hashes,
logins and the addresses of failed attempts must never be in it. The public sees an editor's
display name (or role), never the login name.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .db import utcnow
from .errors import DeskError

ROLES = ("editor", "admin")
MIN_PASSWORD = 12
# Failed logins allowed in the window, per account and per address, before refusing more.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()  # Argon2id with the library's recommended cost
# Verified when the login name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only here for timing")

SCHEMA = """
create table if not exists users (
  name text primary key,
  display_name text not null,
  role text not null,
  password_hash text not null,
  disabled integer not null default 0,
  created_at text not null,
  password_changed_at text not null
);
create table if not exists login_failures (
  id integer primary key,
  account text not null,
  address text not null,
  at text not null
);
create index if not exists login_failures_account on login_failures (account, at);
create index if not exists login_failures_address on login_failures (address, at);
"""


@dataclass(frozen=True)
class User:
    name: str
    display_name: str
    role: str
    disabled: bool
    password_changed_at: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.executescript(SCHEMA)
    return conn


def _user(row: sqlite3.Row | None) -> User | None:
    if row is None:
        return None
    return User(
        name=row["name"],
        display_name=row["display_name"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        password_changed_at=row["password_changed_at"],
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DeskError(f"a password needs at least {MIN_PASSWORD} characters")


def add_user(conn, name: str, password: str, *, role: str, display_name: str) -> User:
    name = name.strip().lower()
    if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise DeskError(f"login name {name!r}: letters, digits, '-', '_' or '.' only")
    if role not in ROLES:
        raise DeskError(f"role {role!r} unknown (one of: {', '.join(ROLES)})")
    if not display_name.strip():
        raise DeskError("a display name is needed: the public sees it beside decisions")
    _check_password(password)
    taken = conn.execute(
        "select 1 from users where display_name = ?", (display_name.strip(),)
    ).fetchone()
    if taken:  # published beside decisions, and what tells two editors apart
        raise DeskError(f"the display name {display_name.strip()!r} is taken")
    now = utcnow()
    try:
        with conn:
            conn.execute(
                "insert into users values (?, ?, ?, ?, 0, ?, ?)",
                (name, display_name.strip(), role, _hasher.hash(password), now, now),
            )
    except sqlite3.IntegrityError:
        raise DeskError(f"a user named {name!r} exists already") from None
    return get_user(conn, name)  # type: ignore[return-value]


def get_user(conn, name: str) -> User | None:
    return _user(conn.execute("select * from users where name = ?", (name,)).fetchone())


def list_users(conn) -> list[User]:
    return [_user(r) for r in conn.execute("select * from users order by name")]  # type: ignore[misc]


def _require(conn, name: str) -> User:
    user = get_user(conn, name)
    if user is None:
        raise DeskError(f"no user named {name!r}")
    return user


def disable_user(conn, name: str) -> None:
    _require(conn, name)
    with conn:  # a new password_changed_at also ends every open session of the account
        conn.execute(
            "update users set disabled = 1, password_changed_at = ? where name = ?",
            (utcnow(), name),
        )


def set_password(conn, name: str, password: str) -> None:
    _require(conn, name)
    _check_password(password)
    with conn:
        conn.execute(
            "update users set password_hash = ?, password_changed_at = ?, disabled = 0 "
            "where name = ?",
            (_hasher.hash(password), utcnow(), name),
        )


def throttled(conn, account: str, address: str, now: datetime | None = None) -> bool:
    """Too many recent failures for this account or from this address."""
    since = ((now or datetime.now(UTC)) - FAILURE_WINDOW).isoformat(timespec="seconds")
    by_account, by_address = conn.execute(
        """select (select count(*) from login_failures where account = ? and at >= ?),
                  (select count(*) from login_failures where address = ? and at >= ?)""",
        (account, since, address, since),
    ).fetchone()
    return by_account >= MAX_FAILURES or by_address >= MAX_FAILURES


def authenticate(conn, name: str, password: str, address: str) -> User | None:
    """The user if the password is right and the account is open; a failure is recorded
    against the account and the address (raises DeskError when throttled)."""
    name = name.strip().lower()
    if throttled(conn, name, address):
        raise DeskError("too many failed logins: wait 15 minutes and try again")
    row = conn.execute("select * from users where name = ?", (name,)).fetchone()
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        ok = row is not None and not row["disabled"]
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        with conn:
            conn.execute(
                "insert into login_failures (account, address, at) values (?, ?, ?)",
                (name, address, utcnow()),
            )
        return None
    with conn:  # a good login clears the account's failures (not the address's)
        conn.execute("delete from login_failures where account = ?", (name,))
    return _user(row)
