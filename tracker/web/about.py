"""About the data: methodology, corrections log, source health."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import (
    format_date,
    format_decimal,
    format_number,
    format_time,
    format_timedelta,
    lazy_gettext,
    lazy_pgettext,
)

from .. import status as status_mod
from ..corrections import review_reversals, status_corrections
from ..errors import ConfigError
from ..health import (
    curated_counts,
    freshness,
    recent_runs,
    source_health,
    stored_sources,
    unreadable_documents,
)
from ..rules import commitments_with_rules
from ..runs import last_run
from ..scheduler import jobs, next_fire
from .database import get_db

bp = Blueprint("about", __name__)

RECENT_RUNS = 20
ERRORS_SHOWN = 5
DOCUMENTS_SHOWN = 200

KIND_LABELS = {
    "scrape": lazy_gettext("Scrape"),
    "process": lazy_gettext("Text extraction"),
    "match": lazy_gettext("Matching"),
}
JOB_LABELS = {
    "weekly": lazy_gettext("Weekly schedule"),
    "pre-meeting": lazy_gettext("Pre-meeting check"),
    "catch-up": lazy_gettext("Catch-up after downtime"),
}
OUTCOME_LABELS = {
    "ok": lazy_gettext("Succeeded"),
    "partial": lazy_gettext("Succeeded with errors"),
    "failed": lazy_pgettext("run outcome", "Failed"),  # a vote "failed" is another word
    "running": lazy_gettext("Running"),
    "interrupted": lazy_gettext("Interrupted"),
}
REVIEW_LABELS = {
    "accepted": lazy_gettext("Accepted as evidence"),
    "rejected": lazy_gettext("Rejected"),
}
DOCUMENT_KINDS = {
    "agenda": lazy_gettext("Agenda"),
    "minutes": lazy_gettext("Minutes"),
    "manual": lazy_gettext("Added by an editor"),
    "press-release": lazy_gettext("Press release"),
}
CHANGE_LABELS = {
    ("any", "added"): lazy_gettext("Phrases added:"),
    ("any", "removed"): lazy_gettext("Phrases removed:"),
    ("with_any", "added"): lazy_gettext("“Only together with” terms added:"),
    ("with_any", "removed"): lazy_gettext("“Only together with” terms removed:"),
    ("decoys", "added"): lazy_gettext("Decoys added:"),
    ("decoys", "removed"): lazy_gettext("Decoys removed:"),
    ("exclude_if_any", "added"): lazy_gettext("Exclusions added:"),
    ("exclude_if_any", "removed"): lazy_gettext("Exclusions removed:"),
}


def timestamp(value: str | datetime | None) -> str:
    """An ISO-8601 UTC timestamp as a date and time in Birmingham, in the reader's language."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"{format_date(value, 'long')}, {format_time(value, 'short')}"


def megabytes(value: int | None) -> str:
    return format_decimal((value or 0) / 1_000_000, "#,##0.#")


def _render(template: str, **context):
    return render_template(
        template,
        timestamp=timestamp,
        megabytes=megabytes,
        format_number=format_number,
        format_decimal=format_decimal,
        format_timedelta=format_timedelta,
        **context,
    )


# ---------------------------------------------------------------- methodology


def resolution_quotes(commitments: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """The resolution's words as the press printed them (operative clause, recitals), and the
    reports of its adoption. Only quotes stored with a source in the catalogue appear."""
    operative, recitals, reporters, seen = [], [], {}, set()
    for c in commitments:
        if c["made_by"] != "resolution":
            continue
        for source in json.loads(c["sources"] or "[]"):
            if c["id"] == "declare-sanctuary":  # the reports of the vote itself
                reporters.setdefault(source["url"], source)
            quote = (source.get("quote") or "").strip()
            if not quote or quote in seen:
                continue
            seen.add(quote)
            # The only quoted sentence that resolves anything is the operative clause.
            (operative if "hereby resolves" in quote else recitals).append(source)
    return operative, recitals, sorted(reporters.values(), key=lambda s: s["date"])


@bp.get("/methodology")
def methodology():
    db = get_db()
    commitments = commitments_with_rules(db)
    operative, recitals, reporters = resolution_quotes(commitments)
    curated_events = curated_counts(db)["events"]
    return _render(
        "methodology.html",
        commitments=commitments,
        operative=operative,
        recitals=recitals,
        reporters=reporters,
        stall_months=status_mod.STALL_MONTHS,
        curated_events=curated_events,
        contact_url=current_app.config.get("CONTACT_URL"),
        CHANGE_LABELS=CHANGE_LABELS,
    )


# ---------------------------------------------------------------- corrections


@bp.get("/corrections")
def corrections():
    db = get_db()
    entries = status_corrections(db) + review_reversals(db)
    entries.sort(key=lambda e: e["at"] or "", reverse=True)
    return _render(
        "corrections.html",
        entries=entries,
        contact_url=current_app.config.get("CONTACT_URL"),
        REVIEW_LABELS=REVIEW_LABELS,
    )


# ---------------------------------------------------------------- sources


def schedule(settings) -> tuple[list[dict], str | None]:
    """The next time each scheduled job runs, or why the schedule cannot be read."""
    now = datetime.now(UTC)
    try:
        return [
            {"job": job.name, "cron": job.cron, "next": next_fire(job, now)}
            for job in jobs(settings)
        ], None
    except ConfigError as exc:
        return [], str(exc)


@bp.get("/sources")
def sources():
    db = get_db()
    settings = current_app.config["SETTINGS"]
    stored = stored_sources(db)
    # Every configured source, scraped yet or not, then any no longer configured.
    rows = [
        {
            **(stored.get(c.id) or {"id": c.id, "name": c.name, "base_url": c.url, "kind": c.kind}),
            "documents": [str(d) for d in c.documents],
        }
        for c in settings.place.sources
    ]
    rows += [r for i, r in sorted(stored.items()) if settings.place.source(i) is None]
    health = [source_health(db, row) for row in rows]
    fresh = freshness(db, settings)
    age = datetime.now(UTC) - fresh["last_success"] if fresh["last_success"] else None
    next_runs, schedule_error = schedule(settings)
    latest = last_run(db, "scrape")
    without_text, without_text_total = unreadable_documents(db, DOCUMENTS_SHOWN)
    for doc in without_text:
        doc["archive_url"] = url_for("records.document", sha256=doc["sha256"])
        doc["meeting_url"] = (
            url_for("records.meeting", meeting_id=doc["meeting_id"]) if doc["meeting_id"] else None
        )
    runs = recent_runs(db, RECENT_RUNS)
    return _render(
        "sources.html",
        sources=health,
        curated=curated_counts(db),
        fresh=fresh,
        latest_failed=latest if latest and latest["outcome"] == "failed" else None,
        age=age,
        stale_days=settings.stale_days,
        next_runs=next_runs,
        schedule_error=schedule_error,
        scheduler_on=settings.scheduler,
        without_text=without_text,
        without_text_total=without_text_total,
        runs=runs,
        max_runs=RECENT_RUNS,
        KIND_LABELS=KIND_LABELS,
        JOB_LABELS=JOB_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        DOCUMENT_KINDS=DOCUMENT_KINDS,
    )
