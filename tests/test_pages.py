"""What the public pages say, taken at face value: honest statuses, meetings, citations,
as-of pages and the data debt, each as a reader (or a journalist) would notice it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from bs4 import BeautifulSoup

from tests.granicus_site import ROUTINE, GranicusSite, Meeting, listing_html, pdf_of
from tests.places import COMMITMENTS_FILE, birmingham_at
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import add_manual, match_all, review
from tracker.scrape import scrape
from tracker.status import record_event
from tracker.web import create_app


@pytest.fixture(autouse=True)
def _fixture_server_left_clean(request):
    # pytest-httpserver clears its shared server when a test starts, not when it ends: a
    # module-scoped fixture elsewhere that registers on it next would meet our handlers.
    yield
    if "httpserver" in request.fixturenames:
        request.getfixturevalue("make_httpserver").clear()


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "lxml")


def overview_row(soup, cid):
    return [td.get_text(" ", strip=True) for td in soup.select(f"tr#{cid} td")]


# --- 1. statuses ----------------------------------------------------------------------------


def test_a_promise_nothing_was_done_on_is_not_started_never_stalled(client):
    # equal-protection: the editors' record says "not started" on January 31, 2017, and nothing
    # has been recorded since; nine years on it is still not started, not "stalled".
    soup = page(client, "/")
    made_by, status, since, last = overview_row(soup, "equal-protection")
    assert status.endswith("Not started")
    assert last == "None since January 31, 2017"
    standing = page(client, "/commitments/equal-protection").select_one(".standing")
    assert "Not started" in standing.get_text() and "Stalled" not in standing.get_text()
    assert "No recorded action since January 31, 2017." in standing.get_text()


def test_a_promise_that_moved_then_stopped_is_stalled(client):
    # no-stop-and-frisk: in progress since the pledge of 2017, nothing since.
    status = overview_row(page(client, "/"), "no-stop-and-frisk")[1]
    assert status.endswith("Stalled")


def test_the_chart_and_its_table_count_the_same_statuses_as_the_list(client):
    soup = page(client, "/")
    table = {
        r.th.get_text(strip=True): int(r.td.get_text())
        for r in soup.select("figure.chart table tbody tr")
    }
    listed = [
        r.select_one(".status").get_text(" ", strip=True).split(" ", 1)[1]
        for r in soup.select("table.commitments tbody tr")
    ]
    assert table["Not started"] == listed.count("Not started") >= 5
    assert table["Stalled"] == listed.count("Stalled")
    bars = {rect["class"][1]: float(rect["width"]) for rect in soup.select("figure.chart rect.bar")}
    # the bars are drawn from the same counts: as long as each other as their numbers
    unit = bars["bar-kept"] / table["Kept"]
    assert bars["bar-not-started"] == pytest.approx(unit * table["Not started"])
    assert bars["bar-stalled"] == pytest.approx(unit * table["Stalled"])


def test_curated_history_shows_no_install_date_under_an_old_decision(client):
    soup = page(client, "/commitments/declare-sanctuary")
    entry = soup.select_one("ol.timeline li").get_text(" ", strip=True)
    assert entry.startswith("January 31, 2017")
    assert "Recorded by" not in entry  # the day the file was loaded says nothing of 2017
    assert "entered from public records and press reports" in entry


def test_the_status_text_is_not_repeated_word_for_word_in_its_own_history(client, db):
    with db.conn:
        record_event(
            db,
            "language-access",
            "in-progress",
            date(2025, 5, 20),
            "Interpretation at council meetings approved.",
            who="Ana",
        )
    soup = page(client, "/commitments/language-access")
    assert soup.get_text().count("Interpretation at council meetings approved.") == 1
    newest = soup.select_one("ol.timeline li").get_text(" ", strip=True)
    assert "The status shown above." in newest and "Recorded by Ana on" in newest
    older = soup.select("ol.timeline li")[1].get_text(" ", strip=True)
    assert "Not started" in older and len(older) > 80  # an older event keeps its note


def test_a_manual_note_appears_once(client, db, settings):
    note = "Records request answered: the city has no municipal ID program."
    with db.conn:
        add_manual(
            db,
            settings,
            commitment_id="municipal-id",
            url="https://example.org/records-response",
            day=date(2024, 3, 1),
            note=note,
            who="Ana",
            stance="contrary",
        )
    soup = page(client, "/commitments/municipal-id")
    assert soup.get_text().count(note) == 1


# --- 2. meetings ----------------------------------------------------------------------------

TODAY = date(2026, 5, 25)  # a Monday; "today" for every page of the council below
INTERPRETATION = (
    "",
    "A Resolution authorizing the Mayor to execute an agreement with Alabama Language "
    "Services, LLC to provide Spanish interpretation services for City Council meetings. "
    "(Submitted by Councilor Tate, Chair, Public Safety Committee) **",
)
MUNICIPAL_ID = (
    "P",
    "An Ordinance to establish a Birmingham Municipal Identification Card program available "
    "to all residents of the City. [First Reading] (Submitted by Councilor Alexander) **",
)
ROLL = [
    "MINUTES OF THE REGULAR MEETING OF THE COUNCIL OF THE CITY OF BIRMINGHAM",
    "May 19, 2026",
    "Present on Roll Call: Councilors Abbott, Alexander, Clarke, Moore, O'Quinn,",
    "Smitherman, Tate, Williams, Woods",
    "Absent: None",
]


def vote(number: int, ayes: str, nays: str) -> list[str]:
    return [
        f"ITEM {number}.",
        "The resolution was read by the City Clerk, whereupon",
        "Councilor Tate moved its adoption which motion was seconded by Councilor",
        "Woods, and upon the roll being called, the vote was as follows:",
        f"Ayes: {ayes}",
        f"Nays: {nays}",
    ]


@pytest.fixture
def council(httpserver, tmp_path):
    """A council as a reader meets it on Monday, May 25, 2026: last Tuesday's meeting with its
    minutes (the interpretation contract failed, 2 to 7; the municipal ID ordinance had its
    first reading), a meeting last Thursday the listing still shows as upcoming, a cancelled
    one, one with no agenda yet and one with an agenda."""
    held = Meeting(date(2026, 5, 19), clip_id=501, items=[ROUTINE[0], INTERPRETATION, MUNICIPAL_ID])
    stale = Meeting(date(2026, 5, 21), event_id=601, title="Public Safety Committee")
    cancelled = Meeting(
        date(2026, 6, 2), event_id=602, title="Regular City Council Meeting - cancelled"
    )
    no_agenda = Meeting(date(2026, 6, 9), event_id=603)
    next_one = Meeting(date(2026, 6, 16), event_id=604, items=[ROUTINE[1], INTERPRETATION])
    meetings = [stale, cancelled, no_agenda, next_one, held]
    html = listing_html(meetings)
    html = re.sub(r'<a href="[^"]*event_id=603" target="_blank">Agenda</a>', "&nbsp;", html)
    html = html.replace(
        'headers="Minutes Regular-City-Council-Meeting">&nbsp;',
        'headers="Minutes Regular-City-Council-Meeting"><a href="//bhamal.granicus.com/'
        'MinutesViewer.php?view_id=2&amp;clip_id=501" target="_blank">Minutes</a>',
    )
    site = GranicusSite(httpserver, html)
    for m in (held, stale, cancelled, next_one):
        site.add_meeting(m)
    everyone = "Abbott, Alexander, Clarke, Moore, O'Quinn, Smitherman, Tate, Williams, Woods"
    minutes = [
        *ROLL,
        *vote(1, everyone, "None"),
        *vote(2, "Tate, Woods", "Abbott, Alexander, Clarke, Moore, O'Quinn, Smitherman, Williams"),
    ]
    site.add("minutes", "clip_id", 501, pdf_of([minutes]))
    settings = Settings(
        data_dir=tmp_path / "data",
        jurisdiction_file=birmingham_at(tmp_path / "place", site.base_url),
        request_delay=0,
        secret_key="test",
        scheduler=False,
    )
    db = open_db(settings.db_path)
    with time_machine.travel(TODAY, tick=False):
        scrape(db, settings, progress=False)
    match_all(db, COMMITMENTS_FILE)
    app = create_app({"SETTINGS": settings, "TESTING": True})
    yield {"db": db, "client": app.test_client()}
    db.conn.close()


def on_today(client, url):
    with time_machine.travel(TODAY, tick=False):
        return page(client, url)


def meeting_id(db, day):
    return next(db.query("select id from meetings where date = ?", [day]))["id"]


def test_a_past_meeting_is_never_confirmed_or_tentative(council):
    listing = on_today(council["client"], "/meetings")
    stale = meeting_id(council["db"], "2026-05-21")
    status = listing.select_one(f'tr[id="{stale}"] .meeting-status').get_text(strip=True)
    assert status == "Past; not yet marked as held"
    shown = on_today(council["client"], f"/meetings/{stale}").select_one("dl.facts").get_text()
    assert "Confirmed" not in shown and "Tentative" not in shown
    statuses = [s.get_text(strip=True) for s in listing.select(".meeting-status")]
    assert statuses.count("Confirmed") == 1  # June 16 (June 9, without an agenda, is tentative)


def test_a_cancelled_meeting_is_not_on_the_next_agenda(council):
    strip = on_today(council["client"], "/").select_one("section.next-agenda")
    dates = [t["datetime"][:10] for t in strip.select("article.meeting-card time")]
    assert dates == ["2026-06-09", "2026-06-16"]
    assert "cancelled" not in strip.get_text().lower()


def test_a_meeting_without_an_agenda_says_so(council):
    cards = on_today(council["client"], "/").select("section.next-agenda article.meeting-card")
    assert "No agenda has been published for this meeting yet." in cards[0].get_text()
    assert "matched" not in cards[0].get_text()
    assert cards[1].select("ul.matched-items li")  # the interpretation contract, again


def test_the_meetings_time_is_written_the_same_on_every_page(council):
    client, db = council["client"], council["db"]
    card = on_today(client, "/").select("section.next-agenda article.meeting-card")[1]
    listed = on_today(client, "/meetings").select_one(f'tr[id="{meeting_id(db, "2026-06-16")}"] td')
    facts = on_today(client, f"/meetings/{meeting_id(db, '2026-06-16')}").select_one("dl.facts")
    assert (
        "June 16, 2026, 9:30\u202fAM" in card.get_text()
        or "June 16, 2026, 9:30 AM" in card.get_text()
    )
    assert "9:30" in listed.get_text() and "09:30" not in card.get_text()
    assert listed.select_one(".meta").get_text() == facts.select("dd")[1].get_text()


def test_a_first_reading_recorded_in_the_minutes_says_first_reading_no_vote(council):
    soup = on_today(council["client"], f"/meetings/{meeting_id(council['db'], '2026-05-19')}")
    item = soup.select_one("li#item-3")
    outcome = item.select_one(".outcome").get_text(strip=True)
    assert outcome == "First reading, no vote"
    assert "not yet known" not in item.get_text() and "Provisional" not in item.get_text()


def test_a_failed_vote_is_credited_to_the_minutes(council):
    db, client = council["db"], council["client"]
    soup = on_today(client, f"/meetings/{meeting_id(db, '2026-05-19')}")
    outcome = soup.select_one("li#item-2 dl.facts div:has(.outcome) dd")
    assert outcome.select_one(".outcome").get_text(strip=True) == "Failed"
    minutes = next(db.query("select sha256 from documents where kind = 'minutes'"))["sha256"]
    credit = outcome.select_one("a")
    assert credit.get_text(strip=True) == "from the minutes, page 1"
    assert credit["href"] == f"/documents/{minutes}#page-1"
    # and on the promise's page, once an editor accepted the item as evidence
    ev = next(
        db.query(
            "select e.id from evidence e join items i on i.id = e.item_id "
            "where i.meeting_id = ? and i.number = 2 and e.commitment_id = 'language-access'",
            [meeting_id(db, "2026-05-19")],
        )
    )
    with db.conn:
        review(db, ev["id"], "accepted", who="Ana", note="The contract failed, 2 to 7.")
    card = on_today(client, "/commitments/language-access").select_one(f"#evidence-{ev['id']}")
    meta = card.select_one("p.meta")
    assert "Failed" in meta.get_text()
    assert meta.select_one(f"a[href='/documents/{minutes}#page-1']")


# --- 5. citations ---------------------------------------------------------------------------

LINK = "http://127.0.0.1:5000/commitments/{cid}/as-of/{day}"


def test_apa_7_names_the_group_author_and_the_snapshot_as_retrieval_date(client):
    cid = "police-not-immigration-agents"
    soup = page(client, f"/commitments/{cid}/as-of/2019-06-01")
    assert soup.select_one("#cite-apa").get_text() == (
        "Birmingham Sanctuary Promise Tracker. (n.d.). Police will not act as immigration "
        f"agents. Retrieved June 1, 2019, from {LINK.format(cid=cid, day='2019-06-01')}"
    )


def test_chicago_17_puts_the_title_in_headline_style_with_the_access_date(client):
    cid = "information-privacy"
    soup = page(client, f"/commitments/{cid}/as-of/2024-02-29")
    assert soup.select_one("#cite-chicago").get_text() == (
        "Birmingham Sanctuary Promise Tracker. \u201cDon't Ask about Immigration Status; Don't "
        "Share Private Data with ICE.\u201d Accessed February 29, 2024. "
        f"{LINK.format(cid=cid, day='2024-02-29')}."
    )


@pytest.mark.parametrize(
    ("title", "headline"),
    [
        ("No stop-and-frisk policing", "No Stop-and-Frisk Policing"),
        ("Work to change anti-immigrant state law", "Work to Change Anti-immigrant State Law"),
        ("A municipal ID card open to everyone", "A Municipal ID Card Open to Everyone"),
        ("what the council is for", "What the Council Is For"),
    ],
)
def test_headline_style(title, headline):
    from tracker.web.public import headline_case

    assert headline_case(title) == headline


def test_spanish_citations_are_in_spanish_with_the_retrieval_date(client):
    soup = page(client, "/es/commitments/municipal-id/as-of/2021-03-05")
    apa = soup.select_one("#cite-apa").get_text()
    assert "(s.f.)" in apa and "Recuperado el 5 de marzo de 2021 de http" in apa
    assert "Consultado el 5 de marzo de 2021." in soup.select_one("#cite-chicago").get_text()


def test_todays_cite_box_does_not_promise_what_the_rest_of_the_day_may_change(client):
    box = page(client, "/commitments/municipal-id").select_one("section.cite p")
    assert "at the end of today" in box.get_text()


def test_a_permalink_keeps_its_evidence_after_a_later_reversal(client, db, settings):
    # Accepted on March 2, cited that day; rejected on March 9. The page of March 2 must not
    # lose the evidence it showed: a journalist's link has to keep its word.
    with time_machine.travel(date(2026, 3, 2), tick=False):
        with db.conn:
            eid = add_manual(
                db,
                settings,
                commitment_id="municipal-id",
                url="https://example.org/id-hearing",
                day=date(2026, 3, 1),
                note="Council hearing on a municipal ID ordinance.",
                who="Ana",
                stance="supports",
            )
    url = "/commitments/municipal-id/as-of/2026-03-02"
    before = page(client, url)
    assert before.select_one(f"#evidence-{eid}")
    with time_machine.travel(date(2026, 3, 9), tick=False):
        with db.conn:
            review(db, eid, "rejected", who="Ben", note="The hearing was about parking IDs.")
    after = page(client, url)
    assert after.select_one(f"#evidence-{eid}")
    assert after.select_one(".standing").get_text() == before.select_one(".standing").get_text()
    assert not page(client, "/commitments/municipal-id").select_one(f"#evidence-{eid}")


# --- 9. documents that failed ---------------------------------------------------------------

ENCRYPTED_MEETING = "2026-04-21-regular-city-council-meeting"  # agenda clip 3440


def test_an_unreadable_document_is_asked_for_again_and_read_when_replaced(site, cfg, database):
    import hashlib

    from tests.granicus_site import agenda_pdf
    from tests.pdfs import make_pdf

    locked = make_pdf([["secret"]], encrypt_password="pw")
    site.add("agenda", "clip_id", 3440, locked)
    with time_machine.travel(datetime(2026, 5, 1, 17, 0, tzinfo=UTC), tick=False):
        scrape(database, cfg, progress=False)
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    client = app.test_client()
    asked = len(site.log)
    with time_machine.travel(datetime(2026, 5, 8, 17, 0, tzinfo=UTC), tick=False):
        scrape(database, cfg, progress=False)  # nothing changed: asked again, conditionally
        debt = page(client, "/sources").select_one("table.no-text")
    locked_file = f"/files/bhamal_{hashlib.md5(locked).hexdigest()}.pdf"
    assert (locked_file, 304, 0) in site.log[asked:]
    row = next(tr for tr in debt.select("tbody tr") if "April 21, 2026" in tr.get_text())
    assert "Encrypted" in row.get_text()
    assert row.select_one("td[data-label='Unreadable since']").get_text(strip=True) == (
        "May 1, 2026"
    )
    # The clerk replaces the file: the next scheduled scrape (no --refresh) reads it.
    site.add("agenda", "clip_id", 3440, agenda_pdf(3440))
    with time_machine.travel(datetime(2026, 5, 15, 17, 0, tzinfo=UTC), tick=False):
        (run,) = scrape(database, cfg, progress=False)
        debt = page(client, "/sources").select_one("section[aria-labelledby='no-text-heading']")
    assert run.changed_documents == 1
    latest = next(
        database.query(
            "select extract_status, version from documents where meeting_id = ? "
            "and kind = 'agenda' order by version desc limit 1",
            [ENCRYPTED_MEETING],
        )
    )
    assert (latest["extract_status"], latest["version"]) == ("ok", 2)
    assert database["items"].count_where("meeting_id = ?", [ENCRYPTED_MEETING]) >= 1
    assert "April 21, 2026" not in debt.get_text()  # paid off: the old copy is kept, not owed


# --- 7. ?as_of= -----------------------------------------------------------------------------


def test_meetings_as_of_a_day_show_what_the_tracker_held_then(council):
    client, db = council["client"], council["db"]
    held = meeting_id(db, "2026-05-19")
    # Scraped on May 25: on May 20 nothing of this council was on record yet.
    with time_machine.travel(date(2026, 6, 1), tick=False):
        before = page(client, "/meetings?as_of=2026-05-20")
        assert not before.select("table.meetings tbody tr")
        assert "No meeting had been recorded by that day." in before.get_text()
        assert "As it stood on May 20, 2026." in before.select_one("p.as-of").get_text()
        page(client, f"/meetings/{held}?as_of=2026-05-20", status=404)
        after = page(client, "/meetings?as_of=2026-05-25")
    rows = after.select("table.meetings tbody tr")
    assert len(rows) == 5
    link = after.select_one(f'tr[id="{held}"] th a')["href"]
    assert link == f"/meetings/{held}?as_of=2026-05-25"


def test_a_meeting_as_of_a_day_before_its_minutes_shows_no_outcome_from_them(council):
    client, database = council["client"], council["db"]
    held = meeting_id(database, "2026-05-19")
    # The minutes arrive later: make them so, as if fetched on June 3.
    with database.conn:
        database.execute(
            "update documents set fetched_at = '2026-06-03T15:00:00+00:00' "
            "where kind = 'minutes' and meeting_id = ?",
            [held],
        )
    with time_machine.travel(date(2026, 6, 10), tick=False):
        then = page(client, f"/meetings/{held}?as_of=2026-05-26")
        now = page(client, f"/meetings/{held}")
    assert then.select_one("li#item-2 .outcome").get_text(strip=True) != "Failed"
    assert not then.select("li#item-2 .vote-box")
    assert now.select_one("li#item-2 .outcome").get_text(strip=True) == "Failed"


def test_search_as_of_a_day_finds_only_what_was_archived_by_then(council):
    client = council["client"]
    with time_machine.travel(date(2026, 6, 1), tick=False):
        found = page(client, "/search?q=interpretation")
        none_yet = page(client, "/search?q=interpretation&as_of=2026-05-20")
        form = none_yet.select_one("form.search-form input[name=as_of]")
    assert found.select("li.result")
    assert not none_yet.select("li.result")
    assert form["value"] == "2026-05-20"


def test_a_promises_past_page_shows_no_outcome_from_minutes_fetched_later(council):
    client, db = council["client"], council["db"]
    held = meeting_id(db, "2026-05-19")
    ev = next(
        db.query(
            "select e.id from evidence e join items i on i.id = e.item_id where i.meeting_id = ? "
            "and i.number = 2 and e.commitment_id = 'language-access'",
            [held],
        )
    )["id"]
    with time_machine.travel(datetime(2026, 5, 26, 15, 0, tzinfo=UTC), tick=False):
        with db.conn:
            review(db, ev, "accepted", who="Ana", note="On the agenda: interpretation.")
    with db.conn:
        db.execute(
            "update documents set fetched_at = '2026-06-03T15:00:00+00:00' "
            "where kind = 'minutes' and meeting_id = ?",
            [held],
        )
    with time_machine.travel(date(2026, 6, 10), tick=False):
        then = page(client, "/commitments/language-access/as-of/2026-05-28")
        now = page(client, "/commitments/language-access")
    card = then.select_one(f"#evidence-{ev} p.meta")
    assert "Failed" not in card.get_text() and not card.select("a")
    assert "Failed" in now.select_one(f"#evidence-{ev} p.meta").get_text()


def test_an_as_of_overview_links_to_the_promises_as_of_the_same_day(client):
    soup = page(client, "/?as_of=2019-06-01")
    links = [a["href"] for a in soup.select("table.commitments th a, ul.changes a")]
    assert links and all(href.endswith("?as_of=2019-06-01") for href in links)
