"""Conditional GET and a cache of rendered public pages, invalidated when the data changes.

A page depends on the database, the day (stalled is derived from dates; the stale banner), the
language and the URL. The database's version is SQLite's `PRAGMA data_version` on one
long-lived connection: it changes whenever another connection commits. It is read at most once
per CHECK_SECONDS: a call into SQLite gives up the GIL, and under many concurrent requests each
such call costs a wait for the GIL to come back, so a cache hit makes no call and takes no lock.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from flask import Flask, Response, request

from ..db import data_version
from ..health import is_stale, last_success_at
from .database import local_today

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
CHECK_SECONDS = 1.0  # how stale a page may be after a write (0 in tests)
SECURITY_HEADERS = {
    # No inline script or style anywhere: templates and SVG use classes only.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class DataVersion:
    """The database's change counter, and when this process first saw its current value."""

    def __init__(self, db_path: Path, check_seconds: float) -> None:
        self.conn = sqlite3.connect(db_path, check_same_thread=False)
        self.lock = threading.Lock()
        self.check_seconds = check_seconds
        self.checked = -1e9
        self.state: tuple[int, datetime, str | None] = (-1, datetime.now(UTC), None)

    def read(self) -> tuple[int, datetime, str | None]:
        """(version, when it changed, end of the last successful scrape): the banner saying
        the data may be stale depends on the last, and on the clock."""
        if time.monotonic() - self.checked < self.check_seconds:
            return self.state
        with self.lock:
            version = data_version(self.conn)
            if version != self.state[0]:
                self.state = (version, datetime.now(UTC), last_success_at(self.conn))
            self.checked = time.monotonic()
            return self.state


class PageCache:
    """Rendered pages by URL and language, each stored with the ETag it was rendered under."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.entries: dict[str, tuple[str, bytes, str, str]] = {}
        self.lock = threading.Lock()  # for stores only: a lookup is one atomic dict read
        self.started = datetime.now(UTC).isoformat()
        check = 0.0 if app.testing else app.config.get("PAGE_CACHE_CHECK_SECONDS", CHECK_SECONDS)
        self.data = DataVersion(app.config["SETTINGS"].db_path, check)
        app.before_request(self.before)
        app.after_request(self.after)

    def _tag(self) -> tuple[str, str]:
        version, changed, last_success = self.data.read()
        settings = self.app.config["SETTINGS"]
        stale = is_stale(
            datetime.fromisoformat(last_success) if last_success else None,
            settings,
            datetime.now(UTC),
        )
        lang = request.environ.get("tracker.lang", "en")
        raw = (
            f"{version}|{local_today()}|{stale}|{lang}|{request.script_root}|{request.full_path}|"
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
        hit = self.entries.get(request.script_root + request.full_path)
        if hit and hit[0] == etag:
            request.environ["tracker.cache_hit"] = True
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
        if request.environ.get("tracker.cache_hit"):
            return response
        key = request.script_root + request.full_path
        with self.lock:
            self.entries.pop(key, None)
            self.entries[key] = (etag, response.get_data(), response.mimetype, lang)
            while len(self.entries) > MAX_ENTRIES:  # the oldest stored goes first
                del self.entries[next(iter(self.entries))]
        return response

    @staticmethod
    def _not_modified(etag: str, modified: str) -> Response:
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Last-Modified"] = modified
        return response
