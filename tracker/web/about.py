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
)

from .. import status as status_mod
from ..catalog import rules_fingerprint
from ..errors import ConfigError
from ..health import freshness
from ..runs import last_run
from ..runs import state as run_state
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
    "failed": lazy_gettext("Failed"),
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
# The parts of a rule set whose phrases come and go, in display order, with what a change says.
RULE_PARTS = ("any", "with_any", "decoys", "exclude_if_any")
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


def phrase_sets(rules: dict) -> dict[str, set[str]]:
    """Every phrase of a rule set, by part (see RULE_PARTS)."""
    patterns = rules.get("patterns") or []
    return {
        "any": {p for pattern in patterns for p in pattern.get("any") or []},
        "with_any": {p for pattern in patterns for p in pattern.get("with_any") or []},
        "decoys": set(rules.get("decoys") or []),
        "exclude_if_any": set(rules.get("exclude_if_any") or []),
    }


def rule_changes(old: dict, new: dict) -> dict:
    """What changed between two versions of a commitment's rules, for people to read."""
    before, after = phrase_sets(old), phrase_sets(new)
    parts = []
    for part in RULE_PARTS:
        added = sorted(after[part] - before[part], key=str.casefold)
        removed = sorted(before[part] - after[part], key=str.casefold)
        if added or removed:
            parts.append({"part": part, "added": added, "removed": removed})
    threshold = (
        (old.get("threshold"), new.get("threshold"))
        if old.get("threshold") != new.get("threshold")
        else None
    )
    return {"parts": parts, "threshold": threshold, "other": not parts and threshold is None}


def rule_history(versions: list[dict], current: dict | None = None) -> list[dict]:
    """Rule versions oldest first, each after the first with what changed since the one before.

    A version is marked current when it is the one in use (a revert to an older version is not
    a new row: the first sighting of each version is what is stored)."""
    in_use = rules_fingerprint(current) if current is not None else None
    history = []
    previous = None
    for version in versions:
        rules = json.loads(version["rules"] or "{}")
        history.append(
            {
                "first_seen": version["first_seen"],
                "sha256": version["sha256"],
                "current": version["sha256"] == in_use,
                "changes": rule_changes(previous, rules) if previous is not None else None,
            }
        )
        previous = rules
    return history


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
    commitments = list(db.query("select * from commitments order by position"))
    versions: dict[str, list[dict]] = {}
    for row in db.query("select * from rule_versions order by first_seen, id"):
        versions.setdefault(row["commitment_id"], []).append(row)
    for c in commitments:
        c["rules_data"] = json.loads(c["rules"] or "{}")
        c["rule_history"] = rule_history(versions.get(c["id"], []), c["rules_data"])
    operative, recitals, reporters = resolution_quotes(commitments)
    curated_events = next(
        db.query("select count(distinct curated_key) as n from evidence where kind = 'curated'")
    )["n"]
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

# A later-recorded event dated on or before an earlier one rewrites what the record said for
# those dates. Statuses loaded in one batch from curated_events.yaml are one entry, not
# corrections of each other.
RETROACTIVE = """
select e.id as id, p.id as earlier_id
from status_events e
join status_events p on p.commitment_id = e.commitment_id and p.id < e.id
where e.effective_date <= p.effective_date
  and not (e.curated_key is not null and p.curated_key is not null
           and e.recorded_at = p.recorded_at)
"""


def status_corrections(db) -> list[dict]:
    """Status events that correct the record, each with the earlier entries it supersedes."""
    earlier: dict[int, list[int]] = {}
    for row in db.query(RETROACTIVE):
        earlier.setdefault(row["id"], []).append(row["earlier_id"])
    flagged = {
        row["id"]
        for row in db.query("select id from status_events where lower(note) like 'correction%'")
    }
    ids = sorted(set(earlier) | flagged)
    if not ids:
        return []
    # The log is small (a few entries per promise): read it whole.
    events = {
        row["id"]: row
        for row in db.query(
            """select s.*, c.title_en, c.title_es from status_events s
               join commitments c on c.id = s.commitment_id"""
        )
    }
    out = []
    for event_id in ids:
        event = events[event_id]
        replaced = sorted(
            (events[i] for i in earlier.get(event_id, [])),
            key=lambda p: (p["effective_date"], p["id"]),
        )
        if not replaced:
            # A note that says "Correction" but reaches back over nothing: compare with the
            # entry that was in effect on its date just before it was recorded.
            previous = list(
                db.query(
                    """select * from status_events where commitment_id = ? and id < ?
                       and effective_date <= ? order by effective_date desc, id desc limit 1""",
                    [event["commitment_id"], event_id, event["effective_date"]],
                )
            )
            replaced = [events[p["id"]] for p in previous]
        out.append(
            {
                "type": "status",
                "at": event["recorded_at"],
                "event": event,
                "commitment": {"id": event["commitment_id"], **_titles(event)},
                "replaced": replaced,
            }
        )
    return out


def _titles(row: dict) -> dict:
    return {"title_en": row["title_en"], "title_es": row["title_es"]}


def review_reversals(db) -> list[dict]:
    """Reviews that overturned an earlier accept or reject decision."""
    out = []
    for row in db.query("select * from audit_log where action like 'review:%' order by id"):
        decision = row["action"].split(":", 1)[1]
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            continue
        was = detail.get("was") if isinstance(detail, dict) else None
        if was not in ("accepted", "rejected") or was == decision:
            continue
        evidence = None
        if (row["target"] or "").startswith("evidence:"):
            found = list(
                db.query(
                    """select e.*, c.title_en as c_title_en, c.title_es as c_title_es
                       from evidence e join commitments c on c.id = e.commitment_id
                       where e.id = ?""",
                    [row["target"].split(":", 1)[1]],
                )
            )
            evidence = found[0] if found else None
        out.append(
            {
                "type": "review",
                "at": row["at"],
                "entry": row,
                "was": was,
                "decision": decision,
                "note": detail.get("note"),
                "evidence": evidence,
                "commitment": {
                    "id": evidence["commitment_id"],
                    "title_en": evidence["c_title_en"],
                    "title_es": evidence["c_title_es"],
                }
                if evidence
                else None,
            }
        )
    return out


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


def _one(db, sql: str, params=()) -> dict | None:
    rows = list(db.query(sql + " limit 1", params))
    return rows[0] if rows else None


def _errors(run: dict | None) -> tuple[list[dict], int]:
    if not run:
        return [], 0
    try:
        errors = json.loads(run["errors"] or "[]")
    except ValueError:
        errors = []
    return errors[:ERRORS_SHOWN], max(len(errors) - ERRORS_SHOWN, 0)


def source_health(db, source: dict) -> dict:
    """Last success, last failure and why, last interrupted run, and what is stored."""
    sid = source["id"]
    success = _one(
        db,
        """select * from scrape_runs where kind = 'scrape' and source_id = ?
           and outcome in ('ok', 'partial') order by started_at desc, id desc""",
        [sid],
    )
    failure = _one(
        db,
        """select * from scrape_runs where kind = 'scrape' and source_id = ?
           and outcome = 'failed' order by started_at desc, id desc""",
        [sid],
    )
    interrupted = next(
        (
            row
            for row in db.query(
                """select * from scrape_runs where kind = 'scrape' and source_id = ?
                   and finished_at is null order by id desc""",
                [sid],
            )
            if run_state(row) == "interrupted"
        ),
        None,
    )
    errors, more = _errors(failure)
    success_errors, success_more = _errors(success)
    # A meeting two sources list counts for both; a document for the source it came from.
    counts = next(
        db.query(
            """select
                 (select count(*) from meetings m where m.source_id = :s
                   or exists(select 1 from meeting_refs r
                             where r.meeting_id = m.id and r.source_id = :s)) as meetings,
                 (select count(*) from documents d left join meetings m on m.id = d.meeting_id
                   where coalesce(d.source_id, m.source_id) = :s) as documents,
                 (select count(*) from pages p join documents d on d.id = p.document_id
                   left join meetings m on m.id = d.meeting_id
                   where coalesce(d.source_id, m.source_id) = :s) as pages,
                 (select count(*) from items i join documents d on d.id = i.document_id
                   left join meetings m on m.id = d.meeting_id
                   where coalesce(d.source_id, m.source_id) = :s) as agenda_items""",
            {"s": sid},
        )
    )
    return {
        **source,
        "success": success,
        "failure": failure,
        "failure_errors": errors,
        "more_errors": more,
        "success_errors": success_errors,
        "success_more_errors": success_more,
        "interrupted": interrupted,
        "counts": counts,
    }


def curated_counts(db) -> dict:
    return next(
        db.query(
            """select
                 (select count(distinct curated_key) from evidence where kind = 'curated')
                   as events,
                 (select count(*) from status_events where curated_key is not null)
                   as curated_statuses,
                 (select count(*) from status_events where curated_key is null)
                   as editor_statuses,
                 (select count(*) from evidence where kind = 'manual') as manual_evidence,
                 (select count(*) from documents where meeting_id is null and kind = 'manual')
                   as manual_documents"""
        )
    )


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
    stored = {r["id"]: r for r in db.query("select * from sources")}
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
    without_text = list(
        db.query(
            f"""select d.*, m.title as meeting_title, m.date as meeting_date
                from documents d left join meetings m on m.id = d.meeting_id
                where d.extract_status not in ('ok', 'partial', 'pending')
                order by m.date desc, d.id desc limit {DOCUMENTS_SHOWN}"""
        )
    )
    for doc in without_text:
        doc["archive_url"] = url_for("records.document", sha256=doc["sha256"])
        doc["meeting_url"] = (
            url_for("records.meeting", meeting_id=doc["meeting_id"]) if doc["meeting_id"] else None
        )
    without_text_total = db["documents"].count_where(
        "extract_status not in ('ok', 'partial', 'pending')"
    )
    runs = list(db.query(f"select * from scrape_runs order by id desc limit {RECENT_RUNS}"))
    for run in runs:
        run["state"] = run_state(run)
        run["error_count"] = len(json.loads(run["errors"] or "[]"))
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
