"""Conditional GET and a cache of rendered public pages, invalidated when the data changes.

A page depends on the database, the day (stalled is derived from dates; the stale banner), the
language, the path and the few query arguments its view reads (KNOWN_ARGS, normalised): any
other argument is left out of the key, so `?v=1`, `?v=2`, … are one entry, not one each. The
cache is bounded in bytes (TRACKER_PAGE_CACHE_MB), least recently used first out.

The database's version is SQLite's `PRAGMA data_version` on one long-lived connection: it
changes whenever another connection commits. It is read at most once per CHECK_SECONDS: a call
into SQLite gives up the GIL, and under many concurrent requests each such call costs a wait
for the GIL to come back, so a cache hit makes no call and takes no lock.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, request

from ..db import data_version
from ..health import is_stale, last_success_at
from .args import strict_int
from .database import local_today


def _day(raw: str) -> str | None:
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return raw  # the view answers 400, which is never cached


def _year(raw: str) -> str | None:
    year = strict_int(raw, 1000, 9999)
    return str(year) if year else None


def _evidence(raw: str) -> str | None:
    evidence = strict_int(raw, 1)
    return str(evidence) if evidence else None


# Cacheable endpoints, and for each the query arguments its view reads, each normalised to
# the value the view acts on (None: the view ignores it). Only the first value counts, as
# with request.args.get().
KNOWN_ARGS: dict[str, dict[str, Callable[[str], str | None]]] = {
    "public.overview": {"as_of": _day},
    "public.commitment": {"as_of": _day},
    "public.commitment_as_of": {},
    "records.meetings": {
        "year": _year,
        "hidden": lambda v: "1" if v == "1" else None,
        "as_of": _day,
    },
    "records.meeting": {"as_of": _day},
    "records.document": {"evidence": _evidence},
    "about.methodology": {},
    "about.corrections": {},
    "about.sources": {},
    "feeds.status_feed": {},
    "feeds.evidence_feed": {},
    "feeds.agenda_feed": {},
    "feeds.commitment_feed": {},
    "feeds.calendar_all": {},
    "feeds.calendar_commitment": {},
    "data.downloads": {},
}
CACHEABLE = set(KNOWN_ARGS)
MAX_ENTRIES = 4096  # besides the byte limit: many tiny pages cost their keys and tuples too
ENTRY_OVERHEAD = 400  # bytes of Python objects around each entry's key and body
CHECK_SECONDS = 1.0  # how stale a page may be after a write (0 in tests)
SECURITY_HEADERS = {
    # No inline script or style anywhere: templates and SVG use classes only. No plug-ins,
    # and forms post only here: an injected <form> cannot send a tip or a password elsewhere.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'self'",
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
        # least recently used first; a lookup is one atomic read plus a best-effort
        # move_to_end, with no lock: only stores and evictions take it
        self.entries: OrderedDict[str, tuple[str, bytes, str, str]] = OrderedDict()
        self.bytes = 0
        self.limit = app.config["SETTINGS"].page_cache_mb * 2**20
        self.lock = threading.Lock()
        self.started = datetime.now(UTC).isoformat()
        check = 0.0 if app.testing else app.config.get("PAGE_CACHE_CHECK_SECONDS", CHECK_SECONDS)
        self.data = DataVersion(app.config["SETTINGS"].db_path, check)
        app.before_request(self.before)
        app.after_request(self.after)
        app.extensions["tracker.page_cache"] = self

    def _tag(self) -> tuple[str, str]:
        version, changed, last_success = self.data.read()
        settings = self.app.config["SETTINGS"]
        stale = is_stale(
            datetime.fromisoformat(last_success) if last_success else None,
            settings,
            datetime.now(UTC),
        )
        lang = request.environ.get("tracker.lang", "en")
        raw = f"{version}|{local_today()}|{stale}|{lang}|{cache_key()}|{self.started}"
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
        key = cache_key()
        hit = self.entries.get(key)
        if hit and hit[0] == etag:
            try:
                self.entries.move_to_end(key)
            except KeyError:  # evicted meanwhile by another thread
                pass
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
        self.store(cache_key(), (etag, response.get_data(), response.mimetype, lang))
        return response

    def store(self, key: str, entry: tuple[str, bytes, str, str]) -> None:
        size = len(key) + len(entry[1]) + ENTRY_OVERHEAD
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= len(key) + len(old[1]) + ENTRY_OVERHEAD
            if size > self.limit:
                return  # larger than the whole cache (or the cache is off): not kept
            self.entries[key] = entry
            self.bytes += size
            while self.bytes > self.limit or len(self.entries) > MAX_ENTRIES:
                gone, dropped = self.entries.popitem(last=False)
                self.bytes -= len(gone) + len(dropped[1]) + ENTRY_OVERHEAD

    @staticmethod
    def _not_modified(etag: str, modified: str) -> Response:
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Last-Modified"] = modified
        return response


def page_query() -> str:
    """The query string that makes this page what it is: on a cacheable page its known
    arguments only, normalised and sorted; elsewhere (search) the request's own."""
    known = KNOWN_ARGS.get(request.endpoint or "")
    if known is None:
        return request.query_string.decode("utf-8", "replace")
    pairs = []
    for name, normalise in sorted(known.items()):
        raw = request.args.get(name)
        value = normalise(raw) if raw is not None else None
        if value is not None:
            pairs.append((name, value))
    return urlencode(pairs)


def cache_key() -> str:
    """Language, path and page_query(): one entry per page, whatever else the URL carries."""
    query = page_query()
    return request.script_root + request.path + ("?" + query if query else "")
