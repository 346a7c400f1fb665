"""Template helpers: the row field in the reader's language, dates in the reader's language."""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_skeleton, format_time
from flask import Flask, request
from flask_babel import format_date, get_locale, gettext, lazy_gettext

from ..i18n import (
    byline,
    council_name,
    english,
    evidence_title,
    health_text,
    in_language,
    spanish_quotes,
)
from .database import absolute_url, settings

STATUS_LABELS = {
    "not-started": lazy_gettext("Not started"),
    "in-progress": lazy_gettext("In progress"),
    "stalled": lazy_gettext("Stalled"),
    "partial": lazy_gettext("Partly kept"),
    "kept": lazy_gettext("Kept"),
    "broken": lazy_gettext("Broken"),
}
STATUS_SYMBOLS = {
    "not-started": "○",
    "in-progress": "◐",
    "stalled": "‖",
    "partial": "◑",
    "kept": "✔",
    "broken": "✘",
}
STANCE_LABELS = {
    "supports": lazy_gettext("For the promise"),
    "contrary": lazy_gettext("Against the promise"),
    "context": lazy_gettext("Context"),
}
MADE_BY_LABELS = {
    "resolution": lazy_gettext("Council resolution"),
    "mayor": lazy_gettext("Mayor Bell"),
    "campaign": lazy_gettext("Campaign demand"),
}
STAGE_LABELS = {
    "on-agenda": lazy_gettext("On the agenda"),
    "first-reading": lazy_gettext("First reading, no vote"),
    "heard": lazy_gettext("Heard; outcome not yet known"),
    "day-passed": lazy_gettext("Meeting day passed; outcome not yet known"),
    "meeting-cancelled": lazy_gettext("Meeting cancelled"),
    "adopted": lazy_gettext("Adopted"),
    "failed": lazy_gettext("Failed"),
    "tabled": lazy_gettext("Tabled"),
    "referred": lazy_gettext("Referred to committee"),
    "deferred": lazy_gettext("Deferred"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "amended": lazy_gettext("Amended"),
}
EXTRACT_LABELS = {
    "pending": lazy_gettext("Not processed yet"),
    "ok": lazy_gettext("Text extracted"),
    "partial": lazy_gettext("Text partly extracted"),
    "no-text": lazy_gettext("No text layer (a scan)"),
    "encrypted": lazy_gettext("Encrypted: the text cannot be read"),
    "broken": lazy_gettext("Damaged file"),
    "unsupported": lazy_gettext("File type not supported"),
    "missing": lazy_gettext("File missing from the archive"),
}
REASON_LABELS = {
    "stalled": lazy_gettext("No action for a long time"),
    "broken": lazy_gettext("Action against the promise"),
    "pre-empted-by-state-law": lazy_gettext("Pre-empted by state law"),
}


def localized(row: dict, field: str) -> str:
    """row['field_es'] on Spanish pages when present, else row['field'] / row['field_en']."""
    lang = request.environ.get("tracker.lang", "en")
    for key in (f"{field}_{lang}", field, f"{field}_en"):
        if row.get(key):
            return spanish_quotes(row[key]) if key == f"{field}_es" else row[key]
    return ""


def meeting_place(meeting: dict) -> str | None:
    """Where the meeting is held, when the records say so (tracker.activity.meeting_place)."""
    from ..activity import meeting_place as place_of

    lang = request.environ.get("tracker.lang", "en")
    virtual = gettext("Virtual meeting: the agenda says how to take part")
    return place_of(meeting, settings().place, lang, virtual)


def local(text) -> str:
    """A jurisdiction text (en/es) in the page's language."""
    return spanish_quotes(text.es) if get_locale().language == "es" else text.en


def long_date(value: date | str | None, precision: str = "day") -> str:
    """A date in the reader's language; a UTC timestamp is shown as its day in Birmingham."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(settings().tz).date()
    if precision == "year":
        return str(value.year)
    if precision == "month":  # "May 2025", "mayo de 2025": each language's own pattern
        return format_skeleton("yMMMM", value, locale=get_locale())
    return format_date(value, "long")


def after_colon(label) -> str:
    """A label that follows a colon: Spanish writes it in lower case ("Motivo: una acción")."""
    text = str(label)
    if get_locale().language == "es" and text[:1].isupper() and not text[1:2].isupper():
        return text[:1].lower() + text[1:]
    return text


# What an unreviewed candidate is called on public pages: the matcher's suggestion, not a finding.
SUGGESTION_LABEL = lazy_gettext("may be related — not yet checked")


def evidence_label(ev: dict) -> str:
    """The heading of a piece of evidence in the page's language, built from what it points
    to ("Item 39" and the meeting's name, itself in the page's language), never stored in
    English (tracker/i18n.py builds it)."""
    return evidence_title(ev)


def local_time(value: str | None) -> str:
    """A meeting's '09:30' as the reader's language writes it ("9:30 AM", "9:30"): the
    source's own local time, never converted, written the same way on every page."""
    try:
        return format_time(time.fromisoformat(value or ""), "short", locale=get_locale())
    except ValueError:
        return value or ""


def register(app: Flask) -> None:
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["after_colon"] = after_colon
    app.jinja_env.globals.update(
        localized=localized,
        evidence_label=evidence_label,
        SUGGESTION_LABEL=SUGGESTION_LABEL,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_SYMBOLS=STATUS_SYMBOLS,
        STANCE_LABELS=STANCE_LABELS,
        MADE_BY_LABELS=MADE_BY_LABELS,
        REASON_LABELS=REASON_LABELS,
        STAGE_LABELS=STAGE_LABELS,
        EXTRACT_LABELS=EXTRACT_LABELS,
        meeting_place=meeting_place,
        local_time=local_time,
        absolute_url=absolute_url,
        local=local,
        gettext=gettext,
        council_name=council_name,
        byline=byline,
        in_language=in_language,
        evidence_title=evidence_title,
        english=english,
        health_text=health_text,
    )
