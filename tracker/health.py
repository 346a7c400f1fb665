"""Is the data fresh? Last successful and failed scrapes, next runs, and the staleness rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlite_utils

from .config import Settings
from .runs import last_run, unfinished
from .runs import state as run_state
from .scheduler import jobs, next_fire

ERRORS_SHOWN = 5  # a failed run's errors shown on /sources; the rest are counted


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


def freshness(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> dict:
    """When data last arrived, and whether it is stale (no successful scrape for stale_days)."""
    now = now or datetime.now(UTC)
    success = last_run(db, "scrape", ("ok", "partial"))
    since = _parse(success["finished_at"]) if success else None
    return {"stale": is_stale(since, settings, now), "last_success": since, "never": since is None}


def last_success_at(conn) -> str | None:
    """When the last successful scrape finished (a UTC timestamp), on any DB-API connection:
    the page cache asks on its own plain sqlite3 connection."""
    return conn.execute(
        "select max(finished_at) from scrape_runs where kind = 'scrape' "
        "and outcome in ('ok', 'partial')"
    ).fetchone()[0]


def is_stale(last_success: datetime | None, settings: Settings, now: datetime) -> bool:
    """No successful scrape yet, or none for more than stale_days."""
    return last_success is None or now - last_success > timedelta(days=settings.stale_days)


def health(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> dict:
    """The JSON body of /health, for uptime monitors."""
    now = now or datetime.now(UTC)
    fresh = freshness(db, settings, now)
    failure = last_run(db, "scrape", ("failed",))
    running, interrupted = unfinished(db)
    age = (now - fresh["last_success"]).total_seconds() / 86400 if fresh["last_success"] else None
    return {
        "status": "stale" if fresh["stale"] else "ok",
        "stale_after_days": settings.stale_days,
        "last_success": fresh["last_success"].isoformat() if fresh["last_success"] else None,
        "data_age_days": round(age, 2) if age is not None else None,
        "last_failure": {
            "at": failure["finished_at"],
            "reason": failure["message"],
            "errors": json.loads(failure["errors"] or "[]")[:10],
        }
        if failure
        else None,
        "running_since": running["started_at"] if running else None,
        "last_interrupted": (
            {"id": interrupted["id"], "started_at": interrupted["started_at"]}
            if interrupted
            else None
        ),
        "next_runs": [
            {"job": job.name, "cron": job.cron, "next": next_fire(job, now).isoformat()}
            for job in jobs(settings)
        ],
        "documents_without_text": unreadable_documents(db, 0)[1],
    }


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


# Extraction states of a document whose text we do not have (the data debt on /sources).
UNREADABLE = "extract_status not in ('ok', 'partial', 'pending')"


def stored_sources(db: sqlite_utils.Database) -> dict[str, dict]:
    return {r["id"]: r for r in db.query("select * from sources")}


def unreadable_documents(db: sqlite_utils.Database, limit: int) -> tuple[list[dict], int]:
    """Documents whose text we still cannot read, newest meetings first, and how many in all.

    Only a document's newest version counts (one the source replaced with a readable file is
    paid off); `unreadable_since` is when the first of its unreadable versions in a row was
    fetched, so a reader sees how long the debt has run."""
    newest = f"""d.{UNREADABLE} and not exists(
        select 1 from documents n where n.kind = d.kind and n.meeting_id is d.meeting_id
          and (d.meeting_id is not null or n.url = d.url) and n.version > d.version)"""
    rows = list(
        db.query(
            f"""select d.*, m.title as meeting_title, m.date as meeting_date,
                  (select min(o.fetched_at) from documents o
                    where o.kind = d.kind and o.meeting_id is d.meeting_id
                      and (d.meeting_id is not null or o.url = d.url)
                      and o.version > coalesce((
                        select max(r.version) from documents r
                         where r.kind = d.kind and r.meeting_id is d.meeting_id
                           and (d.meeting_id is not null or r.url = d.url)
                           and not r.{UNREADABLE}), 0)) as unreadable_since
                from documents d left join meetings m on m.id = d.meeting_id
                where {newest} order by m.date desc, d.id desc limit ?""",
            [limit],
        )
    )
    total = next(db.query(f"select count(*) as n from documents d where {newest}"))["n"]
    return rows, total


def recent_runs(db: sqlite_utils.Database, limit: int) -> list[dict]:
    """The newest runs of every kind, each with its state and number of errors."""
    runs = list(db.query("select * from scrape_runs order by id desc limit ?", [limit]))
    for run in runs:
        run["state"] = run_state(run)
        run["error_count"] = len(json.loads(run["errors"] or "[]"))
    return runs
