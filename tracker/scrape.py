"""The scrape stage: read every configured source, archive its documents, then process them.

Sources (`scrapers/`) only parse; this module owns the loop, the meetings table and the decision
of what to fetch, and knows no platform. An unchanged site costs its listing pages plus a
conditional GET per upcoming document: documents of past meetings already archived, and read,
are not asked for again.

A meeting two sources list is one meeting: the record of one source joins the stored meeting of
another by an explicit link (`Meeting.same_as`) or by the same day and body. The source listed
first in the jurisdiction file leads: its title and status stand, and its agenda or minutes are
kept over another source's copy; the others add what it lacks.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from datetime import date

import sqlite_utils
from tqdm import tqdm

from scrapers import source as sources
from scrapers.http import PoliteClient
from scrapers.source import DocumentLink, Follow, Listing, Meeting, Page, Source

from . import archive, process
from .config import Settings
from .db import utcnow
from .errors import FetchError
from .runs import Run, last_run
from .vocab import READABLE, MeetingStatus, Outcome, RunKind

logger = logging.getLogger(__name__)
# A source's pages read in one run, at most: a crawl that keeps finding "next" pages is a bug
# or a trap, not a council's record.
MAX_PAGES = 2000
# A listing with fewer than this share of the meetings the last good run saw was cut short
# (a truncated page, a half-rendered template): fail the run rather than report "ok".
SHRINK_FLOOR = 0.5
SHRINK_MIN_KNOWN = 10  # below this many, a quiet listing is not suspicious


def configured(settings: Settings) -> list[Source]:
    """The sources the jurisdiction file lists, built by their kind's module."""
    return [
        sources.build(
            c.kind,
            {
                **c.options,
                "id": c.id,
                "name": c.name,
                "base_url": c.url,
                "documents": [str(d) for d in c.documents],
            },
            settings.tz,
        )
        for c in settings.place.sources
    ]


def scrape(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    since: date | None = None,
    refresh: bool = False,
    upcoming_only: bool = False,
    progress: bool | None = None,
    job: str | None = None,
    only: str | None = None,
) -> list[Run]:
    """Scrape each configured source (or `only` that one), one Run each, then process what
    is new. Callers hold the pipeline lock (tracker.pipeline.update)."""
    runs = []
    for src in configured(settings):
        if only and src.id != only:
            continue
        runs.append(
            scrape_source(
                db,
                settings,
                src,
                since=since,
                refresh=refresh,
                upcoming_only=upcoming_only,
                progress=progress,
                job=job,
            )
        )
    if db["documents"].count_where("parsed_at is null"):  # new ones, or left by a killed run
        process.process_documents(db, settings, only_pending=True, progress=progress)
    return runs


def scrape_source(
    db: sqlite_utils.Database,
    settings: Settings,
    src: Source,
    *,
    since: date | None = None,
    refresh: bool = False,
    upcoming_only: bool = False,
    progress: bool | None = None,
    job: str | None = None,
) -> Run:
    run = Run(db, RunKind.SCRAPE, src.id, job=job)
    hosts = src.hosts() | set(settings.allowed_hosts)
    ranks = {c.id: i for i, c in enumerate(settings.place.sources)}
    with PoliteClient.from_settings(settings, hosts) as client:
        try:
            failed = _scrape(
                db, settings, client, src, run, since, refresh, upcoming_only, progress, ranks
            )
        except Exception as exc:  # a bug must still close the run, as failed, and say why
            logger.exception("scrape of %s crashed", src.id)
            failed = f"internal error: {exc!r}"
        finally:
            run.requests = client.requests + client.robots_requests
            run.bytes = client.bytes
            for warning in client.warnings:
                run.error(None, warning)
    run.finish(failed=failed)
    logger.info(
        "scrape %s %s: %d meetings, %d new and %d changed documents, %d requests, %d bytes, "
        "%d errors",
        src.id,
        run.outcome,
        run.meetings_seen,
        run.new_documents,
        run.changed_documents,
        run.requests,
        run.bytes,
        len(run.errors),
    )
    return run


def _scrape(
    db, settings, client, src, run, since, refresh, upcoming_only, progress, ranks
) -> str | None:
    """Return why the run failed, or None; a failed document goes on the run, the loop goes on."""
    listing, first_url, failed = _read_listings(db, client, src, run)
    if failed:
        return failed
    for problem in listing.layout + listing.skipped:  # drift and lost rows are on the run
        logger.warning("%s", problem)
        run.error(first_url, problem)
    meetings = _merge(listing.meetings)
    run.meetings_seen = len(meetings)
    failed = _check_listing(db, src, listing, meetings, first_url)
    if failed:
        return failed
    _ensure_source(db, src, listing.sections)
    with db.atomic():
        meeting_ids = [_upsert_meeting(db, src.id, m, ranks) for m in meetings]

    todo: list[tuple[str | None, DocumentLink, bool]] = []
    today = date.today()
    for meeting_id, meeting in zip(meeting_ids, meetings, strict=True):
        if since and meeting.date < since:
            continue
        passed = meeting.status == MeetingStatus.PASSED or (
            meeting.status == MeetingStatus.CANCELLED and meeting.date < today
        )
        if upcoming_only and passed:
            continue
        todo.extend((meeting_id, link, passed) for link in meeting.documents)
    for link in listing.documents:
        if not (since and link.date and link.date < since) and not upcoming_only:
            todo.append((None, link, True))
    show = sys.stderr.isatty() if progress is None else progress
    for meeting_id, link, settled in tqdm(todo, desc="documents", unit="doc", disable=not show):
        latest = archive.latest_version(db, meeting_id, link.kind, link.url)
        if meeting_id and latest and _outranks(latest["source_id"], src.id, ranks):
            # The meeting's agenda (or minutes) already comes from a source that leads.
            continue
        if (
            latest
            and not refresh
            and settled
            and latest["url"] == link.url
            and latest["extract_status"] in (*READABLE, "pending")
        ):
            # A past meeting's readable documents do not change; an unreadable one is asked
            # for again (conditionally) every run, in case the clerk replaced it.
            continue
        try:
            _fetch_document(db, settings, client, src, run, meeting_id, link, latest)
        except FetchError as exc:
            run.error(exc.url, exc.reason)
        except Exception as exc:  # one document never stops the run
            logger.exception("unexpected error on %s", link.url)
            run.error(link.url, f"internal error: {exc!r}")
    return None


def _read_listings(db, client, src: Source, run: Run) -> tuple[Listing, str, str | None]:
    """Fetch and parse the source's listings and the pages they lead to, into one Listing."""
    whole = Listing()
    first_url = src.start()[0][0]
    queue: list[Follow] = []
    # Pages read so far; an alternative that was not tried may still be followed (a source
    # that finds its API answering HTML follows its HTML listing instead).
    seen: set[str] = set()
    for alternatives in src.start():
        page, reasons = None, []
        for url in alternatives:
            try:
                page = _page(client, url)
                seen.update((url, page.url))
                break
            except FetchError as exc:
                reasons.append(exc.reason)
        if page is None:
            run.error(alternatives[0], "; ".join(reasons))
            return whole, first_url, f"listing unavailable: {'; '.join(reasons)}"
        queue.extend(_add(whole, src.parse(page)))
    while queue:
        follow = queue.pop(0)
        if follow.url in seen or _known_past(db, src.id, follow):
            continue
        seen.add(follow.url)
        if len(seen) > MAX_PAGES:
            run.error(follow.url, f"more than {MAX_PAGES} pages: the rest left for next run")
            break
        try:
            queue.extend(_add(whole, src.parse(_page(client, follow.url))))
        except FetchError as exc:
            run.error(exc.url, exc.reason)
    return whole, first_url, None


def _page(client: PoliteClient, url: str) -> Page:
    result = client.get(url)
    charset = "utf-8"
    if result.content_type and "charset=" in result.content_type:
        charset = result.content_type.split("charset=")[-1].split(";")[0].strip() or "utf-8"
    try:
        text = result.body.decode(charset, "replace")
    except LookupError:
        text = result.body.decode("utf-8", "replace")
    headers = {"content-type": result.content_type or ""}
    headers.update({k.lower(): v for k, v in result.headers.items()})
    return Page(result.final_url, text, headers)


def _add(whole: Listing, part: Listing) -> list[Follow]:
    whole.meetings.extend(part.meetings)
    whole.documents.extend(part.documents)
    whole.sections.extend(s for s in part.sections if s not in whole.sections)
    whole.skipped.extend(part.skipped)
    whole.layout.extend(part.layout)
    return part.follow


def _known_past(db, source_id: str, follow: Follow) -> bool:
    """A page about a past meeting whose stored record already carries the page's ref (a
    source gives it once the page has nothing more to give): nothing new to read there."""
    today = date.today().isoformat()
    if not follow.ref or (follow.date and follow.date.isoformat() >= today):
        return False
    name, value = follow.ref
    row = db.execute(
        """select m.date from meeting_refs r join meetings m on m.id = r.meeting_id
           where r.source_id = ? and r.name = ? and r.value = ? limit 1""",
        [source_id, name, value],
    ).fetchone()
    return bool(row) and row[0] < today


def _merge(meetings: list[Meeting]) -> list[Meeting]:
    """One record per meeting where several pages described it (same source ref, or key)."""
    out: list[Meeting] = []
    index: dict[tuple[str, str], int] = {}
    for m in meetings:
        keys = [("ref", f"{k}={v}") for k, v in m.refs.items()] or [("key", m.key)]
        hit = next((index[k] for k in keys if k in index), None)
        if hit is None:
            out.append(m)
            hit = len(out) - 1
        else:
            out[hit] = _combine(out[hit], m)
        for k in keys:
            index[k] = hit
    return out


# When two pages describe one meeting, the status that says more wins (a listing shows a
# meeting as tentative, its own page with an agenda as confirmed).
_STATUS_WEIGHT = {
    MeetingStatus.TENTATIVE: 0,
    MeetingStatus.CONFIRMED: 1,
    MeetingStatus.PASSED: 2,
    MeetingStatus.CANCELLED: 3,
}


def _combine(a: Meeting, b: Meeting) -> Meeting:
    kinds = {x.kind for x in a.documents}
    urls = {x.url for x in a.documents}
    docs = a.documents + tuple(d for d in b.documents if d.url not in urls and d.kind not in kinds)
    status = max(a.status, b.status, key=lambda s: _STATUS_WEIGHT.get(s, 0))
    return replace(
        a,
        refs={**b.refs, **a.refs},
        same_as={**b.same_as, **a.same_as},
        documents=docs,
        status=status,
        time=a.time or b.time,
        video_url=a.video_url or b.video_url,
        duration_minutes=a.duration_minutes or b.duration_minutes,
    )


def _check_listing(db, src: Source, listing: Listing, meetings: list[Meeting], url: str):
    """Why this listing must fail the run (format drift, a cut page), or None."""
    known = db["meetings"].count_where("source_id = ?", [src.id])
    if not meetings and not listing.documents:
        why = "; ".join(listing.layout + listing.skipped) or "no meeting rows"
        return (
            f"layout changed? {url} yielded no meetings ({why}); "
            f"{known} meetings known before are kept"
        )
    if listing.layout:  # format drift anywhere: store nothing from a page we misread
        return (
            f"{'; '.join(listing.layout)}; nothing was changed "
            f"({known} meetings known before are kept)"
        )
    row = db["sources"].get(src.id) if db["sources"].count_where("id = ?", [src.id]) else {}
    before = json.loads(row.get("sections") or "[]")
    lost = [s for s in before if s not in listing.sections]
    if lost:
        return (
            f"layout changed? {url} has no {' or '.join(lost)} table, where meetings were "
            "listed before; nothing was changed"
        )
    last = last_run(db, RunKind.SCRAPE, (Outcome.OK, Outcome.PARTIAL), source_id=src.id)
    previous = (last or {}).get("meetings_seen") or 0
    if previous >= SHRINK_MIN_KNOWN and len(meetings) < previous * SHRINK_FLOOR:
        return (
            f"listing shrank: {url} lists {len(meetings)} meetings where the last good run saw "
            f"{previous} (cut short, or the layout changed?); nothing was changed"
        )
    return None


def _fetch_document(db, settings, client, src, run, meeting_id, link: DocumentLink, latest):
    result = client.get(
        link.url,
        etag=latest["etag"] if latest else None,
        last_modified=latest["last_modified"] if latest else None,
        expect_pdf=link.expect_pdf,
    )
    if result.not_modified:
        return
    with db.atomic():
        stored = archive.record(
            db,
            settings.archive_dir,
            meeting_id=meeting_id,
            kind=link.kind,
            url=link.url,
            data=result.body,
            final_url=result.final_url,
            etag=result.etag,
            last_modified=result.last_modified,
            content_type=result.content_type,
            source_id=src.id,
            title=link.title,
            day=link.date.isoformat() if link.date else None,
        )
    if stored.change == "new":
        run.new_documents += 1
    elif stored.change == "changed":
        run.changed_documents += 1
        logger.info(
            "%s %s of %s changed: new version kept beside the old", link.kind, link.url, meeting_id
        )


def _ensure_source(db: sqlite_utils.Database, src: Source, sections: list[str]) -> None:
    db["sources"].upsert(
        {
            "id": src.id,
            "name": src.name,
            "base_url": src.base_url,
            "kind": type(src).__module__.rsplit(".", 1)[-1],
            "sections": json.dumps(sections),
        },
        pk="id",
    )


def _rank(ranks: dict[str, int], source_id: str | None) -> int:
    return ranks.get(source_id or "", len(ranks))


def _outranks(other: str | None, source_id: str, ranks: dict[str, int]) -> bool:
    """Whether `other` is another source listed before this one in the jurisdiction file."""
    return bool(other) and other != source_id and _rank(ranks, other) < _rank(ranks, source_id)


# Two sightings of one meeting on two sites start within this many minutes of each other (the
# listed time and the agenda's disagree by half an hour); further apart, they are two meetings.
SAME_MEETING_MINUTES = 180


def _existing_id(db: sqlite_utils.Database, source_id: str, m: Meeting) -> str | None:
    """The stored meeting this record is: one with any of its refs; else one another source
    holds that the record links to (`same_as`), or that has the same day and body and none of
    this source's refs; else the same key, but only when that row's refs do not name another
    meeting (a meeting moved to another day, and a new one posted in its place, stay two)."""
    for name, value in m.refs.items():
        row = db.execute(
            "select meeting_id from meeting_refs where source_id = ? and name = ? and value = ?",
            [source_id, name, value],
        ).fetchone()
        if row:
            return row[0]
    for name, value in m.same_as.items():
        row = db.execute(
            """select meeting_id from meeting_refs where source_id != ? and name = ? and value = ?
               order by meeting_id limit 1""",
            [source_id, name, value],
        ).fetchone()
        if row:
            return row[0]
    if not m.hidden and (other := _same_day_and_body(db, source_id, m)):
        return other
    suffix = 1
    while True:
        key = m.key if suffix == 1 else f"{m.key}-x{suffix}"
        if not db["meetings"].count_where("id = ?", [key]):
            return key
        theirs = {
            (r[0], r[1]): r[2]
            for r in db.execute(
                "select source_id, name, value from meeting_refs where meeting_id = ?", [key]
            )
        }
        # Another source's meeting is joined by key as by day and body: never by a test clip,
        # nor at another time of the day.
        if theirs and all(sid != source_id for sid, _ in theirs):
            time = db["meetings"].get(key)["time"]
            if m.hidden or not _same_time(m.time, time):
                suffix += 1
                continue
        if all(theirs.get((source_id, n), v) == v for n, v in m.refs.items()):
            return key
        suffix += 1


def _same_day_and_body(db: sqlite_utils.Database, source_id: str, m: Meeting) -> str | None:
    """Another source's meeting on the same day, of the same body (the council and a committee
    meeting the same day stay apart), not yet joined by any record of this source."""
    rows = db.execute(
        """select m.id, m.time from meetings m
           where m.date = ? and lower(m.body) = lower(?) and m.source_id != ?
             and not exists (select 1 from meeting_refs r
                             where r.meeting_id = m.id and r.source_id = ?)
           order by m.hidden, m.id""",
        [m.date.isoformat(), m.body.strip(), source_id, source_id],
    ).fetchall()
    return next((meeting_id for meeting_id, time in rows if _same_time(m.time, time)), None)


def _same_time(a: str | None, b: str | None) -> bool:
    """Start times that may be one meeting's (either unknown, or close enough)."""
    return not (a and b) or abs(_minutes(a) - _minutes(b)) <= SAME_MEETING_MINUTES


def _minutes(hh_mm: str) -> int:
    try:
        hours, minutes = hh_mm.split(":")
        return int(hours) * 60 + int(minutes)
    except ValueError:
        return 0


def _upsert_meeting(
    db: sqlite_utils.Database, source_id: str, m: Meeting, ranks: dict[str, int] | None = None
) -> str:
    """Store a record as a meeting. The meeting's source (its first) keeps its fields unless
    this source is listed before it; another source only fills what is missing."""
    ranks = ranks or {}
    meeting_id = _existing_id(db, source_id, m)
    now = utcnow()
    old = (
        db["meetings"].get(meeting_id) if db["meetings"].count_where("id = ?", [meeting_id]) else {}
    )
    owner = old.get("source_id")
    leads = not owner or owner == source_id or _outranks(source_id, owner, ranks)
    if leads:
        row = {
            "id": meeting_id,
            "source_id": source_id,
            "title": m.title,
            "body": m.body,
            "date": m.date.isoformat(),
            "time": m.time or old.get("time"),
            "status": m.status,
            "hidden": int(m.hidden),
            "hidden_reason": m.hidden_reason,
            "duration_minutes": m.duration_minutes or old.get("duration_minutes"),
            "video_url": m.video_url or old.get("video_url"),
            "first_seen": old.get("first_seen") or now,
            "last_seen": now,
        }
        db["meetings"].upsert(row, pk="id")
    else:
        db["meetings"].update(
            meeting_id,
            {
                "time": old.get("time") or m.time,
                "duration_minutes": old.get("duration_minutes") or m.duration_minutes,
                "video_url": old.get("video_url") or m.video_url,
                "last_seen": now,
            },
        )
    for name, value in m.refs.items():
        db.execute(
            """insert or ignore into meeting_refs (source_id, name, value, meeting_id)
               values (?, ?, ?, ?)""",
            [source_id, name, value, meeting_id],
        )
    return meeting_id
