"""One read connection per request, closed when the request ends."""

from __future__ import annotations

import sqlite_utils
from flask import current_app, g

from ..db import open_db


def get_db() -> sqlite_utils.Database:
    """The request's database connection (opened once per request, never migrated here)."""
    if "db" not in g:
        g.db = open_db(current_app.config["SETTINGS"].db_path, migrate=False)
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()
