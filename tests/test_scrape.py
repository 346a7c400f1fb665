"""The Granicus scrape end to end against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.granicus_site import AGENDA_IDS, FIXTURES, ITEMS, MINUTES_IDS, agenda_pdf
from tests.pdfs import make_pdf
from tracker.cli import main
from tracker.config import Settings
from tracker.scrape import scrape


def document_downloads(site):
    return [e for e in site.requests_to(r"^/files/") if e[1] == 200]


def test_first_scrape_stores_meetings_documents_pages_and_items(site, cfg, database):
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "ok", run.errors
    assert run.meetings_seen == 16
    # event 1231 became clip 3456: one meeting, one agenda fetched (by its clip id)
    assert run.new_documents == len(AGENDA_IDS) - 1 + len(MINUTES_IDS)
    merged = database["meetings"].get("2026-05-12-regular-city-council-meeting")
    assert merged["status"] == "passed"
    refs = database["meeting_refs"].rows_where("meeting_id = ?", [merged["id"]])
    assert {r["name"]: r["value"] for r in refs} == {"event_id": "1231", "clip_id": "3456"}
    cancelled = database["meetings"].get("2026-05-26-regular-city-council-meeting")
    assert cancelled["status"] == "cancelled"
    hidden = {r["id"] for r in database.query("select id from meetings where hidden")}
    assert "2026-03-31-regular-city-council-meeting" in hidden
    doc = next(
        database.query(
            "select * from documents where meeting_id = ? and kind = 'agenda'", [merged["id"]]
        )
    )
    assert doc["extract_status"] == "ok"
    assert doc["final_url"].endswith(".pdf") and "/files/bhamal_" in doc["final_url"]
    assert (cfg.archive_dir / doc["sha256"][:2] / doc["sha256"][2:]).exists()
    items = list(
        database.query("select * from items where document_id = ? order by number", [doc["id"]])
    )
    assert [(i["number"], i["marker"]) for i in items] == [
        (1, "CONSENT ITEM"),
        (2, "ITEM"),
        (3, "P(ph) ITEM"),
    ]
    assert items[0]["consent"] and items[2]["permanent"] and items[2]["public_hearing"]
    assert items[1]["sponsor"].startswith("Councilor Tate")
    assert database["pages"].count >= database["documents"].count


def test_outcomes_are_final_with_minutes_and_provisional_without(site, cfg, database):
    scrape(database, cfg, progress=False)
    with_minutes = {
        i["number"]: i
        for i in database.query(
            "select * from items where meeting_id = '2026-04-14-regular-city-council-meeting'"
        )
    }
    assert with_minutes[1]["outcome"] == "adopted" and not with_minutes[1]["outcome_provisional"]
    assert with_minutes[3]["outcome"] == "tabled"
    without = list(
        database.query(
            "select * from items where meeting_id = '2026-05-19-regular-city-council-meeting'"
        )
    )
    assert without and all(i["outcome_provisional"] for i in without)


def test_unchanged_site_costs_a_few_small_requests_and_no_document_bytes(site, cfg, database):
    scrape(database, cfg, progress=False)
    before = len(site.log)
    downloads = len(document_downloads(site))
    (run,) = scrape(database, cfg, progress=False)
    second = site.log[before:]
    besides = [e for e in second if not e[0].startswith(("/robots.txt", "/ViewPublisher.php"))]
    assert run.outcome == "ok"
    assert len(besides) <= 5, besides
    assert len(document_downloads(site)) == downloads
    assert sum(e[2] for e in besides) == 0 or all(e[1] in (302, 304) for e in besides)
    assert (run.new_documents, run.changed_documents) == (0, 0)


def test_revised_agenda_becomes_a_new_version_and_the_old_is_kept(site, cfg, database):
    scrape(database, cfg, progress=False)
    site.add("agenda", "event_id", 1234, agenda_pdf(1234, ITEMS + [ITEMS[1]]))
    (run,) = scrape(database, cfg, progress=False)
    assert run.changed_documents == 1
    versions = list(
        database.query(
            "select * from documents where meeting_id = '2026-05-19-regular-city-council-meeting' "
            "and kind = 'agenda' order by version"
        )
    )
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["supersedes_id"] == versions[0]["id"]
    assert versions[0]["sha256"] != versions[1]["sha256"]
    counts = [database["items"].count_where("document_id = ?", [v["id"]]) for v in versions]
    assert counts == [3, 4]


def test_bad_documents_are_recorded_and_the_run_goes_on(site, cfg, database, httpserver):
    good = agenda_pdf(0)
    site.add("agenda", "clip_id", 3449, good[: len(good) // 2])  # truncated
    site.add("agenda", "clip_id", 3446, b"<!DOCTYPE html><html><body>Error</body></html>")
    site.add("agenda", "clip_id", 3440, make_pdf([["secret"]], encrypt_password="pw"))
    site.add("agenda", "clip_id", 3433, b"%PDF-1.4\n" + b"0" * 300_000)  # oversize below
    site.redirect_elsewhere.add(("agenda", "clip_id", "3432"))
    cfg = Settings(**{**cfg.__dict__, "max_document_bytes": 200_000})
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "partial"
    reasons = {
        e["url"].split("clip_id=")[-1] if "clip_id=" in e["url"] else e["url"]: e["reason"]
        for e in run.errors
    }
    assert "not a PDF" in reasons["3446"]
    assert "limit" in reasons["3433"]
    assert any("other host" in r for r in reasons.values())
    statuses = {
        r["meeting_id"]: r["extract_status"]
        for r in database.query(
            "select meeting_id, extract_status from documents where kind = 'agenda'"
        )
    }
    assert statuses["2026-05-05-regular-city-council-meeting"] == "broken"
    assert statuses["2026-04-21-regular-city-council-meeting"] == "encrypted"
    assert statuses["2026-05-19-regular-city-council-meeting"] == "ok"
    assert "2026-04-28-budget-and-finance-committee" not in statuses  # html: nothing stored
    last = database["scrape_runs"].get(run.id)
    assert last["outcome"] == "partial" and len(json.loads(last["errors"])) == len(run.errors)
    assert database.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_changed_layout_fails_the_run_and_keeps_what_was_known(site, cfg, database):
    scrape(database, cfg, progress=False)
    meetings, documents = database["meetings"].count, database["documents"].count
    site.listing = (FIXTURES / "granicus" / "publisher_changed_layout.html").read_text()
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "failed"
    assert "layout changed?" in run.message and f"{meetings} meetings known" in run.message
    assert (database["meetings"].count, database["documents"].count) == (meetings, documents)


def test_scrape_command_exits_non_zero_on_failure(site, cfg, runner, monkeypatch):
    monkeypatch.setenv("TRACKER_JURISDICTION", str(cfg.jurisdiction_file))
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    ok = runner.invoke(main, ["scrape"])
    assert ok.exit_code == 0, ok.output
    assert "scrape granicus ok: 16 meetings" in ok.output
    site.listing = "<html><body><p>Maintenance</p></body></html>"
    failed = runner.invoke(main, ["scrape"])
    assert failed.exit_code == 1
    assert "layout changed?" in failed.output


def test_process_rebuilds_pages_and_items_from_the_archive_alone(
    site, cfg, database, runner, monkeypatch
):
    scrape(database, cfg, progress=False)
    items = {(r["id"], r["text"]) for r in database.query("select id, text from items")}
    database.execute("delete from pages")
    database.conn.commit()
    requests = len(site.log)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    result = runner.invoke(main, ["process"])
    assert result.exit_code == 0, result.output
    assert len(site.log) == requests
    assert database["pages"].count > 0
    assert {(r["id"], r["text"]) for r in database.query("select id, text from items")} == items


def test_export_fills_meetings_and_items(site, cfg, database, runner, monkeypatch, tmp_path):
    scrape(database, cfg, progress=False)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    assert runner.invoke(main, ["export", "--out", str(tmp_path / "x")]).exit_code == 0
    meetings = json.loads((tmp_path / "x" / "meetings.json").read_text())
    merged = next(m for m in meetings if m["id"] == "2026-05-12-regular-city-council-meeting")
    assert merged["external_ids"] == {"event_id": "1231", "clip_id": "3456"}
    assert merged["documents"][0]["sha256"] and merged["documents"][0]["kind"] == "agenda"
    items = json.loads((tmp_path / "x" / "items.json").read_text())
    assert {i["marker"] for i in items} >= {"CONSENT ITEM", "ITEM", "P(ph) ITEM"}


def test_killed_scrape_leaves_no_duplicates_and_the_next_run_completes_it(site, cfg, database):
    import os
    import signal
    import subprocess
    import sys
    import time

    site.file_delay = 0.15
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
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(document_downloads(site)) < 4:
        time.sleep(0.05)
    assert proc.poll() is None, "the scrape ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = database["documents"].count
    assert 0 < partial < 15, "the kill should land mid-scrape"
    killed = next(database.query("select * from scrape_runs order by id desc limit 1"))
    assert killed["finished_at"] is None  # shown as interrupted, never as a success
    from tracker.health import health

    assert health(database, cfg)["last_interrupted"]["id"] == killed["id"]

    site.file_delay = 0
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "ok", run.errors
    assert database["documents"].count == 15
    duplicates = list(
        database.query(
            "select meeting_id, kind, sha256, count(*) n from documents "
            "group by 1, 2, 3 having n > 1"
        )
    )
    assert duplicates == []
    assert database.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert (
        database.execute(
            "select count(*) from pages where document_id not in (select id from documents)"
        ).fetchone()[0]
        == 0
    )


def test_a_document_that_keeps_failing_is_recorded_and_retried_next_run(site, cfg, database):
    site.failing[("agenda", "clip_id", "3449")] = 503
    cfg = Settings(**{**cfg.__dict__, "request_retries": 1})
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "partial"
    assert len(run.errors) == 1 and "clip_id=3449" in run.errors[0]["url"]
    assert run.errors[0]["reason"].startswith("HTTP 503")
    assert run.new_documents == len(AGENDA_IDS) - 2 + len(MINUTES_IDS)
    del site.failing[("agenda", "clip_id", "3449")]
    (again,) = scrape(database, cfg, progress=False)
    assert (again.outcome, again.new_documents) == ("ok", 1)


def test_outcomes_become_final_when_the_minutes_arrive(site, cfg, database):
    from tests.granicus_site import minutes_lines, pdf_of

    meeting = "2026-05-05-regular-city-council-meeting"  # clip 3449: no minutes yet
    scrape(database, cfg, progress=False)
    before = list(database.query("select * from items where meeting_id = ?", [meeting]))
    assert before and all(i["outcome_provisional"] for i in before)
    empty_cell = 'headers="Minutes Regular City Council Meeting">&nbsp;</td>'
    assert site.listing.count(empty_cell) == 1
    site.listing = site.listing.replace(
        empty_cell,
        'headers="Minutes Regular City Council Meeting"><a href="//bhamal.granicus.com/'
        'MinutesViewer.php?view_id=2&amp;clip_id=3449">Minutes</a></td>',
    )
    assert 'clip_id=3449">Minutes' in site.listing
    votes = [(1, "adopted"), (2, "adopted"), (3, "referred")]
    site.add("minutes", "clip_id", 3449, pdf_of(minutes_lines(date(2026, 5, 5), votes)))
    (run,) = scrape(database, cfg, progress=False)
    assert run.new_documents == 1
    after = {
        i["number"]: i
        for i in database.query("select * from items where meeting_id = ?", [meeting])
    }
    assert {n: (i["outcome"], i["outcome_provisional"]) for n, i in after.items()} == {
        1: ("adopted", 0),
        2: ("adopted", 0),
        3: ("referred", 0),
    }
    assert {i["id"] for i in before} == {i["id"] for i in after.values()}, "ids are kept"


def test_since_skips_documents_of_older_meetings(site, cfg, database):
    (run,) = scrape(database, cfg, progress=False, since=date(2026, 5, 1))
    fetched = {r["meeting_id"] for r in database.query("select meeting_id from documents")}
    assert fetched and all(m >= "2026-05-01" for m in fetched)
    assert run.meetings_seen == 16  # the listing is still read and every meeting recorded


def test_a_missing_archive_table_fails_the_run_and_changes_nothing(site, cfg, database):
    scrape(database, cfg, progress=False)
    before = list(database.query("select * from meetings order by id"))
    site.listing = site.listing.replace('id="archive"', 'id="archived-videos"')
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "failed" and "no archive table" in run.message
    assert list(database.query("select * from meetings order by id")) == before


def test_a_meeting_moved_to_another_day_stays_apart_from_a_new_one_on_its_old_day(database):
    from datetime import date as day

    from scrapers.source import Meeting
    from tracker.scrape import _ensure_source, _upsert_meeting

    def upcoming(event_id: str, on: day) -> Meeting:
        return Meeting(
            key=f"{on.isoformat()}-regular-city-council-meeting",
            title="Regular City Council Meeting",
            name="Regular City Council Meeting",
            body="City Council",
            date=on,
            time="09:30",
            status="confirmed",
            refs={"event_id": event_id},
        )

    class Granicus:
        id, name, base_url = "granicus", "Granicus", "http://127.0.0.1"

    _ensure_source(database, Granicus(), ["upcoming"])
    first = _upsert_meeting(database, "granicus", upcoming("1234", day(2026, 12, 1)))
    moved = _upsert_meeting(database, "granicus", upcoming("1234", day(2026, 12, 3)))
    new = _upsert_meeting(database, "granicus", upcoming("1240", day(2026, 12, 1)))
    assert first == moved  # the same event, now on another day
    assert new != first
    assert {r["value"] for r in database.query("select value from meeting_refs")} == {
        "1234",
        "1240",
    }


def _record(
    source_ref: dict,
    on,
    title="Regular City Council Meeting",
    body="City Council",
    time="09:30",
    hidden=False,
    same_as=None,
):
    from scrapers.source import Meeting

    return Meeting(
        key=f"{on.isoformat()}-{title.lower().replace(' ', '-')}",
        title=title,
        name=title,
        body=body,
        date=on,
        time=time,
        status="passed",
        refs=source_ref,
        same_as=same_as or {},
        hidden=hidden,
    )


@pytest.fixture
def two_sources(database):
    from tracker.scrape import _ensure_source

    for sid in ("granicus", "council-site"):
        source = type("S", (), {"id": sid, "name": sid, "base_url": "http://127.0.0.1"})
        _ensure_source(database, source, [])
    return database, {"granicus": 0, "council-site": 1}


def test_another_sources_meeting_of_the_same_day_and_body_is_joined(two_sources):
    from datetime import date as day

    from tracker.scrape import _upsert_meeting

    db, ranks = two_sources
    on = day(2021, 2, 16)
    site = _upsert_meeting(
        db,
        "council-site",
        _record({"wp_id": "9101"}, on, "Birmingham City Council Meeting", time=None),
        ranks,
    )
    granicus = _upsert_meeting(db, "granicus", _record({"clip_id": "2101"}, on), ranks)
    assert granicus == site  # one meeting, and Granicus (listed first) now leads it
    row = db["meetings"].get(site)
    assert (row["source_id"], row["title"], row["time"]) == (
        "granicus",
        "Regular City Council Meeting",
        "09:30",
    )
    again = _upsert_meeting(
        db, "council-site", _record({"wp_id": "9101"}, on, "Birmingham City Council Meeting"), ranks
    )
    assert again == site and db["meetings"].get(site)["title"] == "Regular City Council Meeting"


def test_a_committee_a_test_clip_and_a_second_meeting_of_the_day_stay_apart(two_sources):
    from datetime import date as day

    from tracker.scrape import _upsert_meeting

    db, ranks = two_sources
    on = day(2021, 2, 16)
    council = _upsert_meeting(db, "granicus", _record({"clip_id": "2101"}, on), ranks)
    committee = _upsert_meeting(
        db, "council-site",
        _record({"wp_id": "9098"}, on, "Public Safety Committee", "Public Safety Committee"),
        ranks,
    )  # fmt: skip
    clip = _upsert_meeting(db, "council-site", _record({"wp_id": "1"}, on, hidden=True), ranks)
    joined = _upsert_meeting(db, "council-site", _record({"wp_id": "9101"}, on), ranks)
    second = _upsert_meeting(
        db,
        "council-site",
        _record({"wp_id": "9102"}, on, "Special Called Meeting of the Council"),
        ranks,
    )
    evening = _upsert_meeting(db, "granicus", _record({"clip_id": "2102"}, on, time="18:00"), ranks)
    assert joined == council
    assert len({council, committee, clip, second, evening}) == 5


def test_an_explicit_link_joins_whatever_the_day_and_body(two_sources):
    from datetime import date as day

    from tracker.scrape import _upsert_meeting

    db, ranks = two_sources
    granicus = _upsert_meeting(
        db, "granicus",
        _record({"clip_id": "2105"}, day(2021, 3, 2), "Budget and Finance Committee",
                "Budget and Finance Committee"),
        ranks,
    )  # fmt: skip
    site = _upsert_meeting(
        db, "council-site",
        _record({"wp_id": "9120"}, day(2021, 3, 2), "Budget & Finance Committee Meeting",
                "Budget & Finance Committee", same_as={"clip_id": "2105"}),
        ranks,
    )  # fmt: skip
    assert site == granicus
    assert db["meetings"].get(site)["body"] == "Budget and Finance Committee"
