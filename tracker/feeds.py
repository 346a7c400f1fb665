"""Atom feeds of the record, in English or Spanish: status changes, newly accepted evidence and
upcoming agenda items that match a promise, site-wide or for one promise.

Rows come from tracker.activity; this module only words them. Entry ids are `tag:` URIs made
of the site's host and the record's own keys, so a feed rebuilt tomorrow (or after an agenda
is revised) updates an entry instead of showing it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from babel.dates import format_date
from feedgen.feed import FeedGenerator

from .i18n import site_url, translator

# The msgids of the status and stance labels the pages use (tracker/web/filters.py).
STATUS_TEXT = {
    "not-started": "Not started",
    "in-progress": "In progress",
    "stalled": "Stalled",
    "partial": "Partly kept",
    "kept": "Kept",
    "broken": "Broken",
}
STANCE_TEXT = {
    "supports": "For the promise",
    "contrary": "Against the promise",
    "context": "Context",
}
TAG_DATE = "2017"  # the year of the resolution: a tag URI's date must never change


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    updated: datetime
    summary: str


def tag(base_url: str, key: str) -> str:
    """A stable entry id: tag:HOST,2017:KEY (RFC 4151)."""
    return f"tag:{urlsplit(base_url).hostname or 'localhost'},{TAG_DATE}:{key}"


def when(ts: str | None, fallback: date | None = None) -> datetime:
    """A stored UTC timestamp (or a day) as an aware datetime for Atom's updated."""
    if ts:
        moment = datetime.fromisoformat(ts)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.combine(fallback or date(2017, 1, 31), time.min, UTC)


def title_in(row: dict, lang: str, field: str = "title") -> str:
    return row.get(f"{field}_{lang}") or row.get(f"{field}_en") or row.get(field) or ""


def long_day(value: str | date | None, lang: str) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "long", locale=lang)


def status_entries(rows: list[dict], base_url: str, lang: str) -> list[Entry]:
    _ = translator(lang)
    out = []
    for row in rows:
        label = _(STATUS_TEXT.get(row["status"], row["status"]))
        since = _("since %(day)s", day=long_day(row["effective_date"], lang))
        note = (row.get("note_es") if lang == "es" else None) or row.get("note") or ""
        out.append(
            Entry(
                id=tag(base_url, f"status-event/{row['id']}/{lang}"),
                title=f"{title_in(row, lang)}: {label} ({since})",
                link=site_url(base_url, lang, f"/commitments/{row['commitment_id']}"),
                updated=when(row["recorded_at"]),
                summary=note,
            )
        )
    return out


def evidence_entries(rows: list[dict], base_url: str, lang: str) -> list[Entry]:
    _ = translator(lang)
    out = []
    for row in rows:
        stance = _(STANCE_TEXT.get(row["stance"], row["stance"]))
        what = title_in(row, lang) or _("Evidence")
        snippet = (row.get("snippet_es") if lang == "es" else None) or row.get("snippet") or ""
        parts = [p for p in (long_day(row["date"], lang), snippet, row.get("source_url")) if p]
        out.append(
            Entry(
                id=tag(base_url, f"evidence/{row['id']}/{lang}"),
                title=f"{title_in(row, lang, 'c_title')}: {stance}: {what}",
                link=site_url(base_url, lang, f"/commitments/{row['commitment_id']}"),
                updated=when(row.get("reviewed_at") or row["created_at"]),
                summary="\n\n".join(parts),
            )
        )
    return out


def agenda_entries(meetings: list[dict], base_url: str, lang: str, place_of) -> list[Entry]:
    """One entry per matched item of an upcoming agenda; a revised agenda updates it.
    `place_of(meeting)` says where a meeting is held (or None)."""
    _ = translator(lang)
    out = []
    for m in meetings:
        day = long_day(m["date"], lang)
        for item in m["items"]:
            promises = "; ".join(title_in(c, lang) for c in item["commitments"])
            title = _(
                "On the agenda of %(day)s, item %(number)s: %(promises)s",
                day=day,
                number=item["number"],
                promises=promises,
            )
            lines = [item["text"], f"{m['title']}, {day}" + (f", {m['time']}" if m["time"] else "")]
            if m["status"] == "cancelled":
                lines.append(_("Meeting cancelled"))
            place = place_of(m)
            if place:
                lines.append(place)
            out.append(
                Entry(
                    id=tag(base_url, f"agenda/{m['id']}/item-{item['number']}/{lang}"),
                    title=title,
                    link=site_url(base_url, lang, f"/meetings/{m['id']}#item-{item['number']}"),
                    updated=when(m["agenda"]["fetched_at"]),
                    summary="\n\n".join(lines),
                )
            )
    return out


def atom(
    entries: list[Entry], *, title: str, feed_url: str, page_url: str, lang: str, author: str
) -> bytes:
    """The Atom document: newest first; its updated is its newest entry's, so an unchanged
    record gives the same bytes (and the same ETag) on every request."""
    entries = sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(title)
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.language(lang)
    fg.author({"name": author})
    fg.updated(entries[0].updated if entries else when(None))
    for e in entries:
        fe = fg.add_entry(order="append")
        fe.id(e.id)
        fe.title(e.title)
        fe.link(href=e.link, rel="alternate", type="text/html")
        fe.updated(e.updated)
        if e.summary:
            fe.summary(e.summary)
    return fg.atom_str(pretty=True)
