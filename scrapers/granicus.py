"""Parse a Granicus "ViewPublisher" listing page into meeting records.

Pure: HTML in, records out, no network and no database (SOURCES.md §1). The page holds two
tables, `upcoming` (known by `event_id`) and `archive` (recorded, known by `clip_id`); cells
are told apart by their `headers` attribute, never by position. `merge_records` joins the two
sightings of one meeting through its `key`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from .source import DocumentLink, Meeting, Page
from .source import Listing as SourceListing

logger = logging.getLogger(__name__)

COUNCIL_BODY = "City Council"  # a view's own body, unless the jurisdiction file names it
TEST_CLIP_MAX_MINUTES = 10  # shorter than this and without an agenda: a test recording
SHARED_CLIP_MAX_MINUTES = 15  # shorter than this beside a longer clip of the same meeting
TABLES = ("upcoming", "archive")

# The first token of each cell's `headers` attribute names its column.
_COLUMNS = {
    "upcoming": {
        "name": "EventName",
        "date": "EventDate",
        "agenda": "EventAgendaLink",  # Birmingham's agenda cell has no headers at all
        "video": "EventLink",
    },
    "archive": {
        "name": "Name",
        "date": "Date",
        "duration": "Duration",
        "agenda": "Agenda",
        "minutes": "Minutes",
        "video": "VideoLink",
    },
}

_CANCELLED_PREFIX = re.compile(r"^\s*cancell?ed\s*[:\-–—]\s*", re.IGNORECASE)
# Everything from a separator plus a status word to the end of the title, so that
# "-Rescheduled to a Virtual Meeting: see agenda for access-" goes in one piece.
_STATUS_SUFFIX = re.compile(
    r"\s*(?:[-–—:]|\()\s*(?P<word>cancell?ed|rescheduled|postponed|deferred)\b.*$",
    re.IGNORECASE,
)
_COMMITTEE = re.compile(
    r"^(?:.*?\bmeeting\s+of\s+(?:the\s+)?)?(?P<body>.*?\bcommittee\b(?:\s+of\s+the\s+whole)?)",
    re.IGNORECASE,
)
_TEST_WORD = re.compile(r"\btest\b", re.IGNORECASE)
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_DATE = re.compile(
    # (?!\d): "May 19, 99999" is no date, not the year 9999 (nor 20266 the year 2026).
    r"(?P<month>[A-Za-z]{3,})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})(?!\d)"
    r"(?:\s*[-–@,]?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[AaPp])\.?\s*[Mm]\.?)?"
)
_NUMERIC_DATE = re.compile(r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b")
_DURATION = re.compile(
    r"^(?:(?P<h>\d+)\s*h\w*)?\s*(?:(?P<m>\d+)\s*m\w*)?\s*(?:(?P<s>\d+)\s*s\w*)?$",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"^\d{9,13}$")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_WINDOW_OPEN = re.compile(r"""window\.open\(\s*(['"])(?P<url>.+?)\1""")
# An epoch whose local time falls outside these hours carries a date, not a start time.
_EARLIEST_START, _LATEST_START = "06:00", "23:00"


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingRecord:
    """One row of the listing; `key` is shared by the upcoming and archive rows of a meeting."""

    title: str  # as shown, whitespace-normalised
    name: str  # title without status suffixes
    body: str  # "City Council" or the committee's name
    date: date  # local date (the jurisdiction's time zone)
    time: str | None  # local "HH:MM", or None when the page gives only a date
    status: str  # cancelled | tentative | confirmed | passed
    suffix: str | None  # rescheduled | postponed | deferred
    event_id: str | None
    clip_id: str | None
    agenda_url: str | None
    minutes_url: str | None
    video_url: str | None
    duration_minutes: int | None
    hidden: bool
    hidden_reason: str | None
    key: str
    table: str  # upcoming | archive | both (after merge_records)


@dataclass
class Listing:
    """What one publisher page yielded: one record per row, plus what looked wrong."""

    meetings: list[MeetingRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # everything below, and epoch doubts
    tables_found: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows that could not become meetings
    layout: list[str] = field(default_factory=list)  # "layout changed?": the page is not as known


@dataclass
class _Row:
    """A row read from the page, before times, hidden flags and keys are decided."""

    table: str
    text: str
    title: str
    date: date
    shown_time: str | None
    epoch: int | None
    agenda_url: str | None
    minutes_url: str | None
    video_url: str | None
    duration_minutes: int | None


class _SkipRow(Exception):
    """A row that cannot become a meeting; the message says why."""


# --- URL builders ------------------------------------------------------------------------


def publisher_url(base_url: str, view_id: int) -> str:
    """The listing page of a Granicus view."""
    return _page_url(base_url, "ViewPublisher.php", {"view_id": view_id})


def agenda_url(
    base_url: str,
    view_id: int,
    clip_id: int | str | None = None,
    event_id: int | str | None = None,
) -> str:
    """AgendaViewer URL of a recorded (clip_id) or upcoming (event_id) meeting; give one."""
    return _page_url(base_url, "AgendaViewer.php", _document_params(view_id, clip_id, event_id))


def minutes_url(
    base_url: str,
    view_id: int,
    clip_id: int | str | None = None,
    event_id: int | str | None = None,
) -> str:
    """MinutesViewer URL of a meeting by clip_id (or event_id); give one."""
    return _page_url(base_url, "MinutesViewer.php", _document_params(view_id, clip_id, event_id))


def _document_params(
    view_id: int, clip_id: int | str | None, event_id: int | str | None
) -> dict[str, int | str]:
    if (clip_id is None) == (event_id is None):
        raise ValueError("give exactly one of clip_id or event_id")
    params: dict[str, int | str] = {"view_id": view_id}
    if clip_id is not None:
        params["clip_id"] = clip_id
    if event_id is not None:
        params["event_id"] = event_id
    return params


def _page_url(base_url: str, page: str, params: dict[str, int | str]) -> str:
    # Keep any path prefix of base_url (fixture servers mount the site under one).
    return f"{base_url.rstrip('/')}/{page}?{urlencode(params)}"


# --- parsing -------------------------------------------------------------------------------


def parse_publisher(
    html: str, base_url: str, view_id: int, *, tz: tzinfo, body: str = COUNCIL_BODY
) -> Listing:
    """Read both tables of a publisher page; one record per row, not yet merged.

    Rows that cannot be read are skipped with a warning; a page without the expected tables
    yields no meetings and a "layout changed?" warning. Never raises for page content.
    """
    url = publisher_url(base_url, view_id)
    soup = BeautifulSoup(html, "lxml")
    listing = Listing()
    rows: list[_Row] = []

    for table_id in TABLES:
        tables = soup.find_all("table", id=table_id)
        if not tables:
            continue
        listing.tables_found.append(table_id)
        seen = read = 0
        for table in tables:
            for tr in table.find_all("tr"):
                if not _is_data_row(tr):
                    continue
                seen += 1
                try:
                    rows.append(_read_row(tr, table_id, base_url))
                    read += 1
                except _SkipRow as skip:
                    listing.skipped.append(
                        f"{table_id} row skipped ({skip}): {_row_text(tr)!r} at {url}"
                    )
        if seen and not read:
            listing.layout.append(
                f"layout changed? {seen} rows in the {table_id} table at {url}, none could be read"
            )
        elif not seen and table_id == "archive":
            listing.layout.append(f"layout changed? the archive table at {url} has no rows")
        elif not seen:
            logger.info("no upcoming meetings listed at %s", url)

    if not listing.tables_found:
        listing.layout.append(f"layout changed? no upcoming or archive table at {url}")
    elif "archive" not in listing.tables_found:
        listing.layout.append(f"layout changed? no archive table at {url}")

    records, time_warnings = _decide_times(rows, url, tz, body)
    listing.warnings.extend(listing.skipped + listing.layout + time_warnings)
    listing.meetings = _assign_keys(flag_shared_agendas(records))
    for warning in listing.warnings:
        logger.warning("%s", warning)
    return listing


def _is_data_row(tr: Tag) -> bool:
    cells = _cells(tr)
    if not cells:
        return False
    if all(cell.name == "th" and not _header_tokens(cell) for cell in cells):
        return False  # the column headings
    if len(cells) == 1 and cells[0].get("colspan") and not _header_tokens(cells[0]):
        logger.info("placeholder row in listing: %r", _row_text(tr))
        return False
    return True


def _read_row(tr: Tag, table_id: str, base_url: str) -> _Row:
    columns = _COLUMNS[table_id]
    name_cell = _cell(tr, columns["name"])
    if name_cell is None:
        raise _SkipRow(f"no {columns['name']} cell")
    title = _text(name_cell)
    if not title:
        raise _SkipRow("empty title")
    date_cell = _cell(tr, columns["date"])
    if date_cell is None:
        raise _SkipRow(f"no {columns['date']} cell")
    epoch = _pop_epoch(date_cell)
    shown = _text(date_cell)
    parsed = _parse_date(shown)
    if parsed is None:
        raise _SkipRow(f"unreadable date {shown!r}")
    day, shown_time = parsed

    if table_id == "upcoming":
        agenda_cells = [_cell(tr, columns["agenda"])]
        agenda_cells += [cell for cell in _cells(tr) if not _header_tokens(cell)]
        agenda = next((u for c in agenda_cells if (u := _cell_url(c, base_url)) is not None), None)
        minutes = None
        duration = None
    else:
        agenda = _cell_url(_cell(tr, columns["agenda"]), base_url)
        minutes = _cell_url(_cell(tr, columns["minutes"]), base_url)
        duration_cell = _cell(tr, columns["duration"])
        duration = _parse_duration(_text(duration_cell)) if duration_cell else None
    video = _cell_url(_cell(tr, columns["video"]), base_url, prefer_onclick=True)
    if video is None:
        video = _player_url_anywhere(tr, base_url)

    return _Row(
        table=table_id,
        text=_row_text(tr),
        title=title,
        date=day,
        shown_time=shown_time,
        epoch=epoch,
        agenda_url=agenda,
        minutes_url=minutes,
        video_url=video,
        duration_minutes=duration,
    )


def _decide_times(
    rows: list[_Row], url: str, tz: tzinfo, body: str
) -> tuple[list[MeetingRecord], list[str]]:
    """Build records, taking a time from the hidden epoch only where it can be trusted."""
    warnings: list[str] = []
    # Upcoming rows show both a time and an epoch: if those disagree, the epoch is not in
    # the local zone (or not a start time) and no row on this page may rely on it.
    trusted = True
    for row in rows:
        if row.shown_time and row.epoch is not None:
            local = datetime.fromtimestamp(row.epoch, tz)
            if (local.date(), local.strftime("%H:%M")) != (row.date, row.shown_time):
                trusted = False
                warnings.append(
                    f"hidden epoch {row.epoch} is {local:%Y-%m-%d %H:%M} in {tz} "
                    f"but the page shows {row.date} {row.shown_time} ({row.text!r}) at {url}; "
                    "times from epochs dropped"
                )
                break

    records = []
    mismatched: list[str] = []
    for row in rows:
        time = row.shown_time
        if time is None and row.epoch is not None and trusted:
            local = datetime.fromtimestamp(row.epoch, tz)
            if local.date() != row.date:
                mismatched.append(f"{row.epoch} vs {row.date}")
            elif _EARLIEST_START <= local.strftime("%H:%M") < _LATEST_START:
                time = local.strftime("%H:%M")
        records.append(_record(row, time, body))
    if mismatched:
        warnings.append(
            f"hidden epoch falls on another local date than the one shown in "
            f"{len(mismatched)} rows (first: {mismatched[0]}) at {url}; their times dropped"
        )
    return records, warnings


def _record(row: _Row, time: str | None, council: str) -> MeetingRecord:
    name, suffix, cancelled = split_title(row.title)
    if cancelled:
        status = "cancelled"
    elif row.table == "archive":
        status = "passed"
    elif row.agenda_url:
        status = "confirmed"
    else:
        status = "tentative"
    ids = [u for u in (row.agenda_url, row.video_url, row.minutes_url) if u]
    reason = _test_clip_reason(row)
    return MeetingRecord(
        title=row.title,
        name=name,
        body=body_of(name, council),
        date=row.date,
        time=time,
        status=status,
        suffix=suffix,
        event_id=_first_param(ids, "event_id"),
        clip_id=_first_param(ids, "clip_id"),
        agenda_url=row.agenda_url,
        minutes_url=row.minutes_url,
        video_url=row.video_url,
        duration_minutes=row.duration_minutes,
        hidden=reason is not None,
        hidden_reason=reason,
        key="",
        table=row.table,
    )


def split_title(title: str) -> tuple[str, str | None, bool]:
    """Split a title into (name, suffix, cancelled): suffix is rescheduled/postponed/deferred."""
    name = " ".join(title.split())
    cancelled = False
    if _CANCELLED_PREFIX.match(name):
        name = _CANCELLED_PREFIX.sub("", name)
        cancelled = True
    suffix = None
    while match := _STATUS_SUFFIX.search(name):
        word = match["word"].lower()
        if word.startswith("cancel"):
            cancelled = True
        else:
            suffix = suffix or word
        name = name[: match.start()].rstrip(" -–—:(")
    return name, suffix, cancelled


def body_of(name: str, council: str = COUNCIL_BODY) -> str:
    """The committee a meeting belongs to, or the view's own body (the council's)."""
    match = _COMMITTEE.match(name)
    return match["body"].strip() if match else council


def _test_clip_reason(row: _Row) -> str | None:
    minutes = row.duration_minutes
    if minutes is not None and minutes < TEST_CLIP_MAX_MINUTES and row.agenda_url is None:
        return f"test clip: {minutes} minutes and no agenda"
    if _TEST_WORD.search(row.title):
        return "test clip: title says test"
    return None


def flag_shared_agendas(records: Iterable[MeetingRecord]) -> list[MeetingRecord]:
    """Hide a clip under 15 minutes that has the date and name of a longer clip.

    The agenda of such a clip is the longer clip's meeting (its own agenda URL differs only by
    clip_id). Records already hidden keep their first reason.
    """
    records = list(records)
    groups: dict[tuple[date, str], list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        if record.clip_id and record.duration_minutes is not None:
            groups[(record.date, slug(record.name))].append(i)
    result = list(records)
    for indexes in groups.values():
        visible = [i for i in indexes if not records[i].hidden]
        if len(indexes) < 2 or not visible:
            continue
        main = records[max(visible, key=lambda i: records[i].duration_minutes or 0)]
        main_minutes = main.duration_minutes or 0
        for i in indexes:
            record = records[i]
            minutes = record.duration_minutes or 0
            if record.hidden or record is main:
                continue
            if minutes < SHARED_CLIP_MAX_MINUTES and minutes < main_minutes:
                result[i] = replace(
                    record,
                    hidden=True,
                    hidden_reason=f"test clip: shares its meeting with clip {main.clip_id}",
                )
    return result


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens ("Budget & Finance" -> "budget-finance")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "meeting"


def _assign_keys(records: list[MeetingRecord]) -> list[MeetingRecord]:
    """Give each record `{date}-{slug(name)}`, numbering repeats within a table.

    Within a table, rows sharing a date and name are numbered in document order, except that
    hidden rows (test clips) come after visible ones: the real meeting keeps the plain key,
    which is the one its upcoming row carries.
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        groups[(record.table, f"{record.date.isoformat()}-{slug(record.name)}")].append(i)
    used: dict[str, set[str]] = defaultdict(set)
    result = list(records)
    for (table, base), indexes in groups.items():
        n = 1
        for i in sorted(indexes, key=lambda i: (records[i].hidden, i)):
            key = base if n == 1 else f"{base}-{n}"
            while key in used[table]:  # a name that itself ends in "-2"
                n += 1
                key = f"{base}-{n}"
            used[table].add(key)
            result[i] = replace(records[i], key=key)
            n += 1
    return result


def merge_records(records: Iterable[MeetingRecord]) -> list[MeetingRecord]:
    """Join the upcoming and archive rows of each key into one record (table "both").

    The merged record keeps the archive's clip_id, minutes, video, duration and status, and the
    upcoming row's event_id and time (the scheduled time; the archive's is the recording's).
    """
    records = list(records)
    first: dict[tuple[str, str], int] = {}
    for i, record in enumerate(records):
        first.setdefault((record.key, record.table), i)
    result: list[MeetingRecord] = []
    done: set[int] = set()
    for i, record in enumerate(records):
        if i in done:
            continue
        up = first.get((record.key, "upcoming"))
        ar = first.get((record.key, "archive"))
        if up is None or ar is None or i not in (up, ar):
            result.append(record)
            continue
        upcoming, archive = records[up], records[ar]
        result.append(
            replace(
                archive,
                event_id=upcoming.event_id or archive.event_id,
                time=upcoming.time or archive.time,
                agenda_url=archive.agenda_url or upcoming.agenda_url,
                video_url=archive.video_url or upcoming.video_url,
                suffix=archive.suffix or upcoming.suffix,
                table="both",
            )
        )
        done.update((up, ar))
    return result


# --- cells and values ---------------------------------------------------------------------


def _cells(tr: Tag) -> list[Tag]:
    return list(tr.find_all(["td", "th"], recursive=False))


def _header_tokens(cell: Tag) -> list[str]:
    value = cell.get("headers")
    if not value:
        return []
    values = [value] if isinstance(value, str) else list(value)
    return [token for v in values for token in v.split()]


def _cell(tr: Tag, column: str) -> Tag | None:
    """The cell whose `headers` starts with `column` ("Date Regular-City-Council-Meeting")."""
    for cell in _cells(tr):
        tokens = _header_tokens(cell)
        if tokens and tokens[0].lower() == column.lower():
            return cell
    return None


def _text(cell: Tag | None) -> str:
    # str.split() also splits on the no-break spaces of &nbsp;
    return " ".join(cell.get_text(" ").split()) if cell is not None else ""


def _row_text(tr: Tag) -> str:
    text = " ".join(tr.get_text(" ").split())
    return text if len(text) <= 100 else text[:97] + "..."


def _pop_epoch(cell: Tag) -> int | None:
    """Remove the hidden sort-key spans from a date cell; return the epoch one held."""
    epoch = None
    for span in cell.find_all(style=_HIDDEN_STYLE):
        value = span.get_text().strip()
        if epoch is None and _EPOCH.match(value):
            epoch = int(value) // 1000 if len(value) > 11 else int(value)
        span.extract()
    return epoch


def _parse_date(text: str) -> tuple[date, str | None] | None:
    """`May 19, 2026 - 09:00 AM` -> (date(2026, 5, 19), "09:00"); no time -> None."""
    match = _DATE.search(text)
    if match:
        word = match["month"].lower()
        month = next((i for i, m in enumerate(_MONTHS, 1) if m.startswith(word)), None)
        if month is None:
            return None
        try:
            day = date(int(match["year"]), month, int(match["day"]))
        except ValueError:
            return None
        if match["hour"] is None:
            return day, None
        hour, minute = int(match["hour"]), int(match["minute"])
        if not (1 <= hour <= 12 and minute < 60):
            return None
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
        return day, f"{hour:02d}:{minute:02d}"
    match = _NUMERIC_DATE.search(text)
    if match:
        try:
            return date(int(match["year"]), int(match["month"]), int(match["day"])), None
        except ValueError:
            return None
    return None


def _parse_duration(text: str) -> int | None:
    """`01h 27m` -> 87; empty or unreadable -> None."""
    match = _DURATION.match(text.strip())
    if not text.strip() or not match or not (match["h"] or match["m"]):
        return None
    return int(match["h"] or 0) * 60 + int(match["m"] or 0)


def _cell_url(cell: Tag | None, base_url: str, prefer_onclick: bool = False) -> str | None:
    """The first link in a cell, absolute; from `window.open('…')` or a real href."""
    if cell is None:
        return None
    for link in cell.find_all("a"):
        popup = _WINDOW_OPEN.search(str(link.get("onclick") or ""))
        href = str(link.get("href") or "").strip()
        if href.lower().startswith("javascript:") or href.startswith("#"):
            href = ""
        candidates = [popup["url"] if popup else "", href]
        if not prefer_onclick:
            candidates.reverse()
        for candidate in candidates:
            if candidate:
                return _absolute(candidate, base_url)
    return None


def _player_url_anywhere(tr: Tag, base_url: str) -> str | None:
    # Some templates put the "In Progress" player link in the date cell.
    for link in tr.find_all("a", onclick=True):
        popup = _WINDOW_OPEN.search(str(link["onclick"]))
        if popup and "MediaPlayer" in popup["url"]:
            return _absolute(popup["url"], base_url)
    return None


def _absolute(url: str, base_url: str) -> str:
    # The parser already decoded &amp; once; a twice-escaped link still carries one.
    return urljoin(base_url, url.strip().replace("&amp;", "&"))


def _first_param(urls: list[str], name: str) -> str | None:
    for url in urls:
        values = parse_qs(urlsplit(url).query).get(name)
        if values and values[0].strip():
            return values[0].strip()
    return None


# --- the source ------------------------------------------------------------------------------


class GranicusSource:
    """A Granicus view (`base_url` + `view_id`) as a source: one listing page, two documents
    per meeting, rebuilt from the meeting's ids on our configured base URL."""

    def __init__(self, config: dict[str, Any], tz: tzinfo):
        self.id = config["id"]
        self.name = config.get("name", "Granicus")
        self.base_url = config["base_url"].rstrip("/")
        self.view_id = int(config.get("view_id", 1))
        self.body = config.get("body", COUNCIL_BODY)
        self.kinds = tuple(config.get("documents", ("agenda", "minutes")))
        self.tz = tz
        # Other hosts the view's own links point at (its video player), from the jurisdiction.
        self.extra_hosts = set(config.get("hosts", ()))

    def hosts(self) -> set[str]:
        from .http import host_of  # the allow-list's spelling: host[:port]

        return {host_of(self.base_url)} | self.extra_hosts

    def start(self) -> list[tuple[str, ...]]:
        return [(publisher_url(self.base_url, self.view_id),)]

    def parse(self, page: Page) -> SourceListing:
        listing = parse_publisher(
            page.text, self.base_url, self.view_id, tz=self.tz, body=self.body
        )
        return SourceListing(
            meetings=[self._meeting(r) for r in merge_records(listing.meetings)],
            sections=list(listing.tables_found),
            skipped=list(listing.skipped),
            layout=list(listing.layout),
        )

    def _meeting(self, record: MeetingRecord) -> Meeting:
        refs = {k: v for k, v in (("event_id", record.event_id), ("clip_id", record.clip_id)) if v}
        return Meeting(
            key=record.key,
            title=record.title,
            name=record.name,
            body=record.body,
            date=record.date,
            time=record.time,
            status=record.status,
            refs=refs,
            documents=tuple(self._documents(record)),
            video_url=self._ours(record.video_url),
            duration_minutes=record.duration_minutes,
            hidden=record.hidden,
            hidden_reason=record.hidden_reason,
        )

    def _documents(self, record: MeetingRecord) -> Iterable[DocumentLink]:
        ids = {"clip_id": record.clip_id} if record.clip_id else {"event_id": record.event_id}
        if "agenda" in self.kinds and record.agenda_url and (record.clip_id or record.event_id):
            yield DocumentLink(kind="agenda", url=agenda_url(self.base_url, self.view_id, **ids))
        if "minutes" in self.kinds and record.minutes_url and record.clip_id:
            url = minutes_url(self.base_url, self.view_id, clip_id=record.clip_id)
            yield DocumentLink(kind="minutes", url=url)

    def _ours(self, url: str | None) -> str | None:
        """A scraped link we may publish: http(s) on this source's hosts, nothing else
        (a `javascript:` or off-site "video" link would become a link on our pages)."""
        from .http import safe_url

        return safe_url(url, self.hosts()) if url else None


def make_source(config: dict[str, Any], tz: tzinfo) -> GranicusSource:
    return GranicusSource(config, tz)
