"""The council's WordPress site scraped end to end, alone and beside Granicus, on 127.0.0.1."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from tests.granicus_site import GranicusSite, Meeting, listing_html
from tests.places import birmingham_at
from tests.wordpress_site import (
    DOCUMENTS,
    FIXTURES,
    MEETING_PAGES,
    MEETINGS,
    PRESS_RELEASES,
    WordPressSite,
)
from tracker.config import Settings
from tracker.db import open_db
from tracker.scrape import scrape

WP = "council-site"


def settings_for(tmp_path, wp_site, granicus=None, **options) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        jurisdiction_file=birmingham_at(
            tmp_path / "place",
            granicus.base_url if granicus else None,
            wordpress_url=wp_site.base_url,
            wordpress=options,
        ),
        request_delay=0,
        request_timeout=5,
    )


@pytest.fixture
def wp_cfg(tmp_path, wp_site) -> Settings:
    return settings_for(tmp_path, wp_site)


@pytest.fixture
def db(wp_cfg):
    database = open_db(wp_cfg.db_path)
    yield database
    database.conn.close()


def snapshot(db) -> dict:
    """What a scrape stored, without the fixture server's port or fetch times."""
    meetings = {
        r["id"]: (r["title"], r["body"], r["date"], r["time"], r["status"], r["video_url"])
        for r in db.query("select * from meetings")
    }
    refs = {
        (r["meeting_id"], r["name"], r["value"]) for r in db.query("select * from meeting_refs")
    }
    documents = {
        (r["meeting_id"], r["kind"], r["url"].split("/", 3)[-1], r["title"], r["date"], r["sha256"])
        for r in db.query("select * from documents")
    }
    return {"meetings": meetings, "refs": refs, "documents": documents}


def downloads(site) -> list:
    return [e for e in site.log if e[1] == 200 and e[0].startswith(("/wp-content/", "/20"))]


# --- the first scrape ------------------------------------------------------------------------


def test_first_scrape_stores_every_era(wp_site, wp_cfg, db):
    (run,) = scrape(db, wp_cfg, progress=False)
    assert run.outcome == "ok", run.errors
    assert (run.meetings_seen, run.new_documents) == (MEETINGS, DOCUMENTS)
    meetings = {r["id"]: r for r in db.query("select * from meetings")}
    assert meetings["2021-02-16-virtual-birmingham-city-council-meeting"]["body"] == "City Council"
    assert (
        meetings[
            "2021-02-10-joint-transportation-and-special-called-committee-of-the-whole-meeting"
        ]["status"]
        == "cancelled"
    )
    assert meetings["2021-01-26-birmingham-city-council-meeting"]["status"] == "cancelled"
    assert meetings["2020-02-17-public-safety-committee-meeting"]["time"] == "14:00"
    assert meetings["2017-09-18-committee-of-the-whole-meeting"]["time"] == "16:30"
    assert meetings["2016-10-11-public-safety-committee"]["body"] == "Public Safety Committee"
    assert all(m["source_id"] == WP for m in meetings.values())
    agenda = next(
        db.query(
            "select * from documents where kind = 'agenda' and meeting_id = ?",
            ["2021-02-16-virtual-birmingham-city-council-meeting"],
        )
    )
    assert agenda["extract_status"] == "ok" and agenda["source_id"] == WP
    items = db["items"].count_where("document_id = ?", [agenda["id"]])
    assert items == 3  # read by the same agenda parser as Granicus' agendas
    minutes = db["documents"].count_where("kind = 'minutes'")
    votes = db.execute("select count(distinct document_id) from votes").fetchone()[0]
    assert minutes == votes == 5


def test_press_releases_are_archived_html_documents_with_title_and_date(wp_site, wp_cfg, db):
    scrape(db, wp_cfg, progress=False)
    rows = list(db.query("select * from documents where kind = 'press-release' order by date"))
    assert [(r["title"], r["date"], r["meeting_id"]) for r in rows] == [
        ("Birmingham City Councilors Approve Sanctuary City Resolution", "2017-02-02", None),
        ("Council Adopts Fiscal Year 2020 Operating Budget", "2019-06-25", None),
        (
            "Council Approves Spanish Interpretation Services for Council Meetings",
            "2021-02-16",
            None,
        ),
    ]
    assert all(r["source_id"] == WP and r["extract_status"] == "ok" for r in rows)
    assert (
        (wp_cfg.archive_dir / rows[0]["sha256"][:2] / rows[0]["sha256"][2:])
        .read_bytes()
        .startswith(b"<!DOCTYPE html>")
    )
    (text,) = [
        r["text"] for r in db.query("select text from pages where document_id = ?", [rows[1]["id"]])
    ]
    assert "Press Releases" in text and "operating budget" in text
    assert "Sanctuary City" not in text  # the sidebar's list of recent posts is not the page's
    found = list(
        db.query(
            "select rowid from pages_fts where pages_fts match ?", ['"interpretation services"']
        )
    )
    assert found


def test_rest_on_or_off_stores_the_same_record(tmp_path, wp_server):
    stored = {}
    for rest in ("on", "404", "html"):
        wp_server.clear()
        site = WordPressSite(wp_server, rest=rest)
        cfg = settings_for(tmp_path / rest, site, per_page=2)  # small pages: REST paging
        database = open_db(cfg.db_path)
        (run,) = scrape(database, cfg, progress=False)
        assert run.outcome == "ok", (rest, run.errors)
        stored[rest] = snapshot(database)
        database.conn.close()
        rest_requests = [e for e in site.log if e[0].startswith("/wp-json/")]
        html_listings = site.requests_to(r"^/(category|meeting_type|events/list)/")
        meeting_pages = [e for e in site.log if e[0] in MEETING_PAGES]
        if rest == "on":
            assert rest_requests and all(e[1] == 200 for e in rest_requests)
            assert len(site.requests_to(r"^/wp-json/wp/v2/meetings")) == 3  # 6 posts, 2 a page
            assert html_listings == [] and meeting_pages == []  # the content is in the answers
        else:
            assert len(rest_requests) == 3  # one try per listing, then the HTML
            assert len(html_listings) == 6 and len(meeting_pages) == len(MEETING_PAGES)
    assert len(stored["on"]["meetings"]) == MEETINGS
    assert len(stored["on"]["documents"]) == DOCUMENTS
    assert stored["on"] == stored["404"] == stored["html"]


def test_rest_pages_without_paging_headers_follow_full_pages(tmp_path, wp_server):
    site = WordPressSite(wp_server)
    site.paging_headers = False
    cfg = settings_for(tmp_path, site, per_page=4)
    database = open_db(cfg.db_path)
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "ok", run.errors
    assert len(site.requests_to(r"^/wp-json/wp/v2/meetings")) == 2  # 4, then 2: the last
    assert database["documents"].count == DOCUMENTS


# --- incremental ------------------------------------------------------------------------------


@pytest.mark.parametrize("rest", ["on", "404"])
def test_unchanged_site_costs_its_listing_pages_and_no_document(tmp_path, wp_server, rest):
    site = WordPressSite(wp_server, rest=rest)
    cfg = settings_for(tmp_path, site)
    database = open_db(cfg.db_path)
    (first,) = scrape(database, cfg, progress=False)
    before, fetched = len(site.log), len(downloads(site))
    (second,) = scrape(database, cfg, progress=False)
    again = site.log[before:]
    assert second.outcome == "ok" and second.meetings_seen == MEETINGS
    assert (second.new_documents, second.changed_documents) == (0, 0)
    assert len(downloads(site)) == fetched  # no document asked for again
    assert not [e for e in again if e[0] in MEETING_PAGES]  # past meetings' pages not re-read
    listings = 8 if rest == "on" else 13  # robots.txt, listing pages (and the REST 404s)
    assert second.requests == len(again) == listings, again
    assert second.requests < first.requests and second.bytes < first.bytes / 2
    print(
        f"\nREST {rest}: first scrape {first.requests} requests, {first.bytes} bytes; "
        f"unchanged second {second.requests} requests, {second.bytes} bytes"
    )


def test_a_meeting_to_come_is_read_again_and_its_agenda_validated(tmp_path, wp_server):
    site = WordPressSite(wp_server, rest="404")
    site.upcoming = date.today() + timedelta(days=6)
    cfg = settings_for(tmp_path, site)
    database = open_db(cfg.db_path)
    scrape(database, cfg, progress=False)
    upcoming = next(
        database.query("select * from meetings where date > ?", [date.today().isoformat()])
    )
    assert upcoming["status"] == "confirmed"
    before = len(site.log)
    (run,) = scrape(database, cfg, progress=False)
    again = site.log[before:]
    page = [e for e in again if e[0].startswith("/meeting/birmingham-city-council-meeting-")]
    agenda = [e for e in again if "Council-Agenda-" in e[0]]
    assert len(page) == 1 and agenda and agenda[0][1] == 304  # a conditional GET, no body
    assert run.new_documents == 0


def test_killed_run_retries_a_page_that_failed(tmp_path, wp_server):
    site = WordPressSite(wp_server, rest="404")
    failing = "/event/birmingham-city-council-meeting-38/"
    site.failing[failing] = 500
    cfg = Settings(**{**settings_for(tmp_path, site).__dict__, "request_retries": 0})
    database = open_db(cfg.db_path)
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "partial" and failing in run.errors[0]["url"]
    del site.failing[failing]
    (again,) = scrape(database, cfg, progress=False)
    assert again.outcome == "ok" and again.new_documents == 2  # its agenda and minutes
    assert [e for e in site.log if e[0] == failing][-1][1] == 200


# --- politeness and bad input -----------------------------------------------------------------


def test_robots_txt_is_read_first_and_honoured(tmp_path, wp_server):
    site = WordPressSite(wp_server)
    site.robots = "User-agent: *\nDisallow: /wp-json/\n"
    cfg = settings_for(tmp_path, site)
    database = open_db(cfg.db_path)
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "ok", run.errors
    assert site.log[0][0] == "/robots.txt"
    assert not site.requests_to(r"^/wp-json/")  # never asked: the HTML listings instead
    assert database["documents"].count == DOCUMENTS
    assert site.user_agents == {cfg.user_agent}


def test_changed_layout_fails_the_run_and_deletes_nothing(wp_site, wp_cfg, db):
    wp_site.rest = "404"
    scrape(db, wp_cfg, progress=False)
    before = snapshot(db)
    changed = (FIXTURES / "changed" / "meeting_type" / "council" / "index.html").read_text()
    wp_site.use("/meeting_type/council/", changed)
    (run,) = scrape(db, wp_cfg, progress=False)
    assert run.outcome == "failed"
    assert "layout changed?" in run.message and "nothing was changed" in run.message
    assert snapshot(db) == before


def test_listing_that_vanishes_fails_the_run(wp_site, wp_cfg, db):
    scrape(db, wp_cfg, progress=False)
    wp_site.rest = "404"
    wp_site.failing["/events/list/"] = 404
    (run,) = scrape(db, wp_cfg, progress=False)
    assert run.outcome == "failed" and "listing unavailable" in run.message


def test_broken_documents_are_recorded_and_the_rest_goes_on(tmp_path, wp_site):
    pdf = "/wp-content/uploads/2020/02/Council-Agenda-2-18-2020.pdf"
    big = "/wp-content/uploads/2018/11/Agenda-11-27-18.pdf"
    wp_site.documents[pdf] = b"<!DOCTYPE html><html><body>Error establishing a database connection"
    wp_site.documents[big] = b"%PDF-1.4\n" + b"0" * 300_000
    wp_site.failing["/2019/06/25/council-adopts-fiscal-year-2020-operating-budget/"] = 404
    cfg = Settings(**{**settings_for(tmp_path, wp_site).__dict__, "max_document_bytes": 200_000})
    database = open_db(cfg.db_path)
    (run,) = scrape(database, cfg, progress=False)
    assert run.outcome == "partial"
    reasons = {
        e["url"].rsplit("/", 2)[-2 if e["url"].endswith("/") else -1]: e["reason"]
        for e in run.errors
    }
    assert "not a PDF" in reasons["Council-Agenda-2-18-2020.pdf"]
    assert "limit" in reasons["Agenda-11-27-18.pdf"]
    assert reasons["council-adopts-fiscal-year-2020-operating-budget"] == "HTTP 404"
    assert database["documents"].count == DOCUMENTS - 3
    assert database.execute("pragma integrity_check").fetchone()[0] == "ok"


# --- beside Granicus --------------------------------------------------------------------------

GRANICUS_MEETINGS = [
    Meeting(day=date(2021, 3, 2), title="Budget and Finance Committee", clip_id=2105),
    Meeting(day=date(2021, 2, 16), clip_id=2101),  # no minutes yet: the council site has them
    Meeting(day=date(2021, 1, 19), clip_id=2090, minutes=True),
]


@pytest.fixture
def both(tmp_path, httpserver, wp_site):
    granicus = GranicusSite(httpserver, listing_html(GRANICUS_MEETINGS))
    for m in GRANICUS_MEETINGS:
        granicus.add_meeting(m)
    cfg = settings_for(tmp_path, wp_site, granicus)
    database = open_db(cfg.db_path)
    runs = scrape(database, cfg, progress=False)
    yield database, cfg, granicus, runs
    database.conn.close()


def refs_of(db, meeting_id) -> dict:
    return {
        (r["source_id"], r["name"]): r["value"]
        for r in db.query("select * from meeting_refs where meeting_id = ?", [meeting_id])
    }


def test_a_meeting_on_both_sites_is_one_meeting_with_the_documents_of_both(both):
    db, _, _, runs = both
    assert [(r.source_id, r.outcome) for r in runs] == [("granicus", "ok"), (WP, "ok")]
    (meeting,) = db.query(
        "select * from meetings where date = '2021-02-16' and body = 'City Council'"
    )
    assert meeting["source_id"] == "granicus"  # Granicus leads: its title and id stand
    assert meeting["title"] == "Regular City Council Meeting"
    refs = refs_of(db, meeting["id"])
    assert refs[("granicus", "clip_id")] == "2101" and refs[(WP, "wp_id")] == "9101"
    docs = {
        (r["kind"], r["source_id"])
        for r in db.query("select * from documents where meeting_id = ?", [meeting["id"]])
    }
    assert docs == {("agenda", "granicus"), ("minutes", WP)}  # the agenda kept from Granicus


def test_same_day_and_body_join_without_a_link(both):
    db, *_ = both
    rows = list(db.query("select * from meetings where date = '2021-01-19'"))
    assert len(rows) == 1 and rows[0]["source_id"] == "granicus"
    refs = refs_of(db, rows[0]["id"])
    assert ("granicus", "clip_id") in refs and (WP, "wp_id") in refs
    kinds = [
        (r["kind"], r["source_id"])
        for r in db.query(
            "select kind, source_id from documents where meeting_id = ?", [rows[0]["id"]]
        )
    ]
    assert sorted(kinds) == [("agenda", "granicus"), ("minutes", "granicus")]


def test_a_committee_meeting_the_same_day_stays_apart(both):
    db, *_ = both
    bodies = sorted(
        r["body"] for r in db.query("select body from meetings where date = '2021-02-16'")
    )
    assert bodies == ["City Council", "Public Safety Committee"]


def test_an_explicit_link_joins_meetings_whose_bodies_are_spelled_apart(both):
    db, *_ = both
    (meeting,) = db.query("select * from meetings where date = '2021-03-02'")
    assert meeting["body"] == "Budget and Finance Committee"  # Granicus' name
    assert (WP, "wp_id") in refs_of(db, meeting["id"])


def test_both_sites_again_change_nothing(both):
    db, cfg, granicus, _ = both
    before = snapshot(db)
    runs = scrape(db, cfg, progress=False)
    assert [(r.outcome, r.new_documents, r.changed_documents) for r in runs] == [
        ("ok", 0, 0),
        ("ok", 0, 0),
    ]
    assert snapshot(db) == before
    assert db.execute("select max(version) from documents").fetchone()[0] == 1


# --- matching and pages -----------------------------------------------------------------------


def test_press_releases_are_matched_and_shown(wp_site, wp_cfg, db):
    from tracker.evidence import match_all, review
    from tracker.web import create_app

    app = create_app({"SETTINGS": wp_cfg, "TESTING": True})
    scrape(db, wp_cfg, progress=False)
    match_all(db, wp_cfg.place.catalogue)
    # One candidate per promise the release bears on: the declaration, and the equal treatment
    # "whatever their citizenship status or national origin" it quotes.
    found = {
        r["commitment_id"]: r
        for r in db.query(
            "select * from evidence where kind = 'match' and unit_kind = 'press'"
            " and title like '%Sanctuary%'"
        )
    }
    assert set(found) == {"declare-sanctuary", "equal-protection"}
    ev = found["declare-sanctuary"]
    assert ev["date"] == "2017-02-02"
    assert ev["source_url"].endswith(PRESS_RELEASES[2])
    review(db, ev["id"], "accepted", who="Test editors", note="The council's own announcement.")
    client = app.test_client()
    soup = BeautifulSoup(client.get("/commitments/declare-sanctuary").data, "lxml")
    card = soup.select_one(f"#evidence-{ev['id']}")
    assert card is not None and "Sanctuary City Resolution" in card.get_text()
    assert card.select_one("a[href^='/documents/']")

    meeting = BeautifulSoup(
        client.get("/meetings/2021-02-16-virtual-birmingham-city-council-meeting").data, "lxml"
    )
    press = meeting.select_one("#press-heading").find_parent("section")
    assert "Spanish Interpretation Services" in press.get_text()
    other_day = BeautifulSoup(
        client.get("/meetings/2021-01-19-virtual-birmingham-city-council-meeting").data, "lxml"
    )
    assert other_day.select_one("#press-heading") is None

    results = BeautifulSoup(client.get("/search?q=interpretation&from=2021-01-01").data, "lxml")
    titles = [r.get_text(" ", strip=True) for r in results.select("li.result")]
    assert any("Press release" in t and "February 16, 2021" in t for t in titles)


def test_sources_page_shows_each_source_on_its_own(both, tmp_path):
    from tracker.web import create_app

    db, cfg, *_ = both
    client = create_app({"SETTINGS": cfg, "TESTING": True}).test_client()
    soup = BeautifulSoup(client.get("/sources").data, "lxml")
    granicus, site = soup.select_one("#source-granicus"), soup.select_one(f"#source-{WP}")
    assert "Agendas and minutes of" in granicus.get_text()
    assert "Agendas, minutes and press releases of" in site.get_text()
    counts = [int(td.get_text()) for td in site.select("tbody td")]
    assert counts[0] >= 3 and counts[1] > 0  # meetings shared with Granicus count for both
    assert "Never" not in site.select_one("dl.source-health").get_text()
    spanish = BeautifulSoup(client.get("/es/sources").data, "lxml")
    assert "comunicados de prensa" in spanish.select_one(f"#source-{WP}").get_text()
