"""One read connection per request, closed when the request ends."""

from __future__ import annotations

import sqlite_utils
from flask import current_app, g, url_for

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


def settings():
    """The app's Settings."""
    return current_app.config["SETTINGS"]


def local_today():
    """Today where the council sits: the day every page and cache key is about."""
    from ..status import today

    return today(settings().tz)


def known_by(as_of):
    """What the record held by the end of `as_of` (None for today's page)."""
    from ..status import known_by as cutoff

    return cutoff(as_of, settings().tz) if as_of else None


def absolute_url(endpoint: str, **values) -> str:
    """url_for() made absolute on the configured base URL (Settings.base_url), never on the
    request's Host: a page is cached for every reader, whatever Host its first reader sent."""
    return settings().base_url + url_for(endpoint, **values)
