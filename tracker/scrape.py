"""The scrape stage: fetch the Granicus listing and its documents, archive them, then process.

The scraper (scrapers/granicus.py) only parses; this module owns the loop, the meetings table
and the decision of what to fetch. An unchanged site costs the listing plus a conditional GET
per upcoming agenda: documents of past meetings already archived are not asked for again.
"""

from __future__ import annotations

import logging
import sys
from datetime import date

import sqlite_utils
from tqdm import tqdm

from scrapers import granicus
from scrapers.http import PoliteClient, host_of

from . import archive, process
from .config import Settings
from .db import utcnow
from .errors import FetchError
from .runs import Run

logger = logging.getLogger(__name__)
SOURCE_ID = "granicus"


def scrape(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    since: date | None = None,
    refresh: bool = False,
    upcoming_only: bool = False,
    progress: bool | None = None,
    job: str | None = None,
) -> Run:
    """Run one Granicus scrape; the returned Run says how it went. Callers hold the pipeline
    lock (tracker.pipeline.update) so that two scrapes never run at once."""
    run = Run(db, "scrape", SOURCE_ID, job=job)
    with PoliteClient.from_settings(settings, {host_of(settings.granicus_url)}) as client:
        try:
            failed = _scrape(db, settings, client, run, since, refresh, upcoming_only, progress)
        except Exception as exc:  # a bug must still close the run, as failed, and say why
            logger.exception("scrape crashed")
            failed = f"internal error: {exc!r}"
        finally:
            run.requests = client.requests + client.robots_requests
            run.bytes = client.bytes
    run.finish(failed=failed)
    if db["documents"].count_where("parsed_at is null"):  # new ones, or left by a killed run
        process.process_documents(db, settings, only_pending=True, progress=progress)
    logger.info(
        "scrape %s: %d meetings, %d new and %d changed documents, %d requests, %d bytes, %d errors",
        run.outcome,
        run.meetings_seen,
        run.new_documents,
        run.changed_documents,
        run.requests,
        run.bytes,
        len(run.errors),
    )
    return run


def _scrape(db, settings, client, run, since, refresh, upcoming_only, progress) -> str | None:
    """Return why the run failed, or None; a failed document goes on the run, the loop goes on."""
    base, view = settings.granicus_url, settings.granicus_view_id
    listing_url = granicus.publisher_url(base, view)
    try:
        page = client.get(listing_url)
    except FetchError as exc:
        run.error(exc.url, exc.reason)
        return f"listing unavailable: {exc.reason}"
    listing = granicus.parse_publisher(page.body.decode("utf-8", "replace"), base, view)
    for warning in listing.warnings:
        logger.warning("%s: %s", listing_url, warning)
        if "layout changed" in warning:  # format drift is recorded on the run, not only logged
            run.error(listing_url, warning)
    records = granicus.merge_records(listing.meetings)
    run.meetings_seen = len(records)
    if not records:
        known = db["meetings"].count_where("source_id = ?", [SOURCE_ID])
        why = "; ".join(listing.warnings) or "no meeting rows"
        return (
            f"layout changed? {listing_url} yielded no meetings ({why}); "
            f"{known} meetings known before are kept"
        )
    if "archive" not in listing.tables_found and db["meetings"].count_where(
        "source_id = ? and clip_id is not null", [SOURCE_ID]
    ):
        return (
            f"layout changed? {listing_url} has no archive table, where recorded meetings were "
            "listed before; nothing was changed"
        )
    _ensure_source(db, settings)
    with db.atomic():
        meeting_ids = [_upsert_meeting(db, record) for record in records]

    todo = []
    for meeting_id, record in zip(meeting_ids, records, strict=True):
        if since and record.date < since:
            continue
        if upcoming_only and record.status == "passed":
            continue
        for kind, url in _document_urls(record, base, view):
            todo.append((meeting_id, record, kind, url))
    show = sys.stderr.isatty() if progress is None else progress
    for meeting_id, record, kind, url in tqdm(todo, desc="documents", unit="doc", disable=not show):
        latest = archive.latest_version(db, meeting_id, kind)
        if latest and not refresh and record.status == "passed" and latest["url"] == url:
            continue  # archived meetings' documents do not change; `--refresh` re-checks them
        try:
            _fetch_document(db, settings, client, run, meeting_id, kind, url, latest)
        except FetchError as exc:
            run.error(exc.url, exc.reason)
        except Exception as exc:  # one document never stops the run
            logger.exception("unexpected error on %s", url)
            run.error(url, f"internal error: {exc!r}")
    return None


def _document_urls(record: granicus.MeetingRecord, base: str, view: int):
    """Agenda and minutes URLs rebuilt from the ids on our configured base URL."""
    ids = {"clip_id": record.clip_id} if record.clip_id else {"event_id": record.event_id}
    if record.agenda_url and (record.clip_id or record.event_id):
        yield "agenda", granicus.agenda_url(base, view, **ids)
    if record.minutes_url and record.clip_id:
        yield "minutes", granicus.minutes_url(base, view, clip_id=record.clip_id)


def _fetch_document(db, settings, client, run, meeting_id, kind, url, latest) -> None:
    result = client.get(
        url,
        etag=latest["etag"] if latest else None,
        last_modified=latest["last_modified"] if latest else None,
        expect_pdf=True,
    )
    if result.not_modified:
        return
    with db.atomic():
        stored = archive.record(
            db,
            settings.archive_dir,
            meeting_id=meeting_id,
            kind=kind,
            url=url,
            data=result.body,
            final_url=result.final_url,
            etag=result.etag,
            last_modified=result.last_modified,
            content_type=result.content_type,
        )
    if stored.change == "new":
        run.new_documents += 1
    elif stored.change == "changed":
        run.changed_documents += 1
        logger.info("%s %s of %s changed: new version kept beside the old", kind, url, meeting_id)


def _ensure_source(db: sqlite_utils.Database, settings: Settings) -> None:
    db["sources"].upsert(
        {
            "id": SOURCE_ID,
            "name": "Granicus",
            "base_url": settings.granicus_url,
            "kind": "granicus",
        },
        pk="id",
    )


def _existing_id(db: sqlite_utils.Database, record: granicus.MeetingRecord) -> str | None:
    """The stored meeting this record is: same clip, else same event, else the same key, but
    only when that row's ids do not name another meeting (a meeting moved to another day, and
    a new one posted in its place, stay two meetings)."""
    for column, value in (("clip_id", record.clip_id), ("event_id", record.event_id)):
        if value:
            rows = list(db["meetings"].rows_where(f"{column} = ?", [value], limit=1))
            if rows:
                return rows[0]["id"]
    suffix = 1
    while True:
        key = record.key if suffix == 1 else f"{record.key}-x{suffix}"
        rows = list(db["meetings"].rows_where("id = ?", [key]))
        if not rows:
            return key
        row = rows[0]
        if all(
            not mine or not theirs or mine == theirs
            for mine, theirs in (
                (record.event_id, row["event_id"]),
                (record.clip_id, row["clip_id"]),
            )
        ):
            return key
        suffix += 1


def _upsert_meeting(db: sqlite_utils.Database, record: granicus.MeetingRecord) -> str:
    meeting_id = _existing_id(db, record)
    now = utcnow()
    old = (
        db["meetings"].get(meeting_id) if db["meetings"].count_where("id = ?", [meeting_id]) else {}
    )
    row = {
        "id": meeting_id,
        "source_id": SOURCE_ID,
        "title": record.title,
        "body": record.body,
        "date": record.date.isoformat(),
        "time": record.time or old.get("time"),
        "status": record.status,
        "hidden": int(record.hidden),
        "hidden_reason": record.hidden_reason,
        "duration_minutes": record.duration_minutes or old.get("duration_minutes"),
        "video_url": record.video_url or old.get("video_url"),
        "event_id": record.event_id or old.get("event_id"),
        "clip_id": record.clip_id or old.get("clip_id"),
        "first_seen": old.get("first_seen") or now,
        "last_seen": now,
    }
    db["meetings"].upsert(row, pk="id")
    return meeting_id
