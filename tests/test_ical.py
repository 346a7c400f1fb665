"""Calendars of upcoming meetings with a matched item, read as a calendar app reads them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from icalendar import Calendar

from tests.granicus_site import ITEMS, agenda_pdf
from tests.places import COMMITMENTS_FILE
from tests.upcoming import MEETING, scraped_on
from tracker.evidence import match_all
from tracker.i18n import spanish_quotes
from tracker.scrape import scrape

BEFORE_THE_VOTE = date(2026, 5, 15)


@pytest.fixture
def scraped(cfg):
    app, db = scraped_on(cfg, BEFORE_THE_VOTE - timedelta(days=1))
    yield app, db
    db.conn.close()


@pytest.fixture
def web(scraped):
    with time_machine.travel(BEFORE_THE_VOTE):
        yield scraped[0].test_client()


def events(web, url: str) -> list:
    response = web.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data).walk("VEVENT")


def test_the_calendar_has_the_next_meeting_with_its_item_place_and_how_to_speak(web, cfg):
    (event,) = events(web, "/calendar.ics")
    assert str(event["uid"]) == f"meeting-{MEETING}@127.0.0.1"
    start = event.decoded("dtstart")
    assert start == datetime(2026, 5, 19, 9, 0, tzinfo=cfg.tz)
    text = str(event["description"])
    assert "Spanish interpretation services" in text
    assert "City services and council meetings in Spanish and other languages" in text
    assert cfg.place.meeting_place.en in text and cfg.place.how_to_speak.en in text
    assert str(event["location"]) == cfg.place.meeting_place.en
    assert str(event["url"]).endswith(f"/meetings/{MEETING}")
    assert "mobile food vendors" not in text  # an item matching no promise is left out


def test_the_spanish_calendar_is_in_spanish(web, cfg):
    (event,) = events(web, "/es/calendar.ics")
    text = str(event["description"])
    # in the one quotation style of Spanish pages (“…”), whatever the data file wrote
    assert spanish_quotes(cfg.place.how_to_speak.es) in text and "Cómo hablar" in text
    assert "19 de mayo de 2026" in str(event["summary"])
    assert str(event["url"]).endswith(f"/es/meetings/{MEETING}")


def test_a_promise_s_calendar_has_only_meetings_on_it(web):
    assert len(events(web, "/commitments/language-access/calendar.ics")) == 1
    assert events(web, "/commitments/municipal-id/calendar.ics") == []
    assert web.get("/commitments/no-such-promise/calendar.ics").status_code == 404


def test_a_revised_agenda_keeps_the_event_s_uid_and_raises_its_sequence(web, cfg, scraped, site):
    (before,) = events(web, "/calendar.ics")
    revised = [ITEMS[0], ("", "A Resolution on sidewalks."), ITEMS[1]]
    site.add("agenda", "event_id", 1234, agenda_pdf(1234, revised))
    scrape(scraped[1], cfg, progress=False)
    match_all(scraped[1], COMMITMENTS_FILE)
    (after,) = events(web, "/calendar.ics")
    assert after["uid"] == before["uid"]
    assert int(after["sequence"]) > int(before["sequence"])
    assert "3. A Resolution authorizing the Mayor" in str(after["description"])


def test_past_meetings_leave_the_calendar(web):
    with time_machine.travel(date(2026, 5, 21)):
        assert events(web, "/calendar.ics") == []
