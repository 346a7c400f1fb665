"""Silent losses made loud (issue 15, item 12): listing rows we cannot read, a listing cut
short, dates that overflow, an oversized robots.txt. Each is recorded on the run and shown on
/sources; a listing that shrank sharply fails the run and changes nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from scrapers.granicus import parse_publisher
from scrapers.wordpress import long_date
from tests.granicus_site import LISTING
from tracker.scrape import scrape
from tracker.web import create_app

CHICAGO = ZoneInfo("America/Chicago")


def _archive_rows(soup: BeautifulSoup):
    return soup.find("table", id="archive").find("tbody").find_all("tr")


def _cell(tr, column: str):
    return next(td for td in tr.find_all("td") if td["headers"][0] == column)


def _sources_text(cfg) -> str:
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    response = app.test_client().get("/sources")
    assert response.status_code == 200
    return BeautifulSoup(response.data, "lxml").get_text(" ", strip=True)


# --- dates that overflow --------------------------------------------------------------------


def test_a_five_digit_year_is_no_date_on_either_source():
    from scrapers.granicus import _parse_date

    assert _parse_date("May 19, 99999") is None  # was 9999-05-19
    assert _parse_date("May 19, 20266 - 09:00 AM") is None  # was 2026-05-19
    assert _parse_date("May 19, 2026 - 09:00 AM") == (date(2026, 5, 19), "09:00")
    assert long_date("May 19, 99999") is None
    assert long_date("May 19, 99999", default_year=2026) is None  # not the default year either
    assert long_date("May 19 @ 2:00 pm", default_year=2026) == (date(2026, 5, 19), "14:00")


def test_a_listing_row_dated_99999_is_skipped_and_named():
    soup = BeautifulSoup(LISTING, "lxml")
    _cell(_archive_rows(soup)[2], "Date").string = "May 19, 99999"
    listing = parse_publisher(str(soup), "https://bhamal.granicus.com", 2, tz=CHICAGO)
    assert not [m for m in listing.meetings if m.date.year > 3000]
    assert any("unreadable date 'May 19, 99999'" in w for w in listing.warnings)


# --- rows lost in a listing: on the run and on /sources -------------------------------------


def test_rows_with_unreadable_dates_or_no_title_are_on_the_run_and_on_sources(site, cfg, database):
    soup = BeautifulSoup(LISTING, "lxml")
    rows = _archive_rows(soup)
    _cell(rows[2], "Date").string = "May 19, 99999"
    _cell(rows[3], "Name").string = ""
    site.listing = str(soup)
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "partial", "a run that lost rows is not ok"
    assert run.meetings_seen == 14
    reasons = " | ".join(e["reason"] for e in run.errors)
    assert "unreadable date 'May 19, 99999'" in reasons
    assert "empty title" in reasons
    page = _sources_text(cfg)
    assert "unreadable date 'May 19, 99999'" in page
    assert "empty title" in page


def test_a_listing_cut_in_half_fails_the_run_and_changes_nothing(site, cfg, database):
    (first,) = scrape(database, cfg, progress=False)
    assert (first.outcome, first.meetings_seen) == ("ok", 16)
    meetings = database["meetings"].count
    soup = BeautifulSoup(LISTING, "lxml")
    for tr in _archive_rows(soup)[2:]:  # 5 upcoming and 2 archived rows remain of 16
        tr.decompose()
    site.listing = str(soup)
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "failed", f"{run.outcome}: {run.message}"
    assert "listing shrank" in run.message and "16" in run.message
    assert database["meetings"].count == meetings
    assert "listing shrank" in _sources_text(cfg)


def test_a_quiet_week_that_loses_one_meeting_is_not_a_failure(site, cfg, database):
    scrape(database, cfg, progress=False)
    soup = BeautifulSoup(LISTING, "lxml")
    _archive_rows(soup)[-1].decompose()
    site.listing = str(soup)
    (run,) = scrape(database, cfg, progress=False)
    assert (run.outcome, run.meetings_seen) == ("ok", 15)


# --- robots.txt over 500 KiB ----------------------------------------------------------------


def test_an_oversized_robots_txt_is_on_the_run_and_on_sources(site, cfg, database):
    # Its rules come first, so they still hold; the cut is what the run must say.
    site.robots = "User-agent: *\nDisallow: /DownloadFile.php\n" + "# pad\n" * 100_000
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "partial"
    (warning,) = [e["reason"] for e in run.errors if "robots.txt" in e["reason"]]
    assert "500 KiB" in warning
    assert "robots.txt" in _sources_text(cfg)
    assert not site.requests_to(r"^/DownloadFile\.php"), "its rules were still obeyed"


# --- a run killed while processing: the next run finishes every stage (item 5) ---------------


def _record(db) -> dict:
    """What processing and matching leave: votes, final outcomes, candidates."""

    def count(sql: str) -> int:
        return db.execute(sql).fetchone()[0]

    return {
        "parsed": count("select count(*) from documents where parsed_at is not null"),
        "votes": count("select count(*) from votes"),
        "final outcomes": count("select count(*) from items where outcome_provisional = 0"),
        "outcomes": count("select count(*) from items where outcome is not null"),
        "candidates": count("select count(*) from evidence where kind = 'match'"),
    }


# When to kill: SQL on the database the killed run writes, true once it is in that stage.
STAGES = {
    "processing": "select count(*) >= 10 from documents where parsed_at is not null",
    "matching": "select count(*) from scrape_runs where kind = 'match'",
}


@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_mid_stage_is_finished_by_the_next(site, cfg, database, tmp_path, stage):
    import os
    import signal
    import subprocess
    import sys
    import time
    from dataclasses import replace
    from pathlib import Path

    from tracker.db import open_db
    from tracker.pipeline import update

    clean_cfg = replace(cfg, data_dir=tmp_path / "clean")
    clean = open_db(clean_cfg.db_path)
    update(clean, clean_cfg, progress=False)
    expected = _record(clean)
    clean.conn.close()
    assert expected["votes"] and expected["final outcomes"] and expected["candidates"]

    env = {
        **os.environ,
        "TRACKER_DATA_DIR": str(cfg.data_dir),
        "TRACKER_JURISDICTION": str(cfg.jurisdiction_file),
        "TRACKER_REQUEST_DELAY": "0",
    }
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "run.py", "scrape"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if database.execute(STAGES[stage]).fetchone()[0]:
                break
        except sqlite3.OperationalError:  # the tables are not there yet, or locked a moment
            pass
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kind = "process" if stage == "processing" else "match"
    (killed,) = database.query("select * from scrape_runs where kind = ?", [kind])
    assert killed["finished_at"] is None, f"the kill should land mid-{stage}"

    runs, matched = update(database, cfg, progress=False)  # nothing new to fetch
    assert [r.new_documents for r in runs] == [0]
    assert matched is not None and matched.outcome == "ok"
    assert _record(database) == expected


# --- a bad document of a past meeting: one failed document, and fetched again (items 2, 7) --

PAST_AGENDA = ("agenda", "clip_id", 3440)  # the Regular Meeting of April 21, 2026
PAST_MEETING = "2026-04-21-regular-city-council-meeting"


def _agenda_of(database, meeting_id: str) -> dict:
    return next(
        database.query(
            "select * from documents where meeting_id = ? and kind = 'agenda' "
            "order by version desc limit 1",
            [meeting_id],
        )
    )


def test_a_pdf_bomb_is_one_failed_document_and_its_replacement_is_fetched(site, cfg, database):
    from tests.granicus_site import agenda_pdf
    from tests.pdfs import make_deflate_bomb

    site.add(*PAST_AGENDA, make_deflate_bomb(200 << 20))  # 1 MB that inflates to 200 MB+
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "ok", run.errors  # fetched fine; extraction failing is processing's
    bombed = _agenda_of(database, PAST_MEETING)
    assert bombed["extract_status"] == "broken"
    assert "memory limit" in bombed["extract_error"]
    (process_run,) = database.query("select * from scrape_runs where kind = 'process'")
    assert process_run["outcome"] == "partial" and "extract broken" in process_run["errors"]
    statuses = [r["extract_status"] for r in database.query("select * from documents")]
    assert statuses.count("ok") == len(statuses) - 1, "every other document was read"

    # The clerk replaces it; the next ordinary (scheduled) run, no --refresh, fetches it.
    site.add(*PAST_AGENDA, agenda_pdf(3440))
    scrape(database, cfg, progress=False)
    fixed = _agenda_of(database, PAST_MEETING)
    assert (fixed["extract_status"], fixed["version"]) == ("ok", bombed["version"] + 1)
    assert database["items"].count_where("document_id = ?", [fixed["id"]]) == 3


def test_an_unreadable_past_document_is_asked_for_again_conditionally(site, cfg, database):
    from tests.granicus_site import agenda_pdf
    from tests.pdfs import make_pdf

    encrypted = make_pdf([["secret"]], encrypt_password="pw")
    site.add(*PAST_AGENDA, encrypted)
    scrape(database, cfg, progress=False)
    assert _agenda_of(database, PAST_MEETING)["extract_status"] == "encrypted"
    readable = len(site.log)

    scrape(database, cfg, progress=False)  # unchanged: asked again, answered 304, no bytes
    again = site.log[readable:]
    path = f"/files/bhamal_{hashlib.md5(encrypted).hexdigest()}.pdf"
    assert [(status, size) for p, status, size in again if p == path] == [(304, 0)]
    assert _agenda_of(database, PAST_MEETING)["version"] == 1

    site.add(*PAST_AGENDA, agenda_pdf(3440))  # replaced: the next run takes the new copy
    scrape(database, cfg, progress=False)
    fixed = _agenda_of(database, PAST_MEETING)
    assert (fixed["extract_status"], fixed["version"]) == ("ok", 2)


# --- scraped video links (item 10) ----------------------------------------------------------

HOSTILE_VIDEOS = {
    3456: "javascript:alert(document.cookie)",
    3449: "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
    3446: "https://evil.example/MediaPlayer.php?clip_id=3446",
    3440: "https://evil.example\\@bhamal.granicus.com/MediaPlayer.php",
    3433: "https://bhamal.granicus.com.evil.example/MediaPlayer.php",
}


def test_scraped_video_links_that_are_not_http_on_the_source_are_dropped(site, cfg, database):
    html = LISTING
    for clip, url in HOSTILE_VIDEOS.items():
        html = html.replace(
            f"window.open('//bhamal.granicus.com/MediaPlayer.php?view_id=2&amp;clip_id={clip}'",
            f"window.open('{url}'",
        )
    site.listing = html
    scrape(database, cfg, progress=False)
    videos = {r["id"]: r["video_url"] for r in database.query("select id, video_url from meetings")}
    kept = [url for url in videos.values() if url]
    assert kept and all(
        url.startswith(("http://bhamal.granicus.com/", "https://bhamal.granicus.com/"))
        for url in kept
    ), kept
    clips = LISTING.count("MediaPlayer.php?view_id=2&amp;clip_id=")
    assert len(kept) == clips - len(HOSTILE_VIDEOS)  # the others are all still there

    client = create_app({"SETTINGS": cfg, "TESTING": True}).test_client()
    for meeting_id in videos:
        page = BeautifulSoup(client.get(f"/meetings/{meeting_id}").data, "lxml")
        for link in page.find_all("a", href=True):
            href = link["href"]
            assert not href.lower().startswith(("javascript:", "data:")), href
            assert "evil.example" not in href, href
