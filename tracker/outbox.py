"""The outbox of email alerts, in data/alerts.db: every message is written here first, whole,
then sent through TRACKER_SMTP_URL, and retried with backoff while the mail server is down.

Why it cannot lose a message or send one twice: a message is queued once per (subscriber, what
it is about), so re-running the checks queues nothing new; it is marked `sending` before the
SMTP transaction and `sent` right after the server accepts it, each in its own commit; and one
delivery runs at a time (a lock the kernel drops with its holder), so a row still `sending`
when a delivery starts belongs to a process that died: it is sent again, with the same
Message-ID. What remains is the instant between the server's "250 OK" and our commit; a kill
exactly there sends that one message twice, which SMTP itself cannot rule out (RFC 5321 6.1).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from urllib.parse import unquote, urlsplit

from .config import Settings
from .db import utcnow
from .errors import ScrapeLocked
from .lock import exclusive

logger = logging.getLogger(__name__)

SCHEMA = """
create table if not exists outbox (
  id integer primary key,
  subscriber_id integer not null,
  key text not null,            -- what the message is about: one per subscriber and key
  kind text not null,           -- confirm / agenda / status / stale
  recipient text not null,
  message text not null,        -- the whole message, made once: a retry sends the same bytes
  message_id text not null,
  state text not null,          -- pending / sending / sent / failed / dropped
  attempts integer not null default 0,
  next_attempt_at text not null,
  last_error text,
  created_at text not null,
  sent_at text,
  unique (subscriber_id, key)
);
create index if not exists outbox_due on outbox (state, next_attempt_at);
"""
# Seconds to wait before each retry; the last repeats until GIVE_UP after the message was made.
BACKOFF = (60, 300, 900, 3600, 3 * 3600, 6 * 3600)
GIVE_UP = timedelta(days=4)  # an alert about next Tuesday's agenda is useless after that
SMTP_TIMEOUT = 20.0


@dataclass
class Delivery:
    sent: int = 0
    deferred: int = 0  # left for a retry (the server is down or said "try later")
    failed: int = 0  # refused for good, or given up on
    dropped: int = 0  # the subscriber left before it went out
    error: str | None = None  # the last server error, in one line


def enqueue(
    conn,
    subscriber_id: int,
    key: str,
    kind: str,
    message: EmailMessage,
    now: datetime | None = None,
) -> bool:
    """Queue a message unless one with this key went (or waits) to this subscriber already."""
    now = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    cur = conn.execute(
        """insert or ignore into outbox (subscriber_id, key, kind, recipient, message,
             message_id, state, next_attempt_at, created_at)
           values (?, ?, ?, ?, ?, ?, 'pending', ?, ?)""",
        [
            subscriber_id,
            key,
            kind,
            message["To"],
            message.as_string(policy=SMTP_POLICY),
            message["Message-ID"],
            now,
            now,
        ],
    )
    return cur.rowcount == 1


def queued(conn, subscriber_id: int, key: str) -> bool:
    """Whether a message with this key was queued for this subscriber (sent or not)."""
    return (
        conn.execute(
            "select 1 from outbox where subscriber_id = ? and key = ?", [subscriber_id, key]
        ).fetchone()
        is not None
    )


def sent_about(conn, subscriber_id: int, prefix: str) -> bool:
    """Whether a message whose key starts with `prefix` went to this subscriber."""
    return (
        conn.execute(
            """select 1 from outbox where subscriber_id = ? and state = 'sent'
               and substr(key, 1, length(?)) = ?""",
            [subscriber_id, prefix, prefix],
        ).fetchone()
        is not None
    )


def sender(settings: Settings) -> str:
    """The From address: TRACKER_MAIL_FROM, else alerts@ the public URL's host."""
    return settings.mail_from or f"alerts@{urlsplit(settings.base_url).hostname or 'localhost'}"


def open_smtp(url: str) -> smtplib.SMTP:
    """A connection to the server TRACKER_SMTP_URL names, logged in when it has a user."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, parts.port or 25, timeout=SMTP_TIMEOUT)
        if parts.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def _retry_at(attempts: int, now: datetime) -> str:
    wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return (now + timedelta(seconds=wait)).isoformat(timespec="seconds")


def _still_wanted(conn, row) -> bool:
    state = conn.execute(
        "select state from subscribers where id = ?", [row["subscriber_id"]]
    ).fetchone()
    if state is None or state[0] == "unsubscribed":
        return False
    return row["kind"] == "confirm" or state[0] == "confirmed"


def deliver(
    conn, settings: Settings, *, now: datetime | None = None, only: int | None = None
) -> Delivery:
    """Send what is due (or only outbox row `only`), oldest first, one commit per message.

    Raises ScrapeLocked when another delivery is running (it will send these too)."""
    report = Delivery()
    if not settings.smtp_url:
        return report
    now = now or datetime.now(UTC)
    with exclusive(settings.data_dir / "alerts.lock", "alert delivery"):
        with conn:  # whoever left these `sending` died mid-send: the lock says so
            conn.execute("update outbox set state = 'pending' where state = 'sending'")
        due = conn.execute(
            """select * from outbox where state = 'pending' and next_attempt_at <= ?
               and (? is null or id = ?) order by id""",
            [now.isoformat(timespec="seconds"), only, only],
        ).fetchall()
        smtp = None
        try:
            for row in due:
                if not _still_wanted(conn, row):
                    with conn:
                        conn.execute(
                            "update outbox set state = 'dropped' where id = ?", [row["id"]]
                        )
                    report.dropped += 1
                    continue
                with conn:
                    conn.execute(
                        "update outbox set state = 'sending', attempts = attempts + 1 where id = ?",
                        [row["id"]],
                    )
                try:
                    if smtp is None:
                        smtp = open_smtp(settings.smtp_url)
                    smtp.sendmail(sender(settings), [row["recipient"]], row["message"].encode())
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                    permanent = _code(exc) >= 500
                    _failed(conn, row, now, exc, report, permanent=permanent)
                    if not permanent:
                        smtp = _close(smtp)
                        break  # "try later" from the server: so for everything
                except (OSError, smtplib.SMTPException) as exc:
                    _failed(conn, row, now, exc, report, permanent=False)
                    smtp = _close(smtp)
                    break  # the server is down: the rest waits for the next try
                else:
                    with conn:
                        conn.execute(
                            "update outbox set state = 'sent', sent_at = ?, last_error = null "
                            "where id = ?",
                            [utcnow(), row["id"]],
                        )
                    report.sent += 1
        finally:
            _close(smtp)
    if report.sent or report.error:
        logger.info(
            "alerts: %d sent, %d deferred, %d failed%s",
            report.sent,
            report.deferred,
            report.failed,
            f" ({report.error})" if report.error else "",
        )
    return report


def deliver_soon(conn, settings: Settings, outbox_id: int) -> None:
    """Try to send one message now (a confirmation, while its reader waits); anything wrong
    leaves it queued for the next delivery."""
    try:
        deliver(conn, settings, only=outbox_id)
    except ScrapeLocked:
        pass  # a delivery is running; the next one sends it


def _code(exc: smtplib.SMTPException) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min(code for code, _msg in exc.recipients.values())
    return getattr(exc, "smtp_code", 451)


def _failed(conn, row, now: datetime, exc: Exception, report: Delivery, *, permanent: bool):
    error = " ".join(str(exc).split())[:300] or type(exc).__name__
    report.error = error
    attempts = row["attempts"] + 1
    made = datetime.fromisoformat(row["created_at"])
    give_up = permanent or now - made > GIVE_UP
    with conn:
        conn.execute(
            "update outbox set state = ?, last_error = ?, next_attempt_at = ? where id = ?",
            [
                "failed" if give_up else "pending",
                error,
                _retry_at(attempts, now),
                row["id"],
            ],
        )
    if give_up:
        report.failed += 1
        logger.warning(
            "alert %s to subscriber %s failed: %s", row["key"], row["subscriber_id"], error
        )
    else:
        report.deferred += 1


def _close(smtp) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None


def summary(conn) -> dict[str, int]:
    """Messages by state, for `alerts list`."""
    return {
        row[0]: row[1] for row in conn.execute("select state, count(*) from outbox group by state")
    }
