"""The WordPress parsers against hand-written pages of every URL era (tests/fixtures/wordpress)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from scrapers.source import Page
from scrapers.wordpress import (
    PRESS_SECTION,
    Site,
    body_of,
    long_date,
    make_source,
    parse_archive,
    parse_committee_page,
    parse_meeting_page,
    parse_post,
    parse_rest,
    title_date,
)
from tests.wordpress_site import CANONICAL, FIXTURES, SITE
from tracker.errors import ConfigError

TODAY = date(2026, 6, 1)
UPLOADS = f"{CANONICAL}/wp-content/uploads"
BIRMINGHAM = Site(
    base_url=CANONICAL,
    today=TODAY,
    body="City Council",
    hosts=frozenset({"www.birminghamalcitycouncil.org"}),
    video_hosts=frozenset({"bhamal.granicus.com", "www.youtube.com"}),
    linked_hosts=frozenset({"bhamal.granicus.com"}),
    linked_ids=("clip_id", "event_id"),
)


def page(path: str, name: str = "index.html") -> str:
    return (SITE / path.strip("/") / name).read_text(encoding="utf-8")


def url(path: str) -> str:
    return f"{CANONICAL}{path}"


# --- titles and dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "name", "day"),
    [
        (
            "VIRTUAL Birmingham City Council Meeting 02.16.2021",
            "VIRTUAL Birmingham City Council Meeting",
            date(2021, 2, 16),
        ),
        (
            "Joint Transportation and Special Called Committee of the Whole Meeting, 02.10.2021",
            "Joint Transportation and Special Called Committee of the Whole Meeting",
            date(2021, 2, 10),
        ),
        ("Public Safety Committee Meeting", "Public Safety Committee Meeting", None),
        ("Meeting 13.45.2021", "Meeting 13.45.2021", None),
    ],
)
def test_title_date(title, name, day):
    assert title_date(title) == (name, day)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("September 18, 2017 4:30 pm - 4:30 pm", (date(2017, 9, 18), "16:30")),
        ("February 17, 2020 @ 2:00 pm - 3:00 pm", (date(2020, 2, 17), "14:00")),
        ("November 22, 2018", (date(2018, 11, 22), None)),
        ("on Tuesday, February 16, 2021 at 9:30 a.m.", (date(2021, 2, 16), "09:30")),
        ("Item 16, 2020", None),
        ("February 30, 2020 @ 2:00 pm", None),
    ],
)
def test_long_date(text, expected):
    assert long_date(text) == expected


def test_long_date_without_a_year_takes_the_one_given():
    assert long_date("February 17 @ 2:00 pm", default_year=2020) == (date(2020, 2, 17), "14:00")
    assert long_date("February 17 @ 2:00 pm") is None


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("Birmingham City Council Meeting", "City Council"),
        ("VIRTUAL Birmingham City Council Meeting", "City Council"),
        ("Public Safety Committee Meeting", "Public Safety Committee"),
        ("Committee of the Whole Meeting", "Committee of the Whole"),
        ("District 5 Town Hall Meeting", "District 5 Town Hall"),
    ],
)
def test_body_names_match_granicus_and_town_halls_stay_apart(name, body):
    assert body_of(name, "City Council") == body


# --- press releases ------------------------------------------------------------------------


def test_press_release_archive_gives_documents_with_title_and_date():
    listing = parse_archive(
        page("/category/press-releases/"),
        url("/category/press-releases/"),
        BIRMINGHAM,
        section=PRESS_SECTION,
    )
    assert [(d.kind, d.title, d.date, d.expect_pdf) for d in listing.documents] == [
        (
            "press-release",
            "Council Approves Spanish Interpretation Services for Council Meetings",
            date(2021, 2, 16),
            False,
        ),
        (
            "press-release",
            "Council Adopts Fiscal Year 2020 Operating Budget",
            date(2019, 6, 25),
            False,
        ),
    ]
    assert listing.documents[0].url == url(
        "/2021/02/16/council-approves-spanish-interpretation-services-for-council-meetings/"
    )
    assert [f.url for f in listing.follow] == [url("/category/press-releases/page/2/")]
    assert listing.sections == [PRESS_SECTION] and not listing.layout


def test_last_press_release_page_has_no_next_page():
    listing = parse_archive(
        page("/category/press-releases/page/2/"),
        url("/category/press-releases/page/2/"),
        BIRMINGHAM,
        section=PRESS_SECTION,
    )
    assert [d.title for d in listing.documents] == [
        "Birmingham City Councilors Approve Sanctuary City Resolution"
    ]
    assert listing.follow == []


def test_a_posts_own_page_is_a_press_release_by_its_category():
    path = "/2017/02/02/birmingham-city-councilors-approve-sanctuary-city-resolution/"
    (doc,) = parse_post(page(path), url(path), BIRMINGHAM).documents
    assert (doc.title, doc.date, doc.url) == (
        "Birmingham City Councilors Approve Sanctuary City Resolution",
        date(2017, 2, 2),
        url(path),
    )
    other = (
        page(path)
        .replace(">Press Releases</a>", ">News</a>")
        .replace("category-press-releases", "category-news")
    )
    assert parse_post(other, url(path), BIRMINGHAM).documents == []


# --- 2021–2023: the meeting archive --------------------------------------------------------


def council_archive(n: int = 1):
    path = "/meeting_type/council/" if n == 1 else f"/meeting_type/council/page/{n}/"
    return parse_archive(page(path), url(path), BIRMINGHAM, section="council meetings")


def test_meeting_archive_entries_are_dated_from_their_titles():
    listing = council_archive()
    assert [(m.date, m.body, m.status) for m in listing.meetings] == [
        (date(2021, 3, 2), "Budget & Finance Committee", "passed"),
        (date(2021, 2, 16), "City Council", "passed"),
        (date(2021, 2, 16), "Public Safety Committee", "passed"),
        (
            date(2021, 2, 10),
            "Joint Transportation and Special Called Committee of the Whole",
            "cancelled",
        ),
    ]
    assert listing.meetings[1].key == "2021-02-16-virtual-birmingham-city-council-meeting"
    assert listing.meetings[1].refs == {"wp_id": "9101"}  # the page's own path comes from the page


def test_meeting_archive_follows_each_meeting_page_and_the_next_page():
    listing = council_archive()
    follows = {f.url: f for f in listing.follow}
    meeting = url("/meeting/virtual-birmingham-city-council-meeting-02-16-2021/")
    assert follows[meeting].ref == (
        "wp_path",
        "meeting/virtual-birmingham-city-council-meeting-02-16-2021",
    )
    assert follows[meeting].date == date(2021, 2, 16)
    assert url("/meeting_type/council/page/2/") in follows


def test_canceled_with_one_l_is_cancelled_too():
    (canceled, held) = council_archive(2).meetings
    assert (canceled.status, canceled.name) == ("cancelled", "Birmingham City Council Meeting")
    assert held.status == "passed"


def test_meeting_post_gives_agenda_minutes_video_and_its_granicus_link():
    path = "/meeting/virtual-birmingham-city-council-meeting-02-16-2021/"
    (meeting,) = parse_meeting_page(page(path), url(path), BIRMINGHAM).meetings
    assert [(d.kind, d.url) for d in meeting.documents] == [
        ("agenda", f"{UPLOADS}/2021/02/Council-Agenda-02.16.2021.pdf"),
        ("minutes", f"{UPLOADS}/2021/05/Council-Minutes-02.16.2021.pdf"),
    ]
    assert meeting.same_as == {"clip_id": "2101"}
    assert meeting.video_url == "https://bhamal.granicus.com/MediaPlayer.php?view_id=2&clip_id=2101"
    assert meeting.refs == {
        "wp_id": "9101",
        "wp_path": "meeting/virtual-birmingham-city-council-meeting-02-16-2021",
    }


def test_a_meeting_to_come_has_no_path_ref_and_is_confirmed_by_its_agenda():
    path = "/meeting/virtual-birmingham-city-council-meeting-02-16-2021/"
    before = replace(BIRMINGHAM, today=date(2021, 2, 12))
    (meeting,) = parse_meeting_page(page(path), url(path), before).meetings
    assert meeting.status == "confirmed"
    assert meeting.refs == {"wp_id": "9101"}  # read again until it is over


def test_video_links_are_http_on_allowed_hosts_only():
    path = "/meeting/virtual-birmingham-city-council-meeting-02-16-2021/"
    html = page(path).replace(
        "https://bhamal.granicus.com/MediaPlayer.php?view_id=2&#038;clip_id=2101",
        "javascript:alert(1)",
    )
    (meeting,) = parse_meeting_page(html, url(path), BIRMINGHAM).meetings
    assert meeting.video_url.startswith("https://www.youtube.com/embed/")
    html = html.replace("https://www.youtube.com/embed/", "https://evil.example/embed/")
    (meeting,) = parse_meeting_page(html, url(path), BIRMINGHAM).meetings
    assert meeting.video_url is None


def test_documents_on_other_hosts_are_not_fetched():
    path = "/meeting/virtual-birmingham-city-council-meeting-02-16-2021/"
    html = page(path).replace(f"{UPLOADS}/2021/02/", "https://files.example.net/")
    (meeting,) = parse_meeting_page(html, url(path), BIRMINGHAM).meetings
    assert [d.kind for d in meeting.documents] == ["minutes"]


def test_cancelled_meeting_post_has_no_documents():
    path = (
        "/meeting/cancelled-joint-transportation-and-special-called-committee-of-the-whole-"
        "meeting-02-10-2021/"
    )
    (meeting,) = parse_meeting_page(page(path), url(path), BIRMINGHAM).meetings
    assert (meeting.status, meeting.documents) == ("cancelled", ())


# --- 2017–2020: The Events Calendar --------------------------------------------------------


def test_events_list_dates_and_times_and_no_holidays():
    path = "/events/list/"
    listing = parse_archive(
        page(path), url(path) + "?tribe_event_display=past", BIRMINGHAM, section="events"
    )
    assert [(m.date, m.time, m.body, m.refs) for m in listing.meetings] == [
        (date(2020, 2, 18), "09:30", "City Council", {"wp_id": "7755"}),
        (date(2020, 2, 17), "14:00", "Public Safety Committee", {"wp_id": "7741"}),
        (date(2018, 11, 27), "09:30", "City Council", {"wp_id": "6020"}),
    ]
    followed = [f.url for f in listing.follow]
    assert url("/event/city-hall-closed-thanksgiving/") not in followed
    # "Previous Events" goes further back; "Next Events" (to come) is not a page of this list.
    assert url("/events/list/?tribe_event_display=past&tribe_paged=2") in followed
    assert not any("tribe-bar-date" in u for u in followed)


def test_events_list_page_2_is_2017():
    listing = parse_archive(
        page("/events/list/", "tribe_paged=2.html"),
        url("/events/list/?tribe_event_display=past&tribe_paged=2"),
        BIRMINGHAM,
        section="events",
    )
    assert [(m.date, m.time) for m in listing.meetings] == [
        (date(2017, 9, 19), "09:30"),
        (date(2017, 9, 18), "16:30"),
    ]
    assert [f.ref[1] for f in listing.follow if f.ref] == [
        "events/birmingham-city-council-meeting-september-19-2017",
        "events/committee-of-the-whole-meeting",
    ]


def test_events_list_without_years_takes_the_month_heading():
    path = "/events/list/"
    html = page(path).replace("February 17, 2020 @", "February 17 @")
    listing = parse_archive(html, url(path), BIRMINGHAM, section="events")
    assert listing.meetings[1].date == date(2020, 2, 17)


def test_2018_2020_event_page():
    path = "/event/public-safety-committee-meeting-2/"
    (meeting,) = parse_meeting_page(page(path), url(path), BIRMINGHAM).meetings
    assert (meeting.date, meeting.time, meeting.body) == (
        date(2020, 2, 17),
        "14:00",
        "Public Safety Committee",
    )
    assert [d.url for d in meeting.documents] == [
        f"{UPLOADS}/2020/02/Public-Safety-Agenda-2-17-2020.pdf"
    ]
    assert meeting.refs == {"wp_id": "7741", "wp_path": "event/public-safety-committee-meeting-2"}


def test_2017_event_page_without_the_at_sign():
    path = "/events/committee-of-the-whole-meeting/"
    (meeting,) = parse_meeting_page(page(path), url(path), BIRMINGHAM).meetings
    assert (meeting.date, meeting.time, meeting.body, meeting.documents) == (
        date(2017, 9, 18),
        "16:30",
        "Committee of the Whole",
        (),
    )


def test_event_status_label_cancels():
    path = "/event/public-safety-committee-meeting-2/"
    html = page(path).replace(
        '<div class="tribe-events-schedule tribe-clearfix">',
        '<div class="tribe-events-status-single tribe-events-status-single--canceled">'
        "Canceled</div>"
        '<div class="tribe-events-schedule tribe-clearfix">',
    )
    (meeting,) = parse_meeting_page(html, url(path), BIRMINGHAM).meetings
    assert meeting.status == "cancelled"


# --- 2016: committee pages -----------------------------------------------------------------


def test_committee_page_gives_a_meeting_per_date_and_reads_view_all():
    path = "/meetings/committees-agendas/public-safety-committee/"
    listing = parse_committee_page(page(path), url(path), BIRMINGHAM)
    assert [(m.date, m.body, [d.kind for d in m.documents]) for m in listing.meetings] == [
        (date(2016, 10, 11), "Public Safety Committee", ["agenda", "minutes"]),
        (date(2016, 10, 25), "Public Safety Committee", ["agenda"]),
    ]
    assert listing.meetings[0].refs == {"wp_committee_day": "public-safety-committee#2016-10-11"}
    assert [f.url for f in listing.follow] == [
        url(f"{path}public-safety-committee-agendas/"),
        url(f"{path}public-safety-committee-minutes/"),
    ]
    assert not listing.skipped and not listing.layout


def test_committee_view_all_page_names_the_same_meetings():
    path = "/meetings/committees-agendas/public-safety-committee/public-safety-committee-agendas/"
    listing = parse_committee_page(page(path), url(path), BIRMINGHAM)
    assert [m.refs["wp_committee_day"] for m in listing.meetings] == [
        "public-safety-committee#2016-09-27",
        "public-safety-committee#2016-10-11",
        "public-safety-committee#2016-10-25",
    ]


# --- REST ----------------------------------------------------------------------------------


def rest(name: str) -> str:
    return (SITE / "wp-json" / name).read_text()


def test_rest_posts_are_press_releases_paged_by_x_wp_totalpages():
    data = json.loads(rest("wp/v2/posts.json"))
    first = url("/wp-json/wp/v2/posts?categories=12&per_page=2&page=1")
    listing = parse_rest(
        json.dumps(data[:2]), first, BIRMINGHAM, section=PRESS_SECTION,
        headers={"x-wp-totalpages": "2"}, per_page=2,
    )  # fmt: skip
    assert [d.title for d in listing.documents] == [
        "Council Approves Spanish Interpretation Services for Council Meetings",
        "Council Adopts Fiscal Year 2020 Operating Budget",
    ]
    assert listing.documents[1].date == date(2019, 6, 25)
    assert [f.url for f in listing.follow] == [first.replace("page=1", "page=2")]
    last = parse_rest(
        json.dumps(data[2:]), first.replace("page=1", "page=2"), BIRMINGHAM,
        section=PRESS_SECTION, headers={"x-wp-totalpages": "2"}, per_page=2,
    )  # fmt: skip
    assert last.follow == []


def test_rest_pages_without_headers_follow_a_full_page():
    data = json.loads(rest("wp/v2/posts.json"))
    first = url("/wp-json/wp/v2/posts?per_page=2&page=1")
    full = parse_rest(json.dumps(data[:2]), first, BIRMINGHAM, section=PRESS_SECTION, per_page=2)
    assert len(full.follow) == 1
    short = parse_rest(json.dumps(data[2:]), first, BIRMINGHAM, section=PRESS_SECTION, per_page=2)
    assert short.follow == []


def test_rest_meetings_are_the_same_records_as_their_pages():
    data = rest("wp/v2/meetings.json")
    listing = parse_rest(data, url("/wp-json/wp/v2/meetings?page=1"), BIRMINGHAM, section="m")
    path = "/meeting/virtual-birmingham-city-council-meeting-02-16-2021/"
    (from_page,) = parse_meeting_page(page(path), url(path), BIRMINGHAM).meetings
    from_rest = next(m for m in listing.meetings if m.key == from_page.key)
    assert from_rest == from_page
    assert listing.follow == []  # the content is in the answer: no page to read


def test_rest_events_of_the_events_calendar():
    data = {"events": json.loads(rest("tribe/events/v1/events.json")), "total_pages": 1}
    listing = parse_rest(
        json.dumps(data), url("/wp-json/tribe/events/v1/events?page=1"), BIRMINGHAM, section="e"
    )
    assert [(m.date, m.time) for m in listing.meetings] == [
        (date(2020, 2, 18), "09:30"),
        (date(2020, 2, 17), "14:00"),
        (date(2018, 11, 27), "09:30"),
        (date(2017, 9, 19), "09:30"),
        (date(2017, 9, 18), "16:30"),
    ]
    path = "/event/birmingham-city-council-meeting-38/"
    (from_page,) = parse_meeting_page(page(path), url(path), BIRMINGHAM).meetings
    assert listing.meetings[2] == from_page


def test_rest_answer_that_is_not_posts_is_a_layout_change():
    assert parse_rest('{"name": "Birmingham"}', url("/wp-json/x"), BIRMINGHAM, section="m").layout
    assert parse_rest("<html></html>", url("/wp-json/x"), BIRMINGHAM, section="m").layout


# --- drift and bad input -------------------------------------------------------------------


def test_redesigned_archive_is_a_layout_change():
    html = (FIXTURES / "changed" / "meeting_type" / "council" / "index.html").read_text()
    listing = parse_archive(html, url("/meeting_type/council/"), BIRMINGHAM, section="m")
    assert listing.layout and "layout changed?" in listing.layout[0]
    assert listing.meetings == [] and listing.sections == []


def test_empty_archive_saying_nothing_found_is_no_layout_change():
    html = (FIXTURES / "404.html").read_text()
    listing = parse_archive(html, url("/meeting_type/council/"), BIRMINGHAM, section="m")
    assert listing.layout == [] and listing.meetings == []


GARBAGE = [
    "",
    "<html>",
    "\x00\xff<<>>",
    "<article id='post-x'><h2 class='entry-title'>",
    "[]",
    "{}",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_parsers_never_raise_on_content(text):
    u = url("/x/")
    parse_archive(text, u, BIRMINGHAM, section=PRESS_SECTION)
    parse_archive(text, u, BIRMINGHAM, section="m")
    parse_meeting_page(text, u, BIRMINGHAM)
    parse_committee_page(text, u, BIRMINGHAM)
    parse_post(text, u, BIRMINGHAM)
    parse_rest(text, u, BIRMINGHAM, section="m")
    parse_rest('[{"id": 1, "title": 3}, 7, null]', u, BIRMINGHAM, section=PRESS_SECTION)


# --- the source ----------------------------------------------------------------------------

CONFIG = {
    "id": "council-site",
    "name": "Council site",
    "base_url": CANONICAL,
    "documents": ["agenda", "minutes", "press-release"],
    "meetings": [
        {
            "name": "council meetings",
            "html": "/meeting_type/council/",
            "rest": "/wp-json/wp/v2/meetings",
        }
    ],
    "committees": ["/meetings/committees-agendas/public-safety-committee/"],
}


def test_each_listing_is_asked_of_rest_first_then_html():
    source = make_source(CONFIG, ZoneInfo("America/Chicago"))
    assert source.start() == [
        (url("/wp-json/wp/v2/categories?slug=press-releases"), url("/category/press-releases/")),
        (
            url(
                "/wp-json/wp/v2/meetings?per_page=100&page=1&_fields=id%2Cdate%2Clink%2Ctitle%2Ccontent"
            ),
            url("/meeting_type/council/"),
        ),
        (url("/meetings/committees-agendas/public-safety-committee/"),),
    ]
    no_rest = make_source({**CONFIG, "rest": False}, ZoneInfo("America/Chicago"))
    assert no_rest.start()[1] == (url("/meeting_type/council/"),)


def test_rest_answering_html_sends_the_source_to_the_html_listing():
    source = make_source(CONFIG, ZoneInfo("America/Chicago"))
    listing = source.parse(
        Page(source.start()[1][0], "<!DOCTYPE html><html><body>Home</body></html>")
    )
    assert [f.url for f in listing.follow] == [url("/meeting_type/council/")]
    assert listing.layout == []


def test_parse_dispatches_by_url():
    source = make_source(CONFIG, ZoneInfo("America/Chicago"))
    path = "/meeting_type/council/page/2/"
    assert len(source.parse(Page(url(path), page(path))).meetings) == 2
    path = "/meetings/committees-agendas/public-safety-committee/"
    assert source.parse(Page(url(path), page(path))).sections == ["committee pages"]
    path = "/2019/06/25/council-adopts-fiscal-year-2020-operating-budget/"
    assert source.parse(Page(url(path), page(path))).documents[0].kind == "press-release"
    path = "/event/birmingham-city-council-meeting-38/"
    assert source.parse(Page(url(path), page(path))).meetings[0].date == date(2018, 11, 27)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"meetings": [{"name": "x"}]}, "meetings[0]"),
        ({"meetings": "oops"}, "meetings[0]"),
        ({"committees": "/a/"}, "committees"),
        ({"per_page": 500}, "per_page"),
        ({"press_releases": ["x"]}, "press_releases"),
    ],
)
def test_bad_configuration_names_the_source_and_field(change, field):
    with pytest.raises(ConfigError) as info:
        make_source({**CONFIG, **change}, ZoneInfo("America/Chicago"))
    assert "council-site" in str(info.value) and field in str(info.value)
