"""Scrapes that run themselves: a weekly full scrape and pre-meeting checks, with catch-up.

APScheduler 3.x keeps jobs in memory, so it cannot know what was missed while the server was
down; the runs recorded in the database can. At start-up each job's last scheduled time is
compared with its last successful run, and anything missed runs once (missed runs coalesce:
a missed weekly scrape also covers a missed pre-meeting check). Crontab weekdays are written
as names (wed, fri): APScheduler 3 numbers them from Monday, unlike cron.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .config import Settings
from .db import open_db
from .errors import ConfigError, ScrapeLocked
from .vocab import Outcome

logger = logging.getLogger(__name__)
MISFIRE_GRACE = 6 * 3600  # a job late by a few hours (busy or sleeping machine) still runs
SUCCESS = (Outcome.OK, Outcome.PARTIAL)
ALERT_MINUTES = 10  # how often the outbox is retried and new status changes are mailed


@dataclass(frozen=True)
class Job:
    name: str  # "weekly" or "pre-meeting"
    trigger: CronTrigger
    upcoming_only: bool
    cron: str


def jobs(settings: Settings) -> list[Job]:
    """The scheduled jobs from the settings' cron strings, in the jurisdiction's local time."""
    tz = settings.tz
    out = []
    specs = [("weekly", settings.weekly_cron, False)] + [
        ("pre-meeting", cron, True) for cron in settings.premeeting_crons
    ]
    for name, cron, upcoming in specs:
        try:
            trigger = CronTrigger.from_crontab(cron, timezone=tz)
        except ValueError as exc:
            raise ConfigError(f"schedule {name} {cron!r}: {exc}") from None
        if trigger.get_next_fire_time(None, datetime.now(tz)) is None:
            raise ConfigError(f"schedule {name} {cron!r}: never fires (no such date)")
        out.append(Job(name, trigger, upcoming, cron))
    return out


def next_fire(job: Job, now: datetime) -> datetime | None:
    return job.trigger.get_next_fire_time(None, now)


def last_fire(job: Job, now: datetime) -> datetime | None:
    """The latest scheduled time at or before `now` (looking back up to five weeks)."""
    t = job.trigger.get_next_fire_time(None, now - timedelta(days=35))
    last = None
    while t is not None and t <= now:
        last = t
        t = job.trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return last


def last_success(db, upcoming_only: bool) -> datetime | None:
    """Start of the newest successful scrape that covers a job (a full one covers both)."""
    sql = (
        "select max(started_at) as t from scrape_runs "
        "where kind = 'scrape' and outcome in ('ok', 'partial')"
    )
    row = next(db.query(sql if upcoming_only else sql + " and coalesce(job, '') != 'pre-meeting'"))
    return datetime.fromisoformat(row["t"]) if row["t"] else None


def missed(db, settings: Settings, now: datetime) -> Job | None:
    """The one job to run now to catch up, or None. A missed full scrape wins."""
    due = []
    for job in jobs(settings):
        fired = last_fire(job, now)
        done = last_success(db, job.upcoming_only)
        if fired is not None and (done is None or done < fired):
            due.append(job)
    if not due:
        return None
    return next((j for j in due if not j.upcoming_only), due[0])


def run_job(settings: Settings, name: str, upcoming_only: bool) -> None:
    """One scheduled update: scrape, process, match; a held lock or an error is recorded."""
    from .pipeline import update

    db = open_db(settings.db_path)
    try:
        runs, _matched = update(db, settings, upcoming_only=upcoming_only, progress=False, job=name)
        for run in runs:
            logger.info(
                "job %s: scrape %s %s (%s)",
                name,
                run.source_id,
                run.outcome,
                run.message or "no errors",
            )
    except ScrapeLocked as exc:
        logger.warning("job %s skipped: %s", name, exc)
    except Exception:  # the scheduler thread must survive anything a run throws
        logger.exception("job %s crashed", name)
    finally:
        db.conn.close()
    # Every scheduled scrape, the pre-meeting checks included, is followed by the alerts it
    # found: an agenda found on Friday evening is mailed before Tuesday's vote.
    send_alerts(settings)
    # The static mirror follows the record after every scheduled scrape (TRACKER_STATIC_DIR).
    rebuild_mirror(settings)


def send_alerts(settings: Settings) -> None:
    """Queue and send due email alerts (tracker.alerts); never lets an error out."""
    if not settings.smtp_url:
        return
    from .alerts import run

    try:
        run(settings)
    except ScrapeLocked as exc:
        logger.info("alerts skipped: %s", exc)
    except Exception:
        logger.exception("alerts crashed")


def rebuild_mirror(settings: Settings) -> None:
    """Rebuild the static mirror (TRACKER_STATIC_DIR) from the record as it now stands."""
    if not settings.static_dir:
        return
    from .web.mirror import build_and_report

    try:
        build_and_report(settings, settings.static_dir)
    except Exception:  # a failed mirror must not stop the scheduler; the old mirror stays
        logger.exception("static mirror %s: build failed", settings.static_dir)


def build(settings: Settings, blocking: bool = False):
    """A scheduler with every job, coalescing missed runs, with a grace of hours."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        timezone=settings.tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
    )
    for i, job in enumerate(jobs(settings)):
        scheduler.add_job(
            run_job,
            job.trigger,
            args=[settings, job.name, job.upcoming_only],
            id=f"{job.name}-{i}",
            name=f"{job.name} ({job.cron})",
        )
    if settings.smtp_url:  # status changes made on the desk, and retries of the outbox
        scheduler.add_job(
            send_alerts,
            IntervalTrigger(minutes=ALERT_MINUTES),
            args=[settings],
            id="alerts",
            name=f"alerts (every {ALERT_MINUTES} minutes)",
        )
    return scheduler


def catch_up(scheduler, settings: Settings, now: datetime | None = None) -> Job | None:
    """Queue one run now for whatever was missed while nothing was running."""
    now = now or datetime.now(settings.tz)
    db = open_db(settings.db_path)
    try:
        job = missed(db, settings, now)
    finally:
        db.conn.close()
    if job is not None:
        logger.info("catching up: the %s scrape due %s did not run", job.name, last_fire(job, now))
        scheduler.add_job(
            run_job,
            args=[settings, "catch-up", job.upcoming_only],
            id="catch-up",
            name=f"catch-up ({job.name})",
        )
    return job
