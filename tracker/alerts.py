"""Email alerts: what each confirmed subscriber is told, in their language, and when.

- an upcoming agenda (or a revision of it) with an item on a promise they follow: checked at
  every scheduled scrape, the pre-meeting checks included, so it goes out before the vote;
- a status change of a promise they follow, recorded after they confirmed;
- a notice when a meeting they were alerted to is cancelled;
- a notice when no scrape has succeeded for TRACKER_STALE_DAYS and the last one failed.

Each message is queued in the outbox under a key (the agenda's document, the status event,
the last success before the failure), so running the checks again queues nothing twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

import sqlite_utils

from . import outbox
from . import subscribers as subs
from .activity import meeting_place, status_changes, upcoming_matches
from .config import Settings
from .db import open_db
from .feeds import STATUS_TEXT, long_day, title_in
from .health import freshness
from .i18n import site_url, translator
from .ical import meeting_start
from .runs import last_run
from .subscribers import Subscriber

logger = logging.getLogger(__name__)


def _site_name(settings: Settings, lang: str) -> str:
    name = settings.place.site_name
    return name.es if lang == "es" else name.en


def unsubscribe_url(settings: Settings, sub: Subscriber) -> str:
    return site_url(settings.base_url, sub.lang, f"/alerts/unsubscribe/{sub.token}")


def message(
    settings: Settings,
    sub: Subscriber,
    subject: str,
    body: str,
    *,
    alert: bool = True,
    now: datetime | None = None,
) -> EmailMessage:
    """A plain-text message to one subscriber; an alert carries RFC 8058's one-click
    unsubscribe headers (mail apps show an Unsubscribe button that POSTs to the link)."""
    _ = translator(sub.lang)
    msg = EmailMessage()
    msg["From"] = f"{_site_name(settings, sub.lang)} <{outbox.sender(settings)}>"
    msg["To"] = sub.email
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid("alert", urlsplit(settings.base_url).hostname or "localhost")
    msg["Content-Language"] = sub.lang
    msg["Auto-Submitted"] = "auto-generated"
    if alert:
        url = unsubscribe_url(settings, sub)
        msg["List-Unsubscribe"] = f"<{url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        body += "\n\n-- \n" + _("To stop these alerts, open %(url)s", url=url)
    msg.set_content(body)
    return msg


def confirmation(settings: Settings, sub: Subscriber) -> EmailMessage:
    _ = translator(sub.lang)
    link = site_url(settings.base_url, sub.lang, f"/alerts/confirm/{sub.token}")
    body = "\n\n".join(
        [
            _(
                "Someone, probably you, asked for email alerts from %(site)s.",
                site=_site_name(settings, sub.lang),
            ),
            _("To confirm, open this link and press the button: %(link)s", link=link),
            _("If it was not you, ignore this message: nothing will be sent."),
        ]
    )
    return message(settings, sub, _("Confirm your email alerts"), body, alert=False)


def queue_confirmation(conn, settings: Settings, sub: Subscriber) -> int | None:
    """Queue the double opt-in message; its outbox id, to send it at once."""
    outbox.enqueue(conn, sub.id, f"confirm:{sub.token}", "confirm", confirmation(settings, sub))
    conn.commit()
    row = conn.execute(
        "select id from outbox where subscriber_id = ? and kind = 'confirm' order by id desc",
        [sub.id],
    ).fetchone()
    return row[0] if row else None


def agenda_alert(
    settings: Settings, sub: Subscriber, meeting: dict, now: datetime | None = None
) -> EmailMessage | None:
    """The items of an upcoming agenda on the promises this subscriber follows (or None)."""
    _ = translator(sub.lang)
    items = [
        {**item, "commitments": [c for c in item["commitments"] if sub.follows(c["commitment_id"])]}
        for item in meeting["items"]
    ]
    items = [i for i in items if i["commitments"]]
    if not items:
        return None
    day = long_day(meeting["date"], sub.lang)
    revised = (meeting["agenda"]["version"] or 1) > 1
    subject = (
        _("Revised agenda for %(day)s: items on promises you follow", day=day)
        if revised
        else _("On the agenda for %(day)s: items on promises you follow", day=day)
    )
    when = f"{meeting['title']}, {day}" + (f", {meeting['time']}" if meeting["time"] else "")
    lines = [when, ""]
    if meeting["status"] == "cancelled":
        lines += [_("Meeting cancelled"), ""]
    for item in items:
        promises = "; ".join(title_in(c, sub.lang) for c in item["commitments"])
        lines += [f"{item['number']}. {item['text']}", f"   [{promises}]", ""]
    virtual = _("Virtual meeting: the agenda says how to take part")
    place = meeting_place(meeting, settings.place, sub.lang, virtual)
    if place:
        lines += [_("Where: %(place)s", place=place), ""]
    how = settings.place.how_to_speak
    lines += [_("How to speak: %(how)s", how=how.es if sub.lang == "es" else how.en), ""]
    lines.append(site_url(settings.base_url, sub.lang, f"/meetings/{meeting['id']}"))
    return message(settings, sub, subject, "\n".join(lines), now=now)


def cancelled_notice(
    settings: Settings, sub: Subscriber, meeting: dict, now: datetime | None = None
) -> EmailMessage:
    _ = translator(sub.lang)
    day = long_day(meeting["date"], sub.lang)
    body = "\n\n".join(
        [
            _(
                "The council's records now say that the meeting of %(day)s (%(title)s) is "
                "cancelled.",
                day=day,
                title=meeting["title"],
            ),
            site_url(settings.base_url, sub.lang, f"/meetings/{meeting['id']}"),
        ]
    )
    return message(settings, sub, _("Cancelled: the meeting of %(day)s", day=day), body, now=now)


def status_alert(settings: Settings, sub: Subscriber, event: dict) -> EmailMessage:
    _ = translator(sub.lang)
    label = _(STATUS_TEXT.get(event["status"], event["status"]))
    title = title_in(event, sub.lang)
    since = _("since %(day)s", day=long_day(event["effective_date"], sub.lang))
    note = (event.get("note_es") if sub.lang == "es" else None) or event.get("note") or ""
    body = "\n\n".join(
        [
            f"{title}: {label} ({since})",
            note,
            site_url(settings.base_url, sub.lang, f"/commitments/{event['commitment_id']}"),
        ]
    )
    return message(settings, sub, _("Status change: %(title)s", title=title), body)


def stale_notice(settings: Settings, sub: Subscriber, since: datetime | None) -> EmailMessage:
    _ = translator(sub.lang)
    day = long_day(since.date(), sub.lang) if since else "—"
    body = "\n\n".join(
        [
            _(
                "The tracker has not been able to read the council's records since %(day)s: "
                "until it can, alerts about agendas may be missing.",
                day=day,
            ),
            site_url(settings.base_url, sub.lang, "/sources"),
        ]
    )
    return message(settings, sub, _("The council's records could not be read"), body)


def _begun(meeting: dict, settings: Settings, now: datetime) -> bool:
    start = meeting_start(meeting, settings.tz)
    if not isinstance(start, datetime):  # no time known: the day is over when it is over
        return start < now.astimezone(settings.tz).date()
    return start <= now


def queue(db: sqlite_utils.Database, conn, settings: Settings, now: datetime | None = None) -> int:
    """Queue every alert due to every confirmed subscriber; how many new messages."""
    now = now or datetime.now(UTC)
    today: date = now.astimezone(settings.tz).date()
    people = subs.confirmed(conn)
    if not people:
        return 0
    new = 0
    # An alert after the meeting has begun is no use: the vote is over or under way.
    meetings = [m for m in upcoming_matches(db, today) if not _begun(m, settings, now)]
    events = status_changes(db, after_id=min(s.status_after for s in people), limit=10_000)
    fresh = freshness(db, settings, now)
    # Stale because scrapes failed since the last success, not merely because none ran.
    failure = last_run(db, "scrape", ("failed",))
    since = fresh["last_success"]
    stale = (
        fresh["stale"]
        and failure is not None
        and (since is None or datetime.fromisoformat(failure["started_at"]) > since)
    )
    with conn:
        for sub in people:
            for meeting in meetings:
                if meeting["status"] == "cancelled":
                    # told of its agenda, so told it is off: nobody goes to a meeting not held
                    key = f"cancelled:{meeting['id']}"
                    if not outbox.queued(conn, sub.id, key) and outbox.sent_about(
                        conn, sub.id, f"agenda:{meeting['id']}:"
                    ):
                        msg = cancelled_notice(settings, sub, meeting, now)
                        new += outbox.enqueue(conn, sub.id, key, "cancelled", msg, now)
                    continue
                key = f"agenda:{meeting['id']}:{meeting['agenda']['id']}"
                if outbox.queued(conn, sub.id, key):
                    continue  # written once: checking again costs a lookup, not a message
                msg = agenda_alert(settings, sub, meeting, now)
                if msg is not None and outbox.enqueue(conn, sub.id, key, "agenda", msg, now):
                    new += 1
            for event in events:
                if event["id"] <= sub.status_after or not sub.follows(event["commitment_id"]):
                    continue
                key = f"status:{event['id']}"
                if outbox.queued(conn, sub.id, key):
                    continue
                msg = status_alert(settings, sub, event)
                if outbox.enqueue(conn, sub.id, key, "status", msg, now):
                    new += 1
            if stale:
                key = f"stale:{since.isoformat() if since else 'never'}"
                if outbox.queued(conn, sub.id, key):
                    continue
                notice = stale_notice(settings, sub, since)
                if outbox.enqueue(conn, sub.id, key, "stale", notice, now):
                    new += 1
    return new


def run(settings: Settings, now: datetime | None = None) -> tuple[int, outbox.Delivery]:
    """Queue what is due and send the outbox: after each scheduled scrape, and every few
    minutes for status changes made on the desk. Nothing happens without TRACKER_SMTP_URL."""
    if not settings.smtp_url:
        return 0, outbox.Delivery()
    db = open_db(settings.db_path, migrate=False)
    conn = subs.connect(settings.alerts_db_path)
    try:
        queued = queue(db, conn, settings, now)
        return queued, outbox.deliver(conn, settings, now=now)
    finally:
        db.conn.close()
        conn.close()
