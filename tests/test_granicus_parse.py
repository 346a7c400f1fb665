"""Tests for scrapers/granicus.py against a hand-written ViewPublisher page."""

import logging
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from scrapers.granicus import (
    Listing,
    MeetingRecord,
    agenda_url,
    flag_shared_agendas,
    merge_records,
    minutes_url,
    parse_publisher,
    publisher_url,
    split_title,
)

FIXTURES = Path(__file__).parent / "fixtures" / "granicus"
BASE = "https://bhamal.granicus.com"
VIEW = 2
CHICAGO = ZoneInfo("America/Chicago")  # Birmingham's zone: the fixture page's epochs are in it


def _html(name: str = "publisher.html") -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _parse(html: str | None = None, base_url: str = BASE) -> Listing:
    return parse_publisher(_html() if html is None else html, base_url, VIEW, tz=CHICAGO)


@pytest.fixture(scope="module")
def listing() -> Listing:
    return _parse()


def _rows(listing: Listing, table: str, day: date) -> list[MeetingRecord]:
    return [m for m in listing.meetings if m.table == table and m.date == day]


def _one(listing: Listing, table: str, day: date) -> MeetingRecord:
    (record,) = _rows(listing, table, day)
    return record


def _archive_cell(soup: BeautifulSoup, row: int, column: str):
    tr = soup.find("table", id="archive").find("tbody").find_all("tr")[row]
    return next(td for td in tr.find_all("td") if td["headers"][0] == column)


# --- tables and counts ---------------------------------------------------------------------


def test_both_tables_found(listing):
    assert listing.tables_found == ["upcoming", "archive"]


def test_counts_per_table(listing):
    tables = [m.table for m in listing.meetings]
    assert (tables.count("upcoming"), tables.count("archive")) == (5, 12)


def test_fixture_parses_without_warnings(listing):
    assert listing.warnings == []


# --- title, name, suffix, body ---------------------------------------------------------------


def test_title_is_whitespace_normalised(listing):
    assert _one(listing, "upcoming", date(2026, 5, 19)).title == "Regular City Council Meeting"


def test_cancelled_suffix_kept_in_title_removed_from_name(listing):
    record = _one(listing, "upcoming", date(2026, 5, 26))
    assert record.title == "Regular City Council Meeting - cancelled"
    assert record.name == "Regular City Council Meeting"


def test_virtual_meeting_suffix_removed_from_name(listing):
    record = _one(listing, "archive", date(2026, 4, 21))
    assert record.title.endswith("-Rescheduled to a Virtual Meeting: see agenda for access-")
    assert record.name == "Regular City Council Meeting"
    assert record.suffix == "rescheduled"


def test_plain_title_has_no_suffix(listing):
    assert _one(listing, "archive", date(2026, 5, 5)).suffix is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "Regular City Council Meeting - postponed",
            ("Regular City Council Meeting", "postponed", False),
        ),
        (
            "Budget and Finance Committee - Deferred",
            ("Budget and Finance Committee", "deferred", False),
        ),
        (
            "Regular City Council Meeting - rescheduled",
            ("Regular City Council Meeting", "rescheduled", False),
        ),
        ("Regular City Council Meeting - canceled", ("Regular City Council Meeting", None, True)),
        ("CANCELLED: Budget and Finance Committee", ("Budget and Finance Committee", None, True)),
    ],
)
def test_split_title(title, expected):
    assert split_title(title) == expected


def test_body_of_council_meeting(listing):
    assert _one(listing, "archive", date(2026, 5, 5)).body == "City Council"


def test_body_of_committee_meeting(listing):
    assert _one(listing, "archive", date(2026, 4, 28)).body == "Budget and Finance Committee"
    assert _one(listing, "upcoming", date(2026, 5, 20)).body == "Budget and Finance Committee"


# --- date and time -------------------------------------------------------------------------


def test_upcoming_date_and_time_from_the_shown_text(listing):
    record = _one(listing, "upcoming", date(2026, 5, 20))
    assert (record.date, record.time) == (date(2026, 5, 20), "10:00")


def test_archive_time_from_hidden_epoch(listing):
    assert _one(listing, "archive", date(2026, 5, 12)).time == "09:31"


@pytest.mark.parametrize("day", [date(2026, 3, 3), date(2026, 3, 10)])
def test_epoch_time_either_side_of_dst_change(listing, day):
    # 2026-03-08 clocks go forward: 15:30 UTC and 14:30 UTC are both 09:30 in Birmingham.
    assert _one(listing, "archive", day).time == "09:30"


def test_epoch_at_local_midnight_gives_no_time(listing):
    assert _one(listing, "archive", date(2026, 2, 24)).time is None


def test_epoch_on_another_local_date_drops_time_with_warning():
    utc_midnight = int(datetime(2026, 5, 5, tzinfo=UTC).timestamp())  # May 4, 19:00 local
    listing = _parse(_html().replace("1777991400", str(utc_midnight)))
    record = _one(listing, "archive", date(2026, 5, 5))
    assert (record.date, record.time) == (date(2026, 5, 5), None)
    assert any("another local date" in w for w in listing.warnings)


def test_epoch_disagreeing_with_shown_time_is_not_trusted():
    # May 19 09:00 as if Pacific time: 11:00 in Birmingham, not the 09:00 the page shows.
    listing = _parse(_html().replace("1779199200", "1779206400"))
    assert any("hidden epoch 1779206400" in w for w in listing.warnings)
    assert _one(listing, "upcoming", date(2026, 5, 19)).time == "09:00"
    assert _one(listing, "archive", date(2026, 5, 12)).time is None


# --- status --------------------------------------------------------------------------------


def test_status_confirmed_with_agenda(listing):
    assert _one(listing, "upcoming", date(2026, 5, 19)).status == "confirmed"


def test_status_tentative_without_agenda(listing):
    assert _one(listing, "upcoming", date(2026, 6, 2)).status == "tentative"
    assert _one(listing, "upcoming", date(2026, 5, 20)).status == "tentative"


def test_status_cancelled(listing):
    assert _one(listing, "upcoming", date(2026, 5, 26)).status == "cancelled"


def test_status_passed_for_archive_rows(listing):
    assert {m.status for m in listing.meetings if m.table == "archive"} == {"passed"}


# --- ids and URLs --------------------------------------------------------------------------


def test_event_id_from_upcoming_agenda_link(listing):
    record = _one(listing, "upcoming", date(2026, 5, 19))
    assert (record.event_id, record.clip_id) == ("1234", None)


def test_clip_id_from_archive_links(listing):
    record = _one(listing, "archive", date(2026, 5, 5))
    assert (record.event_id, record.clip_id) == (None, "3449")


def test_clip_id_of_clip_without_agenda_from_video_link(listing):
    assert [m.clip_id for m in _rows(listing, "archive", date(2026, 3, 31))] == ["3419", "3418"]


def test_agenda_url_absolute_and_unescaped(listing):
    assert (
        _one(listing, "upcoming", date(2026, 5, 19)).agenda_url
        == "https://bhamal.granicus.com/AgendaViewer.php?view_id=2&event_id=1234"
    )
    assert (
        _one(listing, "archive", date(2026, 5, 5)).agenda_url
        == "https://bhamal.granicus.com/AgendaViewer.php?view_id=2&clip_id=3449"
    )


def test_protocol_relative_links_take_the_scheme_of_base_url():
    listing = _parse(base_url="http://127.0.0.1:8000/")
    record = _one(listing, "archive", date(2026, 5, 5))
    assert record.agenda_url == "http://bhamal.granicus.com/AgendaViewer.php?view_id=2&clip_id=3449"


def test_minutes_url(listing):
    assert (
        _one(listing, "archive", date(2026, 4, 21)).minutes_url
        == "https://bhamal.granicus.com/MinutesViewer.php?view_id=2&clip_id=3440"
    )


def test_empty_minutes_cell_is_none(listing):
    assert _one(listing, "archive", date(2026, 5, 12)).minutes_url is None  # <td></td>
    assert _one(listing, "archive", date(2026, 5, 5)).minutes_url is None  # <td>&nbsp;</td>


def test_video_url_from_onclick(listing):
    assert (
        _one(listing, "archive", date(2026, 5, 5)).video_url
        == "https://bhamal.granicus.com/MediaPlayer.php?view_id=2&clip_id=3449"
    )


def test_in_progress_video_url_of_upcoming_row(listing):
    assert (
        _one(listing, "upcoming", date(2026, 5, 12)).video_url
        == "https://bhamal.granicus.com/MediaPlayer.php?view_id=2&event_id=1231"
    )


def test_upcoming_row_without_video_link(listing):
    assert _one(listing, "upcoming", date(2026, 5, 19)).video_url is None


# --- duration and hidden clips -------------------------------------------------------------


def test_duration_minutes(listing):
    assert _one(listing, "archive", date(2026, 5, 12)).duration_minutes == 87
    assert _one(listing, "archive", date(2026, 5, 5)).duration_minutes == 123


def test_duration_of_upcoming_row_is_none(listing):
    assert _one(listing, "upcoming", date(2026, 5, 19)).duration_minutes is None


def test_short_clip_without_agenda_is_hidden(listing):
    record = _rows(listing, "archive", date(2026, 3, 31))[0]
    assert record.duration_minutes == 4
    assert (record.hidden, record.hidden_reason) == (True, "test clip: 4 minutes and no agenda")


def test_clip_titled_test_is_hidden(listing):
    record = _one(listing, "archive", date(2026, 3, 24))
    assert (record.hidden, record.hidden_reason) == (True, "test clip: title says test")


def test_real_meetings_are_not_hidden(listing):
    record = _one(listing, "archive", date(2026, 5, 5))
    assert (record.hidden, record.hidden_reason) == (False, None)


def test_short_clip_beside_longer_clip_of_same_meeting_is_hidden(listing):
    short, main = _rows(listing, "archive", date(2026, 4, 14))
    assert (short.clip_id, short.duration_minutes) == ("3433", 12)
    assert short.hidden_reason == "test clip: shares its meeting with clip 3432"
    assert not main.hidden


def test_flag_shared_agendas_spares_clips_of_15_minutes_or_more(listing):
    short, main = _rows(listing, "archive", date(2026, 4, 14))
    unflagged = replace(short, hidden=False, hidden_reason=None)
    assert flag_shared_agendas([unflagged, main])[0].hidden is True
    long_enough = replace(unflagged, duration_minutes=15)
    assert flag_shared_agendas([long_enough, main])[0].hidden is False


# --- keys ----------------------------------------------------------------------------------


def test_key_is_date_and_slug_of_name(listing):
    assert (
        _one(listing, "archive", date(2026, 4, 28)).key == "2026-04-28-budget-and-finance-committee"
    )
    assert (
        _one(listing, "upcoming", date(2026, 5, 26)).key
        == "2026-05-26-regular-city-council-meeting"
    )


def test_keys_unique_within_each_table(listing):
    for table in ("upcoming", "archive"):
        keys = [m.key for m in listing.meetings if m.table == table]
        assert len(keys) == len(set(keys))


def test_repeated_keys_numbered_in_document_order(listing):
    assert [m.key for m in _rows(listing, "archive", date(2026, 3, 31))] == [
        "2026-03-31-regular-city-council-meeting",
        "2026-03-31-regular-city-council-meeting-2",
    ]


def test_hidden_clip_does_not_take_the_plain_key(listing):
    short, main = _rows(listing, "archive", date(2026, 4, 14))
    assert main.key == "2026-04-14-regular-city-council-meeting"
    assert short.key == "2026-04-14-regular-city-council-meeting-2"


def test_keys_are_stable_across_parses(listing):
    assert [m.key for m in _parse().meetings] == [m.key for m in listing.meetings]


# --- merge ---------------------------------------------------------------------------------


def test_merge_joins_upcoming_and_archive_rows_of_one_meeting(listing):
    merged = merge_records(listing.meetings)
    assert len(merged) == len(listing.meetings) - 1
    (record,) = [m for m in merged if m.date == date(2026, 5, 12)]
    assert record.table == "both"
    assert (record.event_id, record.clip_id) == ("1231", "3456")
    assert record.time == "09:00"  # the scheduled time, not the recording's 09:31
    assert record.duration_minutes == 87
    assert record.video_url == "https://bhamal.granicus.com/MediaPlayer.php?view_id=2&clip_id=3456"
    assert record.status == "passed"


def test_merge_leaves_other_records_alone(listing):
    merged = merge_records(listing.meetings)
    others = [m for m in listing.meetings if m.date != date(2026, 5, 12)]
    assert [m for m in merged if m.date != date(2026, 5, 12)] == others


# --- layout changes and broken rows --------------------------------------------------------


def test_changed_layout_warns_and_yields_nothing():
    listing = _parse(_html("publisher_changed_layout.html"))
    assert listing.meetings == []
    assert listing.tables_found == []
    assert listing.warnings == [
        "layout changed? no upcoming or archive table at "
        "https://bhamal.granicus.com/ViewPublisher.php?view_id=2"
    ]


def test_table_whose_rows_cannot_be_read_warns():
    soup = BeautifulSoup(_html(), "lxml")
    for td in soup.find("table", id="archive").find_all("td"):
        td["headers"] = "x-" + td["headers"][0]
    listing = _parse(str(soup))
    assert [m.table for m in listing.meetings] == ["upcoming"] * 5
    assert any(
        w.startswith("layout changed? 12 rows in the archive table") for w in listing.warnings
    )


def test_row_without_date_cell_is_skipped_with_warning():
    soup = BeautifulSoup(_html(), "lxml")
    _archive_cell(soup, 2, "Date").decompose()  # the Budget and Finance Committee, April 28
    listing = _parse(str(soup))
    assert _rows(listing, "archive", date(2026, 4, 28)) == []
    assert len(listing.meetings) == 16
    (warning,) = listing.warnings
    assert "no Date cell" in warning
    assert "Budget and Finance Committee 00h 52m" in warning


def test_warnings_are_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="scrapers.granicus"):
        _parse(_html("publisher_changed_layout.html"))
    assert "layout changed?" in caplog.text


# --- URL builders --------------------------------------------------------------------------


def test_publisher_url():
    assert publisher_url(BASE + "/", 2) == "https://bhamal.granicus.com/ViewPublisher.php?view_id=2"


def test_agenda_url_by_clip_or_event():
    assert agenda_url(BASE, 2, clip_id=3456) == f"{BASE}/AgendaViewer.php?view_id=2&clip_id=3456"
    assert (
        agenda_url(BASE, 2, event_id="1234") == f"{BASE}/AgendaViewer.php?view_id=2&event_id=1234"
    )


def test_minutes_url_keeps_base_path():
    assert (
        minutes_url("http://127.0.0.1:5000/granicus/", 2, clip_id=3440)
        == "http://127.0.0.1:5000/granicus/MinutesViewer.php?view_id=2&clip_id=3440"
    )


def test_document_url_needs_exactly_one_id():
    with pytest.raises(ValueError):
        agenda_url(BASE, 2)
    with pytest.raises(ValueError):
        minutes_url(BASE, 2, clip_id=1, event_id=2)
