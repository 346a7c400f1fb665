"""Conditional GET and a cache of rendered public pages, invalidated when the data changes.

A page depends on the database, the day (stalled is derived from dates; the stale banner), the
language and the URL. The database's version is SQLite's `PRAGMA data_version` on one
long-lived connection: it changes whenever another connection commits, at the cost of a pragma.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from flask import Flask, Response, request

from ..status import today

CACHEABLE = {
    "public.overview",
    "public.commitment",
    "public.commitment_as_of",
    "records.meetings",
    "records.meeting",
    "records.document",
    "about.methodology",
    "about.corrections",
    "about.sources",
}
MAX_ENTRIES = 512
SECURITY_HEADERS = {
    # No inline script or style anywhere: templates and SVG use classes only.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class DataVersion:
    """The database's change counter, and when this process first saw its current value."""

    def __init__(self, db_path: Path) -> None:
        self.conn = sqlite3.connect(db_path, check_same_thread=False)
        self.lock = threading.Lock()
        self.version = -1
        self.changed = datetime.now(UTC)
        self.last_success: str | None = None

    def read(self) -> tuple[int, datetime, str | None]:
        """(version, when it changed, end of the last successful scrape): the banner saying
        the data may be stale depends on the last, and on the clock."""
        with self.lock:
            version = self.conn.execute("pragma data_version").fetchone()[0]
            if version != self.version:
                self.version, self.changed = version, datetime.now(UTC)
                self.last_success = self.conn.execute(
                    "select max(finished_at) from scrape_runs where kind = 'scrape' "
                    "and outcome in ('ok', 'partial')"
                ).fetchone()[0]
            return self.version, self.changed, self.last_success


class PageCache:
    """Rendered pages by URL and language, each stored with the ETag it was rendered under."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.entries: OrderedDict[str, tuple[str, bytes, str, str]] = OrderedDict()
        self.lock = threading.Lock()
        self.started = datetime.now(UTC).isoformat()
        self.data = DataVersion(app.config["SETTINGS"].db_path)
        app.before_request(self.before)
        app.after_request(self.after)

    def _tag(self) -> tuple[str, str]:
        version, changed, last_success = self.data.read()
        settings = self.app.config["SETTINGS"]
        stale = last_success is None or datetime.now(UTC) - datetime.fromisoformat(
            last_success
        ) > timedelta(days=settings.stale_days)
        lang = request.environ.get("tracker.lang", "en")
        raw = (
            f"{version}|{today()}|{stale}|{lang}|{request.script_root}|{request.full_path}|"
            f"{self.started}"
        )
        modified = format_datetime(changed.replace(microsecond=0), usegmt=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:32], modified

    def _cacheable(self) -> bool:
        return request.method in ("GET", "HEAD") and request.endpoint in CACHEABLE

    def before(self):
        if not self._cacheable():
            return None
        etag, modified = self._tag()
        request.environ["tracker.etag"] = (etag, modified)
        if request.if_none_match.contains(etag):
            return self._not_modified(etag, modified)
        key = request.script_root + request.full_path
        with self.lock:
            hit = self.entries.get(key)
            if hit and hit[0] == etag:
                self.entries.move_to_end(key)
                response = Response(hit[1], mimetype=hit[2])
                response.headers["Content-Language"] = hit[3]
                return response
        return None

    def after(self, response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        tagged = request.environ.get("tracker.etag")
        if not tagged or response.status_code != 200 or response.direct_passthrough:
            return response
        etag, modified = tagged
        response.set_etag(etag)
        response.headers["Last-Modified"] = modified
        response.headers["Cache-Control"] = "no-cache"  # always revalidate: a 304 is cheap
        lang = request.environ.get("tracker.lang", "en")
        response.headers["Content-Language"] = lang
        key = request.script_root + request.full_path
        with self.lock:
            self.entries[key] = (etag, response.get_data(), response.mimetype, lang)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return response

    @staticmethod
    def _not_modified(etag: str, modified: str) -> Response:
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Last-Modified"] = modified
        return response
