"""Atom feeds over a scraped fixture site, read as a feed reader reads them (feedparser)."""

from __future__ import annotations

from datetime import date, timedelta

import feedparser
import pytest
import time_machine
from bs4 import BeautifulSoup

from tests.granicus_site import ITEMS, agenda_pdf
from tests.places import COMMITMENTS_FILE
from tests.upcoming import MEETING, scraped_on
from tracker.evidence import match_all, review
from tracker.scrape import scrape
from tracker.status import record_event

BEFORE_THE_VOTE = date(2026, 5, 15)


@pytest.fixture
def scraped(cfg):
    """The site scraped and matched the day before: what editors and readers do comes after."""
    app, db = scraped_on(cfg, BEFORE_THE_VOTE - timedelta(days=1))
    yield app, db
    db.conn.close()


@pytest.fixture
def database(scraped):
    return scraped[1]


@pytest.fixture
def web(scraped):
    with time_machine.travel(BEFORE_THE_VOTE):
        yield scraped[0].test_client()


def feed(web, url: str):
    response = web.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def language_access_candidate(db) -> int:
    return next(
        db.query(
            "select id from evidence where commitment_id = 'language-access' "
            "and item_id is not null"
        )
    )["id"]


def test_status_feed_lists_every_promise_s_status_changes_newest_first(web, database):
    parsed = feed(web, "/feeds/status.atom")
    assert parsed.feed.title == "Status changes of every promise"
    assert parsed.feed.language == "en"
    events = database["status_events"].count
    assert len(parsed.entries) == min(events, 50)
    record_event(
        database, "language-access", "in-progress", date(2026, 5, 14), "On the agenda.", who="Ana"
    )
    first = feed(web, "/feeds/status.atom").entries[0]
    assert first.title.startswith("City services and council meetings in Spanish")
    assert "In progress (since May 14, 2026)" in first.title
    assert first.summary == "On the agenda."
    assert first.link.endswith("/commitments/language-access")
    assert first.id.startswith("tag:127.0.0.1,2017:status-event/")


def test_spanish_feeds_are_in_spanish(web, database):
    record_event(
        database,
        "language-access",
        "in-progress",
        date(2026, 5, 14),
        "On the agenda.",
        note_es="En la agenda.",
        who="Ana",
    )
    parsed = feed(web, "/es/feeds/status.atom")
    assert parsed.feed.language == "es"
    assert parsed.feed.title == "Cambios de estado de todas las promesas"
    first = parsed.entries[0]
    assert "En marcha (desde el 14 de mayo de 2026)" in first.title
    assert first.summary == "En la agenda."
    assert "/es/commitments/language-access" in first.link


def test_entry_ids_are_stable_across_requests(web):
    one = [e.id for e in feed(web, "/feeds/status.atom").entries]
    two = [e.id for e in feed(web, "/feeds/status.atom").entries]
    assert one == two and len(set(one)) == len(one)


def test_newly_accepted_evidence_appears_in_the_evidence_feed(web, database):
    before = {e.id for e in feed(web, "/feeds/evidence.atom").entries}
    evidence_id = language_access_candidate(database)
    review(
        database, evidence_id, "accepted", who="Ana", note="Interpretation contract on the agenda."
    )
    parsed = feed(web, "/feeds/evidence.atom")
    new = [e for e in parsed.entries if e.id not in before]
    assert len(new) == 1 and new[0] == parsed.entries[0]
    assert new[0].id.endswith(f"evidence/{evidence_id}/en")
    assert new[0].title.startswith("City services and council meetings in Spanish")
    assert "For the promise" in new[0].title


def test_agenda_feed_has_the_matched_item_of_the_next_meeting(web, cfg):
    parsed = feed(web, "/feeds/agenda.atom")
    (entry,) = [e for e in parsed.entries if MEETING in e.link]
    assert entry.link.endswith(f"/meetings/{MEETING}#item-2")
    assert "May 19, 2026" in entry.title
    assert "Spanish interpretation services" in entry.summary
    assert cfg.place.meeting_place.en in entry.summary
    spanish = feed(web, "/es/feeds/agenda.atom")
    assert "19 de mayo de 2026" in spanish.entries[0].title
    assert cfg.place.meeting_place.es in spanish.entries[0].summary


def test_a_revised_agenda_updates_its_entries_instead_of_adding_more(web, cfg, database, site):
    before = feed(web, "/feeds/agenda.atom").entries
    site.add(
        "agenda", "event_id", 1234, agenda_pdf(1234, [ITEMS[0], ("", "Other business."), ITEMS[1]])
    )
    scrape(database, cfg, progress=False)
    match_all(database, COMMITMENTS_FILE)
    after = feed(web, "/feeds/agenda.atom").entries
    assert len(after) == len(before) == 1
    # the item moved from number 2 to 3: its entry is the item's, by meeting and number
    assert after[0].link.endswith("#item-3")
    assert after[0].updated_parsed >= before[0].updated_parsed


def test_one_promise_s_feed_holds_only_that_promise(web, database):
    review(database, language_access_candidate(database), "accepted", who="Ana", note="Contract.")
    parsed = feed(web, "/commitments/language-access/feed.atom")
    assert parsed.feed.title.endswith(
        "City services and council meetings in Spanish and other languages"
    )
    kinds = {e.id.split(":", 2)[2].split("/")[0] for e in parsed.entries}
    assert kinds == {"status-event", "evidence", "agenda"}
    assert all("language-access" in e.link or MEETING in e.link for e in parsed.entries)
    assert web.get("/commitments/no-such-promise/feed.atom").status_code == 404


def test_followed_pages_link_their_feeds(web):
    for page, wanted in [
        ("/", "/feeds/status.atom"),
        ("/commitments/language-access", "/commitments/language-access/feed.atom"),
        ("/meetings", "/feeds/agenda.atom"),
        ("/es/", "/es/feeds/status.atom"),
    ]:
        soup = BeautifulSoup(web.get(page).data, "lxml")
        links = soup.select('head link[rel="alternate"][type="application/atom+xml"]')
        hrefs = [link["href"] for link in links]
        assert wanted in hrefs, page
        for href in hrefs:
            feed(web, href)


def test_an_unchanged_feed_answers_304(web):
    first = web.get("/feeds/agenda.atom")
    again = web.get("/feeds/agenda.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_missing_promise_s_page_links_no_feed(web):
    response = web.get("/commitments/no-such-promise")
    assert response.status_code == 404
    soup = BeautifulSoup(response.data, "lxml")
    assert soup.select('link[rel="alternate"]') == []
