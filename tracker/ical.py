"""iCalendar files of the upcoming meetings that have an item matching a promise: what is on
the agenda, where the council meets and how to sign up to speak, in English or Spanish.

A meeting's UID is made of its id (stable across rebuilds) and the site's host, and its
SEQUENCE is the version of its agenda, so a calendar app that subscribed updates the event
when the agenda is revised or the meeting cancelled, instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from .feeds import long_day, title_in, when
from .i18n import site_url, translator

EVENT_STATUS = {"tentative": "TENTATIVE", "cancelled": "CANCELLED"}
PRODID = "-//Sanctuary promise tracker//Agenda calendar//EN"


def uid(base_url: str, meeting_id: str) -> str:
    return f"meeting-{meeting_id}@{urlsplit(base_url).hostname or 'localhost'}"


def meeting_start(m: dict, tz: ZoneInfo) -> datetime | date:
    """The local start time, or the day alone when the listing gave no time."""
    day = date.fromisoformat(m["date"])
    if not m.get("time"):
        return day
    try:
        clock = time.fromisoformat(m["time"])
    except ValueError:
        return day
    return datetime.combine(day, clock, tz)


def description(m: dict, lang: str, place: str, how_to_speak: str, page: str) -> str:
    _ = translator(lang)
    lines = [_("On the agenda, matching promises this tracker follows:")]
    for item in m["items"]:
        promises = "; ".join(title_in(c, lang) for c in item["commitments"])
        lines.append(f"{item['number']}. {item['text']} [{promises}]")
    if m["status"] == "cancelled":
        lines.insert(0, _("Meeting cancelled"))
    if place:
        lines += ["", _("Where: %(place)s", place=place)]
    if how_to_speak:
        lines += ["", _("How to speak: %(how)s", how=how_to_speak)]
    lines += ["", page]
    return "\n".join(lines)


def calendar(
    meetings: list[dict],
    *,
    base_url: str,
    lang: str,
    tz: ZoneInfo,
    name: str,
    place_of,
    how_to_speak: str,
) -> bytes:
    """The VCALENDAR document. `place_of(meeting)` says where a meeting is held (or None)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", str(tz))
    for m in meetings:
        page = site_url(base_url, lang, f"/meetings/{m['id']}")
        place = place_of(m) or ""
        event = Event()
        event.add("uid", uid(base_url, m["id"]))
        event.add("sequence", int(m["agenda"]["version"] or 1))
        # DTSTAMP is when this description of the event was made: the agenda's fetch, so an
        # unchanged agenda gives the same bytes on every request.
        event.add("dtstamp", when(m["agenda"]["fetched_at"]).astimezone(UTC))
        event.add("last-modified", when(m["agenda"]["fetched_at"]).astimezone(UTC))
        event.add("dtstart", meeting_start(m, tz))
        event.add("summary", f"{m['title']} ({long_day(m['date'], lang)})")
        event.add("description", description(m, lang, place, how_to_speak, page))
        if place:
            event.add("location", place)
        event.add("url", page)
        event.add("status", EVENT_STATUS.get(m["status"], "CONFIRMED"))
        cal.add_component(event)
    if meetings:  # the zone's rules for the years of these meetings only, not since 1970
        years = [int(m["date"][:4]) for m in meetings]
        cal.add_missing_timezones(date(min(years) - 1, 1, 1), date(max(years) + 2, 1, 1))
    return cal.to_ical()
