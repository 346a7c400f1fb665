"""A fake Granicus site for tests and benchmarks: a real HTTP server on 127.0.0.1.

It serves the publisher page, AgendaViewer/MinutesViewer redirects to `bhamal_<hex>.pdf`
files with ETags and 304s, and robots.txt, and it counts what it was asked, so tests can
prove what a scrape downloads. Documents are PDFs in the council's layout, made by tests/pdfs.py.
"""

from __future__ import annotations

import hashlib
import re
import time as time_module
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from tests.pdfs import make_pdf

FIXTURES = Path(__file__).parent / "fixtures"
CHICAGO = ZoneInfo("America/Chicago")
LINES_PER_PAGE = 48


def agenda_lines(day: date, items: list[tuple[str, str]]) -> list[list[str]]:
    """Agenda pages in the council's layout: header, sections, markers, running lines."""
    stamp = f"{day:%B} {day.day}, {day.year}"
    body = [
        "AGENDA",
        "REGULAR MEETING OF THE COUNCIL",
        "CITY OF BIRMINGHAM, ALABAMA",
        "COUNCIL CHAMBER, THIRD FLOOR, CITY HALL",
        f"{stamp} - 9:30 A.M.",
        "INVOCATION",
        "PLEDGE OF ALLEGIANCE",
        "ROLL CALL",
        "CONSIDERATION OF ORDINANCES AND RESOLUTIONS FOR FINAL PASSAGE",
    ]
    for number, (marker, text) in enumerate(items, start=1):
        words = f"{marker} ITEM {number}.    {text}".split(" ")
        line = ""
        for word in words:
            if len(line) + len(word) > 90:
                body.append(line)
                line = ""
            line = f"{line} {word}" if line else word
        body.append(line)
    body.append("ADJOURNMENT")
    pages = [body[i : i + LINES_PER_PAGE - 1] for i in range(0, len(body), LINES_PER_PAGE - 1)]
    return [[*page, f"Agenda \u2013 {stamp}   {n}"] for n, page in enumerate(pages, start=1)]


def minutes_lines(day: date, votes: list[tuple[int, str]]) -> list[list[str]]:
    """Minutes pages: roll call, then one vote passage per (item number, outcome)."""
    lines = [
        "MINUTES OF THE REGULAR MEETING OF THE COUNCIL OF THE CITY OF BIRMINGHAM",
        f"{day:%B} {day.day}, {day.year}",
        "Present on Roll Call: Councilors Abbott, Alexander, Clarke, Moore, O'Quinn,",
        "Smitherman, Tate, Williams, Woods",
        "Absent: None",
    ]
    for number, outcome in votes:
        lines += [f"ITEM {number}.", "The resolution was read by the City Clerk, whereupon"]
        if outcome == "adopted":
            lines += [
                "Councilor Tate moved its adoption which motion was seconded by Councilor",
                "Woods, and upon the roll being called, the vote was as follows:",
                "Ayes: Abbott, Alexander, Clarke, Moore, O'Quinn, Smitherman, Tate,",
                "Williams, Woods",
                "Nays: None",
            ]
        else:
            lines += [
                f"Councilor Abbott moved that the resolution be {outcome}, which motion",
                "was seconded by Councilor Moore and carried.",
            ]
    return [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]


ROUTINE = [
    (
        "CONSENT",
        "A Resolution determining that the grass and weeds growing upon 1216 Tenth "
        "Avenue West, Parcel ID 22-00-31-1-004-011.000, are a public nuisance. (Submitted by "
        "the Mayor) **",
    ),
    (
        "CONSENT",
        "A Resolution authorizing the Mayor to execute an agreement with Vulcan "
        "Paving Co. for street resurfacing in Council District 5, in an amount not to exceed "
        "$412,000.00. (Submitted by the Mayor) (Recommended by the Budget and Finance "
        "Committee) **",
    ),
]
RELEVANT = (
    "",
    "A Resolution authorizing the Mayor to execute an agreement with Alabama Language "
    "Services, LLC to provide Spanish interpretation and translation services for City "
    "Council meetings and public notices, in an amount not to exceed $48,000.00. "
    "(Submitted by Councilor Tate, Chair, Public Safety Committee) **",
)


def pdf_of(pages: list[list[str]]) -> bytes:
    return make_pdf(pages, font_size=8)


@dataclass
class Meeting:
    """One meeting of the fake site."""

    day: date
    title: str = "Regular City Council Meeting"
    clip_id: int | None = None
    event_id: int | None = None
    minutes: bool = False
    items: list[tuple[str, str]] = field(default_factory=lambda: [*ROUTINE, RELEVANT])


def listing_html(meetings: list[Meeting], tz: ZoneInfo = CHICAGO) -> str:
    """A publisher page in Granicus' template for generated meetings (epochs in `tz`)."""
    upcoming, archive = [], []
    for i, m in enumerate(meetings):
        cls = "even" if i % 2 else "odd"
        stamp = f"{m.day:%B} {m.day.day}, {m.day.year}"
        epoch = int(datetime.combine(m.day, time(9, 30), tz).timestamp())
        slug = m.title.replace(" ", "-")
        if m.clip_id is None:
            upcoming.append(
                f'<tr class="{cls}"><td class="listItem" headers="EventName">{m.title}</td>'
                f'<td class="listItem" headers="EventDate {slug}">{stamp} - 09:30 AM</td>'
                f'<td class="listItem"><a href="//bhamal.granicus.com/AgendaViewer.php?'
                f'view_id=2&amp;event_id={m.event_id}" target="_blank">Agenda</a></td>'
                f'<td class="listItem" headers="EventLink {slug}">&nbsp;</td></tr>'
            )
            continue
        minutes = (
            f'<a href="//bhamal.granicus.com/MinutesViewer.php?view_id=2&amp;clip_id={m.clip_id}"'
            ' target="_blank">Minutes</a>'
            if m.minutes
            else "&nbsp;"
        )
        archive.append(
            f'<tr class="{cls}"><td class="listItem" headers="Name">{m.title}</td>'
            f'<td class="listItem" headers="Date {slug}"><span style="display:none;">{epoch}'
            f"</span>{stamp}</td>"
            f'<td class="listItem" headers="Duration {slug}">01h 27m</td>'
            f'<td class="listItem" headers="Agenda {slug}"><a href="//bhamal.granicus.com/'
            f'AgendaViewer.php?view_id=2&amp;clip_id={m.clip_id}" target="_blank">Agenda</a></td>'
            f'<td class="listItem" headers="Minutes {slug}">{minutes}</td>'
            f'<td class="listItem" headers="VideoLink {slug}"><a href="javascript:void(0);" '
            f"onclick=\"window.open('//bhamal.granicus.com/MediaPlayer.php?view_id=2&amp;"
            f"clip_id={m.clip_id}','player')\">Video</a></td></tr>"
        )
    return (
        "<html><body><div id='content'>"
        '<table id="upcoming" class="listingTable"><tbody>' + "".join(upcoming) + "</tbody></table>"
        '<table id="archive" class="listingTable"><tbody>' + "".join(archive) + "</tbody></table>"
        "</div></body></html>"
    )


class GranicusSite:
    """Handlers for pytest-httpserver; `documents` maps (kind, id_name, id) to bytes."""

    def __init__(self, httpserver, listing: str) -> None:
        self.server = httpserver
        self.listing = listing
        self.documents: dict[tuple[str, str, str], bytes] = {}
        self.redirect_elsewhere: set[tuple[str, str, str]] = set()
        self.failing: dict[tuple[str, str, str], int] = {}  # document -> HTTP status it answers
        self.log: list[tuple[str, int, int]] = []  # (path?query, status, body bytes)
        self.file_delay = 0.0  # seconds before each document body: lets a test kill mid-scrape
        self.robots = "User-agent: *\nDisallow: /DownloadFile.php\n"
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def add(self, kind: str, id_name: str, id_value: object, data: bytes) -> None:
        self.documents[(kind, id_name, str(id_value))] = data

    def add_meeting(self, m: Meeting) -> None:
        ids = ("clip_id", m.clip_id) if m.clip_id else ("event_id", m.event_id)
        self.add("agenda", *ids, pdf_of(agenda_lines(m.day, m.items)))
        if m.minutes:
            votes = [(n, "adopted") for n in range(1, len(m.items) + 1)]
            self.add("minutes", *ids, pdf_of(minutes_lines(m.day, votes)))

    def requests_to(self, pattern: str) -> list[tuple[str, int, int]]:
        return [entry for entry in self.log if re.search(pattern, entry[0])]

    def handle(self, request: Request) -> Response:
        response = self._answer(request)
        length = 0 if response.status_code == 304 else len(response.get_data())
        target = request.path + (
            "?" + request.query_string.decode() if request.query_string else ""
        )
        self.log.append((target, response.status_code, length))
        return response

    def _answer(self, request: Request) -> Response:
        path = request.path
        if path == "/robots.txt":
            return Response(self.robots, mimetype="text/plain")
        if path == "/ViewPublisher.php":
            return Response(self.listing, mimetype="text/html")
        viewers = {"/AgendaViewer.php": "agenda", "/MinutesViewer.php": "minutes"}
        if path in viewers:
            for id_name in ("clip_id", "event_id"):
                key = (viewers[path], id_name, request.args.get(id_name, ""))
                if key in self.failing:
                    return Response("Server error", status=self.failing[key])
                if key in self.redirect_elsewhere:
                    return Response(
                        status=302, headers={"Location": "http://198.51.100.7/bhamal_elsewhere.pdf"}
                    )
                if key in self.documents:
                    digest = hashlib.md5(self.documents[key]).hexdigest()
                    return Response(status=302, headers={"Location": f"/files/bhamal_{digest}.pdf"})
            return Response("<html><body>No agenda</body></html>", status=404, mimetype="text/html")
        if path.startswith("/files/bhamal_"):
            time_module.sleep(self.file_delay)
            digest = path.removeprefix("/files/bhamal_").removesuffix(".pdf")
            for data in self.documents.values():
                if hashlib.md5(data).hexdigest() == digest:
                    etag = f'"{digest}"'
                    if request.headers.get("If-None-Match") == etag:
                        return Response(status=304, headers={"ETag": etag})
                    return Response(data, mimetype="application/pdf", headers={"ETag": etag})
        return Response("not found", status=404)


# The committed publisher page, and the documents its rows link to.
LISTING = (FIXTURES / "granicus" / "publisher.html").read_text()
AGENDA_IDS = [("event_id", 1231), ("event_id", 1234)] + [
    ("clip_id", c) for c in (3456, 3449, 3446, 3440, 3433, 3432, 3405, 3398, 3391)
]
MINUTES_IDS = [("clip_id", c) for c in (3440, 3432, 3405, 3398, 3391)]
ITEMS = [
    (
        "CONSENT",
        "A Resolution determining that the grass and weeds growing upon 1216 Tenth "
        "Avenue West are a public nuisance. (Submitted by the Mayor) **",
    ),
    (
        "",
        "A Resolution authorizing the Mayor to execute an agreement with Alabama Language "
        "Services, LLC to provide Spanish interpretation services for City Council meetings. "
        "(Submitted by Councilor Tate, Chair, Public Safety Committee) **",
    ),
    (
        "P(ph)",
        "An Ordinance amending the General Code to regulate mobile food vendors. "
        "(Submitted by the Mayor) **",
    ),
]


def agenda_pdf(clip: int, items=ITEMS) -> bytes:
    """A distinct agenda per meeting (the date differs), in the council's layout."""
    return pdf_of(agenda_lines(date(2026, 1, 1) + timedelta(days=clip % 300), items))


def fixture_site(httpserver) -> GranicusSite:
    """The committed publisher page with an agenda (and minutes where listed) per meeting."""
    site = GranicusSite(httpserver, LISTING)
    for id_name, value in AGENDA_IDS:
        site.add("agenda", id_name, value, agenda_pdf(value))
    for id_name, value in MINUTES_IDS:
        votes = [(1, "adopted"), (2, "adopted"), (3, "tabled")]
        site.add("minutes", id_name, value, pdf_of(minutes_lines(date(2026, 5, 1), votes)))
    return site
