"""The overview's "on the next agenda" strip over a scraped site with an upcoming meeting."""

from datetime import date, timedelta

import time_machine
from bs4 import BeautifulSoup

from tests.places import COMMITMENTS_FILE
from tracker.evidence import match_all
from tracker.scrape import scrape
from tracker.web import create_app


def test_next_agenda_shows_upcoming_meetings_with_their_matched_items(cfg, database):
    scrape(database, cfg, progress=False)
    match_all(database, COMMITMENTS_FILE)
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    with time_machine.travel(date(2026, 5, 15), tick=False):
        soup = BeautifulSoup(app.test_client().get("/").data, "lxml")
    strip = soup.select_one("section.next-agenda")
    cards = strip.select("article.meeting-card")
    assert [c.h3.get_text(strip=True) for c in cards][:1] == ["Regular City Council Meeting"]
    first = cards[0]
    assert "May 19, 2026" in first.get_text() and "710 North 20th Street" in first.get_text()
    matched = first.select("ul.matched-items li")
    assert len(matched) == 1 and "interpretation" in matched[0].get_text()
    assert matched[0].select_one("a[href='/commitments/language-access']")
    text = matched[0].get_text()
    assert "may be related — not yet checked" in text and "On the agenda" in text
    # the listing's cancelled meeting is not on any next agenda
    assert not any("ancel" in c.get_text() for c in cards)


def test_next_agenda_says_so_when_nothing_is_coming(client):
    with time_machine.travel(date.today() + timedelta(days=1), tick=False):
        soup = BeautifulSoup(client.get("/").data, "lxml")
    assert "No upcoming meeting is known yet." in soup.select_one("section.next-agenda").get_text()
