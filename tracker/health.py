"""Is the data fresh? Last successful and failed scrapes, next runs, and the staleness rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlite_utils

from .config import Settings
from .runs import last_run, unfinished
from .scheduler import jobs, next_fire


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


def freshness(db: sqlite_utils.Database, settings: Settings, now: datetime | None = None) -> dict:
    """When data last arrived, and whether it is stale (no successful scrape for stale_days)."""
    now = now or datetime.now(UTC)
    success = last_run(db, "scrape", ("ok", "partial"))
    since = _parse(success["finished_at"]) if success else None
    return {"stale": is_stale(since, settings, now), "last_success": since, "never": since is None}


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
        "documents_without_text": db["documents"].count_where(
            "extract_status not in ('ok', 'partial', 'pending')"
        ),
    }
