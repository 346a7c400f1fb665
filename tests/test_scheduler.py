"""Scheduled scrapes: local trigger times across DST, catch-up, coalescing, lock, health."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup

from tracker.cli import main
from tracker.config import Settings
from tracker.db import open_db
from tracker.errors import ScrapeLocked
from tracker.lock import exclusive
from tracker.runs import Run
from tracker.scheduler import build, catch_up, jobs, last_fire, missed, next_fire, run_job
from tracker.web import create_app

CHICAGO = ZoneInfo("America/Chicago")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)


def record_scrape(db, outcome="ok", job=None, failed=None):
    run = Run(db, "scrape", "granicus", job=job)
    if outcome == "partial":
        run.error("http://x/AgendaViewer.php", "HTTP 500 after 3 retries")
    run.meetings_seen = 16
    return run.finish(failed=failed)


def test_weekly_scrape_fires_wednesday_6am_local_across_daylight_saving(settings):
    weekly = next(j for j in jobs(settings) if j.name == "weekly")
    before = next_fire(weekly, at(2026, 3, 2, 12))  # Monday before DST starts (Mar 8)
    after = next_fire(weekly, before + timedelta(minutes=1))
    assert (before.weekday(), before.hour, before.minute) == (2, 6, 0)
    assert (after.weekday(), after.hour) == (2, 6)
    assert before.astimezone(UTC).hour == 12  # CST, UTC-6
    assert after.astimezone(UTC).hour == 11  # CDT, UTC-5
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(days=7, hours=-1)


def test_pre_meeting_checks_fire_friday_and_monday_6pm_local(settings):
    pre = [j for j in jobs(settings) if j.name == "pre-meeting"]
    fires = sorted(next_fire(j, at(2026, 10, 28, 12)) for j in pre)  # Wed before DST ends
    assert [(f.strftime("%a"), f.hour) for f in fires] == [("Fri", 18), ("Mon", 18)]
    assert fires[1].utcoffset() == timedelta(hours=-6)  # Monday Nov 2 is already CST


def test_nothing_missed_right_after_a_successful_weekly_scrape(settings, db):
    with time_machine.travel(at(2026, 11, 25, 6, 5), tick=False):
        record_scrape(db)
    assert missed(db, settings, at(2026, 11, 26, 12)) is None


def test_downtime_over_several_scheduled_runs_coalesces_into_one_full_catch_up(settings, db):
    with time_machine.travel(at(2026, 11, 4, 6, 5), tick=False):
        record_scrape(db)
    now = at(2026, 11, 24, 9)  # two weeklies and four pre-meeting checks missed
    job = missed(db, settings, now)
    assert job is not None and job.name == "weekly"
    assert last_fire(job, now) == at(2026, 11, 18, 6)
    scheduler = build(settings)
    catch_up(scheduler, settings, now)
    queued = [j for j in scheduler.get_jobs() if j.id == "catch-up"]
    assert len(queued) == 1


def test_only_a_pre_meeting_check_missed_runs_an_upcoming_check(settings, db):
    with time_machine.travel(at(2026, 11, 25, 6, 5), tick=False):
        record_scrape(db)
    job = missed(db, settings, at(2026, 11, 27, 20))  # Friday 18:00 missed
    assert job.name == "pre-meeting" and job.upcoming_only


def test_a_failed_run_does_not_count_as_caught_up(settings, db):
    with time_machine.travel(at(2026, 11, 25, 6, 5), tick=False):
        record_scrape(db, failed="layout changed? no meetings")
    assert missed(db, settings, at(2026, 11, 25, 9)).name == "weekly"


def test_scheduler_jobs_coalesce_and_have_hours_of_grace(settings):
    scheduler = build(settings)
    scheduler.start(paused=True)
    try:
        for job in scheduler.get_jobs():
            assert job.coalesce and job.max_instances == 1
            assert job.misfire_grace_time >= 3600
    finally:
        scheduler.shutdown(wait=False)


def test_a_second_scrape_while_one_runs_exits_with_a_clear_message(runner, settings):
    with exclusive(settings.data_dir / "scrape.lock"):
        result = runner.invoke(main, ["scrape"])
    assert result.exit_code == 1
    assert "another scrape is running (pid" in result.output


def test_scheduled_job_records_a_failure_with_its_reason(site, cfg):
    site.listing = "<html><body>Down for maintenance</body></html>"
    run_job(cfg, "weekly", upcoming_only=False)
    db = open_db(cfg.db_path)
    row = next(db.query("select * from scrape_runs where kind = 'scrape'"))
    assert (row["job"], row["outcome"]) == ("weekly", "failed")
    assert "layout changed?" in row["message"]
    assert row["started_at"] and row["finished_at"]


def test_scheduled_job_runs_the_whole_pipeline(site, cfg):
    run_job(cfg, "weekly", upcoming_only=False)
    db = open_db(cfg.db_path)
    kinds = {r["kind"]: r["outcome"] for r in db.query("select kind, outcome from scrape_runs")}
    assert kinds == {"scrape": "ok", "process": "ok", "match": "ok"}
    assert db["evidence"].count_where("kind = 'match'") > 0


def test_health_and_banner_go_stale_nine_days_after_the_last_success(settings, db):
    app = create_app({"SETTINGS": settings, "TESTING": True})
    client = app.test_client()
    with time_machine.travel(datetime(2026, 11, 4, 12, tzinfo=UTC), tick=False):
        record_scrape(db)
        fresh = client.get("/health")
        assert fresh.status_code == 200 and fresh.json["status"] == "ok"
        assert not BeautifulSoup(client.get("/").data, "lxml").select(".stale-banner")
    with time_machine.travel(datetime(2026, 11, 14, 12, tzinfo=UTC), tick=False):
        stale = client.get("/health")
        assert stale.status_code == 503
        body = stale.json
        assert body["status"] == "stale" and body["data_age_days"] == 10.0
        assert {j["job"] for j in body["next_runs"]} == {"weekly", "pre-meeting"}
        for url in ("/", "/commitments/municipal-id", "/es/"):
            banner = BeautifulSoup(client.get(url).data, "lxml").select_one(".stale-banner")
            assert banner is not None, url
        en = BeautifulSoup(client.get("/").data, "lxml").select_one(".stale-banner").get_text()
        assert "November 4, 2026" in en


def test_health_reports_the_last_failure_and_its_reason(settings, db):
    app = create_app({"SETTINGS": settings, "TESTING": True})
    record_scrape(db)
    record_scrape(db, failed="listing unavailable: HTTP 503 after 3 retries")
    body = app.test_client().get("/health").json
    assert body["last_failure"]["reason"] == "listing unavailable: HTTP 503 after 3 retries"
    assert body["status"] == "ok"  # a failure after a recent success is not yet stale


def test_schedule_command_prints_jobs_and_next_runs(runner):
    result = runner.invoke(main, ["schedule"])
    assert result.exit_code == 0, result.output
    assert "weekly" in result.output and "pre-meeting" in result.output
    assert "last successful scrape: never" in result.output


def test_bad_cron_string_is_a_one_line_error(runner, monkeypatch):
    monkeypatch.setenv("TRACKER_WEEKLY_CRON", "every wednesday")
    result = runner.invoke(main, ["schedule"])
    assert result.exit_code == 1 and "schedule weekly 'every wednesday'" in result.output


def test_backup_writes_a_consistent_copy_and_an_archive_manifest(
    site, cfg, runner, monkeypatch, tmp_path
):
    import json

    from tracker.scrape import scrape

    db = open_db(cfg.db_path)
    scrape(db, cfg, progress=False)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    result = runner.invoke(main, ["backup", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    copy = next((tmp_path / "bk").glob("tracker-*.db"))
    assert open_db(copy, migrate=False)["documents"].count == db["documents"].count
    manifest = json.loads(next((tmp_path / "bk").glob("archive-manifest-*.json")).read_text())
    assert (
        len(manifest["files"])
        == db.execute("select count(distinct sha256) from documents").fetchone()[0]
    )
    assert all(f["path"].replace("/", "") == f["sha256"] for f in manifest["files"])
    assert not list((tmp_path / "bk").glob("desk-*.db"))  # no desk yet: nothing to copy


def test_backup_copies_the_desk_and_the_alerts_databases_too(cfg, runner, monkeypatch, tmp_path):
    import sqlite3

    from tracker import desk_db
    from tracker.subscribers import connect as alerts_connect

    open_db(cfg.db_path).conn.close()
    conn = desk_db.connect(cfg.desk_db_path)
    desk_db.add_user(conn, "ana", "a long enough passphrase", role="editor", display_name="Ana")
    conn.close()
    alerts_connect(cfg.alerts_db_path).close()
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    result = runner.invoke(main, ["backup", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    (desk_copy,) = (tmp_path / "bk").glob("desk-*.db")
    users = sqlite3.connect(desk_copy).execute("select name from users").fetchall()
    assert users == [("ana",)]
    assert list((tmp_path / "bk").glob("alerts-*.db"))
    assert "not for publishing" in result.output


def test_settings_turn_the_scheduler_off():
    assert Settings.from_env({"TRACKER_SCHEDULER": "off"}).scheduler is False


def test_a_lock_left_by_a_killed_process_is_recovered(settings):
    import signal
    import subprocess
    import sys
    import time

    lock = settings.data_dir / "scrape.lock"
    code = (
        "import sys, time; from pathlib import Path; from tracker.lock import exclusive\n"
        f"with exclusive(Path({str(lock)!r})):\n    print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    with pytest.raises(ScrapeLocked, match=r"another scrape is running \(pid"):
        with exclusive(lock):
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    time.sleep(0.05)
    with exclusive(lock):  # the file is still there, but the dead holder's lock is gone
        assert lock.exists()


def test_process_and_match_wait_their_turn_behind_a_running_scrape(runner, settings):
    with exclusive(settings.data_dir / "scrape.lock"):
        for command in (["process"], ["match"]):
            result = runner.invoke(main, command)
            assert result.exit_code == 1, command
            assert "another scrape is running" in result.output
