"""The static mirror: every public page in both languages, the feeds, calendars, CSVs, the
database and the API's JSON, written as files with relative links, for any static host or CDN.

What to write comes from the app itself, not from a hand list: every GET route of its
url_map, each path argument filled from the record by its name (commitment_id, meeting_id,
sha256, table, day). A route added later, such as a per-commitment feed, is mirrored as soon
as it is registered; a route whose argument no provider knows is reported, not guessed.

Files are named after their URL plus the extension of what they hold (`/meetings` ->
`meetings.html`, `/api/v1/items` -> `api/v1/items.json`, `/es/` -> `es/index.html`), so a
static server answers the site's own URLs with `try_files $uri $uri.html $uri.json`. Links in
pages are rewritten relative to the file, so the mirror also works opened from disk; a link to
something not mirrored (the desk, a search with words) points at the live site.

Pages are rendered by the test client through the app's own views (one app context, so one
database connection, per worker; forked worker processes from the command line), every page
a rendered page links to is followed (an as-of page, ?year=, ?evidence=: the query arguments
the page cache knows make a page of their own, `meetings@year=2025.html`), and the build is
written beside the target and swapped in whole.

Why not Frozen-Flask: 1.0.2 runs with our Flask 3.1, but tried on this app it writes `/data`
as a file named `data`, then fails (FileExistsError) on `/data/tracker.db`, since our URLs
have no trailing slashes or extensions; it would also mirror /health. Renaming URLs for a
freezer would break permalinks, so the equivalent is here, with no new dependency.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import product
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlite_utils
from flask import Flask, g

from .. import export, opendata
from ..db import open_db
from .caching import KNOWN_ARGS

logger = logging.getLogger(__name__)

# Endpoints that are not public pages, or not files: the editors' desk, uptime JSON (of the
# server, not the data), a redirect, the API's catch-all for unknown URLs, the search box
# with words in it (the empty search page is mirrored, its form points at the live site).
EXCLUDED_PREFIXES = ("desk.",)
EXCLUDED = {"static", "ops.health", "public.commitments_index", "api.unknown"}
# A route with one of these in its path is one person's (a confirmation or unsubscribe link):
# never mirrored, and no warning about it.
PRIVATE_ARGUMENTS = {"token"}
# What is written in Spanish too: pages and feeds have words; data files are the same.
LOCALIZED = ("text/html", "application/atom+xml", "application/rss+xml", "text/calendar",
             "application/xml", "text/xml")  # fmt: skip
EXTENSIONS = {
    "text/html": ".html",
    "application/json": ".json",
    "text/csv": ".csv",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/atom+xml": ".xml",
    "application/rss+xml": ".xml",
    "text/calendar": ".ics",
    "application/vnd.sqlite3": ".db",
}


def _today(app: Flask) -> list[str]:
    from ..status import today

    return [today(app.config["SETTINGS"].tz).isoformat()]


# Values of each path argument, by its name, from the record.
PROVIDERS: dict[str, Callable[[sqlite_utils.Database, Flask], list[str]]] = {
    "commitment_id": lambda db, app: opendata.commitment_ids(db),
    "meeting_id": lambda db, app: opendata.meeting_ids(db),
    "sha256": lambda db, app: opendata.document_shas(db),
    "table": lambda db, app: list(export.EXPORTS),
    "day": lambda db, app: _today(app),  # the as-of permalink the cite box shows today
}


@dataclass
class Report:
    """What a build wrote and what it could not."""

    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    failed: list[tuple[str, int]] = field(default_factory=list)
    broken: list[tuple[str, int]] = field(default_factory=list)  # linked, but not found live
    skipped_routes: list[str] = field(default_factory=list)
    live_links: int = 0


def public_urls(app: Flask) -> tuple[list[str], list[str]]:
    """Every public GET URL in English, and the routes no provider can fill."""
    db = open_db(app.config["SETTINGS"].db_path, migrate=False)
    urls, skipped = [], []
    adapter = app.url_map.bind("localhost")
    try:
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            endpoint = rule.endpoint
            if (
                "GET" not in (rule.methods or ())
                or endpoint in EXCLUDED
                or endpoint.startswith(EXCLUDED_PREFIXES)
            ):
                continue
            names = sorted(rule.arguments)
            if PRIVATE_ARGUMENTS & set(names):
                continue
            if any(name not in PROVIDERS for name in names):
                skipped.append(rule.rule)
                continue
            choices = [PROVIDERS[name](db, app) for name in names]
            for combo in product(*choices):
                urls.append(adapter.build(endpoint, dict(zip(names, combo, strict=True))))
    finally:
        db.conn.close()
    return urls, skipped


def file_for(path: str, mimetype: str) -> str:
    """The mirror's file for a URL path and what it holds (no leading slash)."""
    ext = EXTENSIONS.get(mimetype) or mimetypes.guess_extension(mimetype) or ""
    if path.endswith("/"):
        return path.lstrip("/") + "index" + ext
    last = path.rsplit("/", 1)[-1]
    return path.lstrip("/") + ("" if "." in last else ext)


def _links(html: str, base_url: str) -> list[str]:
    """The site links of a page, as path?query (absolute links to the site's address too)."""
    found = []
    for match in _link_pattern(base_url).finditer(html):
        parts = urlsplit(match.group(2).replace("&amp;", "&").removeprefix(base_url))
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _link_pattern(base_url: str) -> re.Pattern:
    return re.compile(rf'(\s(?:href|src|action)=")((?:{re.escape(base_url)})?/(?!/)[^"]*)(")')


class Keys:
    """The mirror's key for each link a page holds: its path, plus the query arguments that
    make it another page (caching.KNOWN_ARGS, normalised as the page cache does: ?year=,
    ?as_of=, ?evidence=); None when it is not a mirrored route. Remembered per link: every
    page repeats the same navigation links, and matching one against the url_map costs."""

    def __init__(self, app: Flask) -> None:
        self.adapter = app.url_map.bind("localhost")
        self.memo: dict[str, str | None] = {}

    def route(self, path: str) -> str | None:
        local = path[3:] if path.startswith("/es/") else path
        try:
            endpoint, _args = self.adapter.match(local, method="GET")
        except Exception:  # not a route (NotFound, a redirect, another method)
            return None
        if endpoint in EXCLUDED or endpoint.startswith(EXCLUDED_PREFIXES):
            return None
        return endpoint

    def __call__(self, link: str) -> str | None:
        if link in self.memo:
            return self.memo[link]
        parts = urlsplit(link)
        endpoint = self.route(parts.path)
        key = None
        if endpoint is not None:
            args = dict(parse_qsl(parts.query))
            pairs = []
            for name, normalise in sorted(KNOWN_ARGS.get(endpoint, {}).items()):
                value = normalise(args[name]) if name in args else None
                if value is not None:
                    pairs.append((name, value))
            key = parts.path + (f"?{urlencode(pairs)}" if pairs else "")
        self.memo[link] = key
        return key


def file_for_key(key: str, mimetype: str) -> str:
    """Like file_for(), a page with query arguments named `path@name=value.ext`."""
    path, _, query = key.partition("?")
    name = file_for(path, mimetype)
    if not query:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    return f"{stem}@{query.replace('&', '@')}" + (f".{ext}" if ext else "")


@dataclass
class _Part:
    """What one worker wrote of a round: files by URL, their kinds, pages, links found."""

    files: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    links: set[str] = field(default_factory=set)
    failed: list[tuple[str, int]] = field(default_factory=list)
    bytes: int = 0


# The app and build folder of a build, for worker processes (forked: they inherit them).
_BUILD: dict = {}


def _render(urls: list[str]) -> _Part:
    """Fetch each URL (and its Spanish page when it has words) and write it under the build."""
    app, work, base = _BUILD["app"], _BUILD["work"], _BUILD["base"]
    part = _Part()
    client = app.test_client()
    with app.app_context():  # one for all these pages: one database connection, not one each
        for url in urls:
            _fetch(client, url, work, base, part)
    return part


def _fetch(client, url: str, work: Path, base: str, part: _Part) -> None:
    for lang_url in (url, "/es" + url):
        if lang_url != url and part.kinds.get(url) not in LOCALIZED:
            continue
        # Flask-Babel keeps the locale in the app context; each page has its own language.
        g.pop("_flask_babel", None)
        with client.get(lang_url) as response:
            if response.status_code != 200:
                part.failed.append((lang_url, response.status_code))
                continue
            name = file_for_key(lang_url, response.mimetype)
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            data = response.get_data()
            target.write_bytes(data)
            part.files[lang_url] = name
            part.kinds[lang_url] = response.mimetype
            part.bytes += len(data)
            if response.mimetype == "text/html":
                part.pages.append(name)
                part.links.update(_links(data.decode("utf-8", "replace"), base))


def _rewrite(names: list[str]) -> int:
    """Make the links of these pages relative (see relative_links); return the live links."""
    work, base, keys, files = _BUILD["work"], _BUILD["base"], _BUILD["keys"], _BUILD["files"]
    live = 0
    for name in names:
        path = work / name
        html, count = relative_links(keys, path.read_text(encoding="utf-8"), name, files, base)
        live += count
        path.write_text(html, encoding="utf-8")
    return live


def _child_start() -> None:
    # A forked worker must not use the parent's SQLite connection (SQLite forbids carrying
    # one across fork): the page cache's change counter gets its own.
    import sqlite3

    app = _BUILD["app"]
    cache = app.extensions["tracker.page_cache"]
    cache.data.conn = sqlite3.connect(app.config["SETTINGS"].db_path, check_same_thread=False)


def _pool(workers: int):
    if workers <= 1:
        return None
    import multiprocessing

    return multiprocessing.get_context("fork").Pool(workers, initializer=_child_start)


def _chunks(items: list, n: int) -> list[list]:
    return [items[i::n] for i in range(n) if items[i::n]]


def build_static(app: Flask, out_dir: Path, workers: int = 1) -> Report:
    """Write the mirror into `out_dir`, replacing what was there only once it is complete.

    Every URL of public_urls() in English (and in Spanish when it has words), then every page
    those pages link to that is a public route and not written yet (an as-of page a text
    links to, a document with a passage highlighted), as Frozen-Flask follows links; then the
    links of every page are made relative. With `workers` > 1 the pages are rendered by that
    many forked processes (only from a process with no other threads: the command line)."""
    started = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    work = out_dir.with_name(f".{out_dir.name}.building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    report = Report()
    app.config["API_ONE_PAGE"] = True  # a file cannot answer ?page=2: every row in one
    keys = Keys(app)
    _BUILD.update(app=app, work=work, base=app.config["SETTINGS"].base_url, keys=keys)
    pool = _pool(workers)

    def run(fn, chunks):
        return pool.map(fn, chunks) if pool else [fn(c) for c in chunks]

    try:
        files: dict[str, str] = {}  # URL path (and page-making query) -> file
        pages: list[str] = []
        urls, report.skipped_routes = public_urls(app)
        seen, linked = set(urls), False
        while urls:
            found: set[str] = set()
            for part in run(_render, _chunks(urls, workers * 4)):
                files.update(part.files)
                pages.extend(part.pages)
                found |= part.links
                (report.broken if linked else report.failed).extend(part.failed)
                report.files += len(part.files)
                report.bytes += part.bytes
            urls = []
            for link in sorted(found):
                link = link[3:] if link.startswith("/es/") else link  # both come together
                key = keys(link)
                if key is not None and key not in seen:
                    seen.add(key)
                    urls.append(key)
            linked = True
        static = Path(app.static_folder or "")
        for path in sorted(static.rglob("*")):
            if path.is_file():
                rel = path.relative_to(static).as_posix()
                (work / "static" / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, work / "static" / rel)
                files[f"{app.static_url_path}/{rel}"] = f"static/{rel}"
                report.files += 1
        _BUILD["files"] = files
        if pool:  # the workers were forked before `files` was complete: start them anew
            pool.close()
            pool.join()
            pool = _pool(workers)
        report.live_links = sum(run(_rewrite, _chunks(pages, workers * 4)))
    finally:
        if pool:
            pool.close()
            pool.join()
        _BUILD.clear()
    _swap(work, out_dir)
    report.seconds = time.perf_counter() - started
    return report


def relative_links(
    keys: Keys, html: str, name: str, files: dict[str, str], base_url: str
) -> tuple[str, int]:
    """`html` (the file `name`) with each link to the site made relative to it; a link to
    what the mirror lacks points at the live site. Returns the text and how many such links."""
    here = os.path.dirname(name) or "."
    live = 0

    def swap(match: re.Match) -> str:
        nonlocal live
        raw = match.group(2)
        if "action=" in match.group(1):  # a form needs the live site to answer it
            live += 1
            return (
                match.group(0)
                if raw.startswith(base_url)
                else (match.group(1) + base_url + raw + match.group(3))
            )
        parts = urlsplit(raw.replace("&amp;", "&").removeprefix(base_url))
        key = keys(parts.path + (f"?{parts.query}" if parts.query else ""))
        target = None
        for candidate in (key, parts.path):
            if candidate is None:
                continue
            target = files.get(candidate)
            if target is None and candidate.startswith("/es/"):
                target = files.get(candidate[3:])  # data files exist once, in no language
            if target is not None:
                break
        if target is None:
            if raw.startswith(base_url):
                return match.group(0)
            live += 1
            return match.group(1) + base_url + raw + match.group(3)
        rel = os.path.relpath(target, here)
        return match.group(1) + rel + (f"#{parts.fragment}" if parts.fragment else "") + '"'

    return _link_pattern(base_url).sub(swap, html), live


def _swap(work: Path, out_dir: Path) -> None:
    """Put the finished build in place of the old one (a rename, never a half-written dir)."""
    old = out_dir.with_name(f".{out_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    work.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def build_and_report(settings, out_dir: Path, workers: int = 1) -> Report:
    """Build the mirror with an app of its own (its API lists in one page); in one process
    when this one runs other threads (the server, the scheduler): forking those is unsafe."""
    import threading

    from . import create_app

    if threading.active_count() > 1:
        workers = 1

    # every page is rendered once: a page cache would only hold copies
    app = create_app({"SETTINGS": replace(settings, page_cache_mb=0), "API_ONE_PAGE": True})
    report = build_static(app, out_dir, workers)
    logger.info(
        "static mirror %s: %d files, %d bytes, %.1f s, %d failed",
        out_dir,
        report.files,
        report.bytes,
        report.seconds,
        len(report.failed),
    )
    return report
