"""A fake birminghamalcitycouncil.org for tests: a real HTTP server on 127.0.0.1.

It serves the hand-written pages of tests/fixtures/wordpress/site/ (a URL's path is the file's),
the REST API's JSON paged the way WordPress pages it (`?page=&per_page=`, X-WP-Total and
X-WP-TotalPages; The Events Calendar's `total_pages` in the body), or no REST API at all (404, or
the front page for every /wp-json/ URL), PDFs in the council's layout under /wp-content/uploads/,
ETags and 304s, and robots.txt. It counts what it was asked, so tests can prove what a scrape
downloads.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from tests.granicus_site import RELEVANT, ROUTINE, agenda_lines, minutes_lines, pdf_of

FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"
SITE = FIXTURES / "site"
CANONICAL = "https://www.birminghamalcitycouncil.org"
UPLOADS = "/wp-content/uploads"

# Every PDF the fixture pages link to: (kind, the meeting's day).
PDFS = {
    "2021/02/Council-Agenda-02.16.2021.pdf": ("agenda", date(2021, 2, 16)),
    "2021/05/Council-Minutes-02.16.2021.pdf": ("minutes", date(2021, 2, 16)),
    "2021/02/Public-Safety-Committee-Agenda-02.16.2021.pdf": ("agenda", date(2021, 2, 16)),
    "2021/01/Council-Agenda-01.19.2021.pdf": ("agenda", date(2021, 1, 19)),
    "2021/04/Council-Minutes-01.19.2021.pdf": ("minutes", date(2021, 1, 19)),
    "2020/02/Council-Agenda-2-18-2020.pdf": ("agenda", date(2020, 2, 18)),
    "2020/02/Public-Safety-Agenda-2-17-2020.pdf": ("agenda", date(2020, 2, 17)),
    "2018/11/Agenda-11-27-18.pdf": ("agenda", date(2018, 11, 27)),
    "2019/02/Minutes-11-27-18.pdf": ("minutes", date(2018, 11, 27)),
    "2017/09/Agenda-9-19-2017.pdf": ("agenda", date(2017, 9, 19)),
    "2016/10/PS-Agenda-10-25-16.pdf": ("agenda", date(2016, 10, 25)),
    "2016/10/PS-Agenda-10-11-16.pdf": ("agenda", date(2016, 10, 11)),
    "2016/09/PS-Agenda-9-27-16.pdf": ("agenda", date(2016, 9, 27)),
    "2016/10/PS-Minutes-10-11-16.pdf": ("minutes", date(2016, 10, 11)),
    "2016/09/PS-Minutes-9-27-16.pdf": ("minutes", date(2016, 9, 27)),
}
PRESS_RELEASES = (
    "/2021/02/16/council-approves-spanish-interpretation-services-for-council-meetings/",
    "/2019/06/25/council-adopts-fiscal-year-2020-operating-budget/",
    "/2017/02/02/birmingham-city-councilors-approve-sanctuary-city-resolution/",
)
MEETING_PAGES = (  # the meeting posts (2021) and event pages (2017–2020) a first scrape reads
    "/meeting/budget-finance-committee-meeting-03-02-2021/",
    "/meeting/virtual-birmingham-city-council-meeting-02-16-2021/",
    "/meeting/public-safety-committee-meeting-02-16-2021/",
    "/meeting/cancelled-joint-transportation-and-special-called-committee-of-the-whole-meeting-02-10-2021/",
    "/meeting/canceled-birmingham-city-council-meeting-01-26-2021/",
    "/meeting/virtual-birmingham-city-council-meeting-01-19-2021/",
    "/event/birmingham-city-council-meeting-112/",
    "/event/public-safety-committee-meeting-2/",
    "/event/birmingham-city-council-meeting-38/",
    "/events/birmingham-city-council-meeting-september-19-2017/",
    "/events/committee-of-the-whole-meeting/",
)
MEETINGS = 14  # 6 meeting posts, 5 events (a holiday is none), 3 committee dates
DOCUMENTS = len(PDFS) + len(PRESS_RELEASES)
REST_ROUTES = {
    "/wp-json/wp/v2/posts": "wp-json/wp/v2/posts.json",
    "/wp-json/wp/v2/categories": "wp-json/wp/v2/categories.json",
    "/wp-json/wp/v2/meetings": "wp-json/wp/v2/meetings.json",
    "/wp-json/tribe/events/v1/events": "wp-json/tribe/events/v1/events.json",
}
UPCOMING_PAGE = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8"><title>{title}</title></head>
<body class="meeting-template-default single single-meeting postid-9999">
<div id="primary" class="content-area"><main id="main" class="site-main" role="main">
<article id="post-9999" class="post-9999 meeting type-meeting status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{title}</h1></header>
<div class="entry-content">{content}</div>
</article></main></div></body></html>
"""


def agenda_pdf(day: date, items=None) -> bytes:
    return pdf_of(agenda_lines(day, items or [*ROUTINE, RELEVANT]))


def minutes_pdf(day: date) -> bytes:
    return pdf_of(minutes_lines(day, [(1, "adopted"), (2, "adopted"), (3, "adopted")]))


class WordPressSite:
    """Handlers for a pytest-httpserver; `rest` is "on", "404" (no API) or "html" (every
    /wp-json/ URL answers the front page, as a theme without the API does)."""

    def __init__(self, server: HTTPServer, rest: str = "on") -> None:
        self.server = server
        self.rest = rest
        self.robots = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        self.pages: dict[str, str] = {}  # a path's text instead of its fixture file
        self.documents = {f"{UPLOADS}/{p}": self._pdf(k, d) for p, (k, d) in PDFS.items()}
        self.failing: dict[str, int] = {}  # path -> HTTP status it answers
        self.paging_headers = True  # False: no X-WP-Total(Pages) (a proxy that drops them)
        self.upcoming: date | None = None  # a council meeting to come, with an agenda
        self.log: list[tuple[str, int, int]] = []  # (path?query, status, body bytes)
        self.user_agents: set[str] = set()
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def requests_to(self, pattern: str) -> list[tuple[str, int, int]]:
        return [entry for entry in self.log if re.search(pattern, entry[0])]

    def use(self, path: str, text: str) -> None:
        """Serve `text` (with the canonical address, like the fixture files) at `path`."""
        self.pages[path] = text

    @staticmethod
    def _pdf(kind: str, day: date) -> bytes:
        return agenda_pdf(day) if kind == "agenda" else minutes_pdf(day)

    # --- answers ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        response = self._answer(request)
        length = 0 if response.status_code == 304 else len(response.get_data())
        query = request.query_string.decode()
        target = request.path + (f"?{query}" if query else "")
        self.log.append((target, response.status_code, length))
        self.user_agents.add(request.headers.get("User-Agent", ""))
        return response

    def _answer(self, request: Request) -> Response:
        path = request.path
        if path in self.failing:
            return Response("Server error", status=self.failing[path])
        if path == "/robots.txt":
            return Response(self.robots, mimetype="text/plain")
        if path.startswith("/wp-json/"):
            return self._rest(request)
        if path in self.documents:
            return self._with_etag(request, self.documents[path], "application/pdf")
        if self.upcoming and path == self._upcoming_path():
            return self._html(request, self._upcoming_page())
        text = self.pages.get(path) or self._file(path, request.args)
        if text is None:
            return Response(
                self._local((FIXTURES / "404.html").read_text()), status=404, mimetype="text/html"
            )
        if self.upcoming and path == "/meeting_type/council/":
            text = text.replace(
                '<main id="main" class="site-main" role="main">',
                '<main id="main" class="site-main" role="main">' + self._upcoming_entry(),
                1,
            )
        return self._html(request, self._local(text))

    def _file(self, path: str, args) -> str | None:
        folder = SITE / path.strip("/")
        if args.get("tribe_paged", "1") != "1":
            candidate = folder / f"tribe_paged={args['tribe_paged']}.html"
        else:
            candidate = folder / "index.html" if path.endswith("/") or path == "" else folder
        if not candidate.resolve().is_relative_to(SITE) or not candidate.is_file():
            return None
        text = candidate.read_text(encoding="utf-8")
        # The fixture's note on where the page comes from is ours, not the site's.
        if text.startswith("<!--") and "<!DOCTYPE" in text:
            text = text[text.index("<!DOCTYPE") :]
        return text

    def _html(self, request: Request, text: str) -> Response:
        return self._with_etag(request, text.encode(), "text/html; charset=UTF-8")

    @staticmethod
    def _with_etag(request: Request, data: bytes, mimetype: str) -> Response:
        etag = f'"{hashlib.md5(data).hexdigest()}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(data, content_type=mimetype, headers={"ETag": etag})

    def _local(self, text: str) -> str:
        """The fixture's canonical links, on this server (as WordPress prints its siteurl)."""
        return text.replace(CANONICAL, self.base_url).replace(
            CANONICAL.replace("/", "\\/"), self.base_url.replace("/", "\\/")
        )

    # --- the REST API --------------------------------------------------------------------------

    def _rest(self, request: Request) -> Response:
        if self.rest == "html":
            return self._html(request, self._local((SITE / "index.html").read_text()))
        route = REST_ROUTES.get(request.path.rstrip("/"))
        if self.rest != "on" or route is None:
            body = {
                "code": "rest_no_route",
                "message": "No route was found matching the URL and request method.",
                "data": {"status": 404},
            }
            return Response(json.dumps(body), status=404, mimetype="application/json")
        items = json.loads(self._local((SITE / route).read_text()))
        if request.path.endswith("/meetings") and self.upcoming:
            items.insert(0, self._upcoming_item())
        args = request.args
        if "slug" in args:
            items = [i for i in items if i.get("slug") == args["slug"]]
        if "categories" in args:
            wanted = {int(c) for c in args["categories"].split(",")}
            items = [i for i in items if wanted & set(i.get("categories", []))]
        tribe = "/tribe/" in request.path
        per_page = int(args.get("per_page", 10 if not tribe else 50))
        page = int(args.get("page", 1))
        pages = max(1, math.ceil(len(items) / per_page))
        if page > pages:
            body = {
                "code": "rest_post_invalid_page_number",
                "message": "The page number "
                "requested is larger than the number of pages available.",
                "data": {"status": 400},
            }
            return Response(json.dumps(body), status=400, mimetype="application/json")
        chunk = items[(page - 1) * per_page : page * per_page]
        if "_fields" in args:
            keep = set(args["_fields"].split(","))
            chunk = [{k: v for k, v in i.items() if k in keep} for i in chunk]
        headers = {}
        if tribe:
            here = f"{self.base_url}{request.path}?{urlencode(args)}"
            body: object = {
                "events": chunk,
                "rest_url": here,
                "total": len(items),
                "total_pages": pages,
            }
            if page < pages:
                body["next_rest_url"] = here.replace(f"page={page}", f"page={page + 1}")
        else:
            body = chunk
            if self.paging_headers:
                headers["X-WP-Total"] = str(len(items))
                headers["X-WP-TotalPages"] = str(pages)
        text = json.dumps(body).replace("/", "\\/")
        return Response(text, mimetype="application/json", headers=headers)

    # --- a meeting to come ---------------------------------------------------------------------

    def _upcoming_title(self) -> str:
        return f"Birmingham City Council Meeting {self.upcoming:%m.%d.%Y}"

    def _upcoming_path(self) -> str:
        return f"/meeting/birmingham-city-council-meeting-{self.upcoming:%m-%d-%Y}/"

    def _upcoming_content(self) -> str:
        pdf = f"{UPLOADS}/{self.upcoming:%Y/%m}/Council-Agenda-{self.upcoming:%m.%d.%Y}.pdf"
        self.documents.setdefault(pdf, agenda_pdf(self.upcoming))
        return f'<p><a href="{self.base_url}{pdf}">Council Agenda {self.upcoming:%m.%d.%Y}</a></p>'

    def _upcoming_entry(self) -> str:
        link = f"{self.base_url}{self._upcoming_path()}"
        return (
            '<article id="post-9999" class="post-9999 meeting type-meeting status-publish '
            f'hentry meeting_type-council"><header class="entry-header"><h2 class="entry-title">'
            f'<a href="{link}" rel="bookmark">{self._upcoming_title()}</a></h2></header>'
            f'<div class="entry-summary"><p>The Council meets. <a href="{link}" '
            'class="more-link">Read more</a></p></div></article>'
        )

    def _upcoming_page(self) -> str:
        return UPCOMING_PAGE.format(title=self._upcoming_title(), content=self._upcoming_content())

    def _upcoming_item(self) -> dict:
        return {
            "id": 9999,
            "date": f"{self.upcoming:%Y-%m-%d}T09:00:00",
            "link": f"{self.base_url}{self._upcoming_path()}",
            "title": {"rendered": self._upcoming_title()},
            "content": {"rendered": self._upcoming_content()},
            "type": "meeting",
        }


def wordpress_server():
    """A second fixture server (the `httpserver` fixture is the Granicus site's)."""
    server = HTTPServer(host="localhost", port=0)
    server.start()
    return server
