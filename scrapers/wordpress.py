"""Read the council's WordPress site (SOURCES.md §2): press releases, and meetings Granicus lacks.

Pure parsers, text in, records out, never raising on content: `parse_rest` (the REST API's
JSON: wp/v2 posts and post types, and The Events Calendar's tribe/events/v1), `parse_archive`
(a category, taxonomy or events-list page of any era), `parse_meeting_page` (a meeting post, or
an event page of 2017 or 2018–2020), `parse_committee_page` (2016 committee pages with dated
agenda and minutes links) and `parse_post` (a press release's own page). `WordPressSource`
knows the site's URLs and which parser reads which page; each listing is asked of the REST API
first and read as HTML when the API does not answer JSON.

A meeting's own page (or the REST item that holds the same content) gives its record the ref
`wp_path` once the meeting is over: the fetch loop then never reads that page again.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Tag

from tracker.errors import ConfigError

from .granicus import COUNCIL_BODY, slug, split_title
from .granicus import body_of as committee_of
from .source import DocumentLink, Follow, Listing, Meeting, Page

logger = logging.getLogger(__name__)

PRESS_SECTION = "press releases"
COMMITTEE_SECTION = "committee pages"
PRESS_KIND = "press-release"
WP_PER_PAGE = 100  # the most wp/v2 gives in one page
TEC_PER_PAGE = 50  # the most The Events Calendar's REST API gives
# An event whose title names none of these is not a meeting (a holiday, a town hall poster).
_MEETING_WORDS = re.compile(r"\b(meeting|council|committee|hearing|session)\b", re.IGNORECASE)
_COUNCIL_WORD = re.compile(r"\bcouncil\b", re.IGNORECASE)
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
# "September 18, 2017 4:30 pm - 4:30 pm", "February 17, 2020 @ 2:00 pm", "February 17 @ 2:00 pm";
# a year of five digits ("May 19, 99999") is no date, neither 9999 nor the default year.
_LONG_DATE = re.compile(
    r"\b(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b,?"
    r"(?:\s+(?P<year>\d{4})(?!\d)|(?!,?\s*\d{5}))"
    r"(?:\s*(?:@|at|,|-|–)?\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<ampm>[ap])\.?\s*m\b\.?)?",
    re.IGNORECASE,
)
# "02.16.2021", "02/16/21", "10-25-16" (titles and file names of the 2016–2023 pages)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")
_TITLE_DATE_END = re.compile(
    r"[\s,:;–—-]*(?:(?<!\d)\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|"
    r"[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})\s*$"
)
_PERMALINK_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/[^/]+/?$")
_POST_ID = re.compile(r"^post-(\d+)$")
_BODY_POST_ID = re.compile(r"^(?:postid|page-id)-(\d+)$")
_CANCELLED_CLASS = re.compile(r"status.*cancel", re.IGNORECASE)
_NEXT_SELECTORS = (
    "a.next.page-numbers",  # the_posts_pagination()
    ".nav-previous a",  # older posts (the_posts_navigation)
    ".tribe-events-nav-previous a",  # The Events Calendar's list, past events: further back
    "a.tribe-events-c-nav__prev",  # the same in its 2020 ("v2") views
)
_NOTHING_FOUND = re.compile(
    r"nothing (was )?found|no results|there were no|no (upcoming |past )?events", re.IGNORECASE
)
# In order of preference: the first that matches wins, wherever it is in the page (a post's
# "posted on" date is a bookmark link too, before its title).
_TITLE_LINKS = (
    ".tribe-events-calendar-list__event-title a",
    "a.tribe-event-url",
    ".entry-title a",
    "a[rel~='bookmark']",
)
_PAGE_TITLES = (
    "h1.tribe-events-single-event-title",
    ".tribe-events-single-event-title",
    "h1.entry-title",
    "article .entry-title",
)
_PAGE_CONTAINERS = (
    "#tribe-events-content",
    ".tribe-events-single",
    "article[id^='post-']",
    "article.hentry",
    "article",
    "main",
)
_MAIN_SELECTORS = ("main", "#main", "#primary", ".site-main", "#content")
_VIDEO_WORDS = re.compile(r"video|watch|youtube|mediaplayer|livestream|recording", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """What the parsers need to know of the site: where it is, and how to name what they find."""

    base_url: str
    today: date  # the local day: a meeting before it has passed
    body: str = COUNCIL_BODY  # the council's name, the same words as the other sources use
    documents: frozenset[str] = frozenset({"agenda", "minutes", PRESS_KIND})
    hosts: frozenset[str] = frozenset()  # hosts documents may come from (the site's own first)
    video_hosts: frozenset[str] = frozenset()  # hosts a video link may point at
    linked_hosts: frozenset[str] = frozenset()  # another source's hosts (Granicus)
    linked_ids: tuple[str, ...] = ()  # query parameters that name a meeting there


# --- REST ----------------------------------------------------------------------------------


def is_json(text: str) -> bool:
    """Whether a REST URL answered JSON (a site without the API answers HTML, often 200)."""
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def parse_rest(
    text: str,
    url: str,
    site: Site,
    *,
    section: str,
    headers: dict[str, str] | None = None,
    per_page: int = WP_PER_PAGE,
) -> Listing:
    """One page of a REST collection: wp/v2 posts (press releases, `section` PRESS_SECTION),
    a wp/v2 post type of meetings, or The Events Calendar's `{"events": […]}`.

    The next page comes from X-WP-TotalPages (or X-WP-Total, or the body's `total_pages`),
    else from a page that came back full.
    """
    listing = Listing()
    try:
        data = json.loads(text)
    except ValueError:
        listing.layout.append(f"layout changed? {url} did not answer JSON")
        return listing
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        items, total = data["events"], _int(data.get("total_pages"))
    elif isinstance(data, list):
        headers = headers or {}
        items, total = data, _int(headers.get("x-wp-totalpages"))
        if total is None and (count := _int(headers.get("x-wp-total"))) is not None:
            total = -(-count // per_page)
    else:
        listing.layout.append(f"layout changed? {url} answered JSON that is not a list of posts")
        return listing
    page = _int(parse_qs(urlsplit(url).query).get("page", ["1"])[0]) or 1
    if (total is not None and page < total) or (total is None and len(items) >= per_page):
        listing.follow.append(Follow(with_query(url, page=page + 1)))
    read = 0
    for item in items:
        try:
            if section == PRESS_SECTION:
                listing.documents.append(_rest_press_release(item, site))
            else:
                _rest_meeting(item, site, listing)
            read += 1
        except _Skip as skip:
            listing.skipped.append(f"REST item skipped ({skip}) at {url}")
    if items and not read:
        listing.layout.append(f"layout changed? {len(items)} items at {url}, none could be read")
    elif read:
        listing.sections.append(section)
    return listing


def parse_categories(text: str, url: str, site: Site, category: str) -> str | None:
    """The id of the category whose slug is `category`, from /wp/v2/categories; None if absent."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    for item in data:
        if isinstance(item, dict) and item.get("slug") == category and item.get("id") is not None:
            return str(item["id"])
    return None


def _rest_press_release(item: Any, site: Site) -> DocumentLink:
    if not isinstance(item, dict):
        raise _Skip("not an object")
    link = _site_url(str(item.get("link") or ""), site)
    title = _rendered(item.get("title"))
    if not link or not title:
        raise _Skip(f"post {item.get('id')!r} without a link or title")
    return DocumentLink(
        kind=PRESS_KIND,
        url=link,
        title=title,
        date=_iso_date(str(item.get("date") or "")) or _permalink_date(link),
        expect_pdf=False,
    )


def _rest_meeting(item: Any, site: Site, listing: Listing) -> None:
    """A wp/v2 post of a meeting type, or a Events Calendar event: its content is its page."""
    if not isinstance(item, dict):
        raise _Skip("not an object")
    link = _site_url(str(item.get("link") or item.get("url") or ""), site)
    title = _rendered(item.get("title"))
    if not link or not title:
        raise _Skip(f"item {item.get('id')!r} without a link or title")
    content_html = (
        _raw_rendered(item.get("content"))
        if "content" in item
        else str(item.get("description") or "")
    )
    day, time = None, None
    if item.get("start_date"):  # The Events Calendar: "2020-02-17 14:00:00", site-local
        day, time = _iso_date_time(str(item["start_date"]))
        if item.get("all_day"):
            time = None
    if day is None:
        day = title_date(title)[1]
    if not _MEETING_WORDS.search(title):
        logger.info("not a meeting: %r at %s", title, link)
        return
    if day is None:  # a post type whose titles carry no date: read its page for the date
        listing.follow.append(Follow(link, ref=("wp_path", wp_path(link, site.base_url))))
        return
    content = BeautifulSoup(content_html, "lxml")
    meeting = make_meeting(
        site,
        title=title,
        day=day,
        time=time,
        refs=_page_refs(str(item.get("id") or ""), link, day, site),
        container=content,
        page_url=link,
        cancelled_mark=False,
    )
    if meeting is not None:
        listing.meetings.append(meeting)


# --- HTML archives -------------------------------------------------------------------------


def parse_archive(html: str, url: str, site: Site, *, section: str) -> Listing:
    """A listing page: a category or taxonomy archive (`article` entries with `.entry-title`),
    or The Events Calendar's list of events, with its link to the next (older) page.

    Press releases become documents; meetings become records dated from the listing, each
    with its page to read (the documents are there).
    """
    soup = BeautifulSoup(html, "lxml")
    listing = Listing()
    entries = _entries(soup)
    for link in _next_links(soup, url, site):
        listing.follow.append(Follow(link))
    read = 0
    for entry in entries:
        try:
            if section == PRESS_SECTION:
                listing.documents.append(_archive_press_release(entry, url, site))
            else:
                _archive_meeting(entry, url, site, listing)
            read += 1
        except _Skip as skip:
            listing.skipped.append(f"entry skipped ({skip}): {_short(entry)!r} at {url}")
    if entries and not read:
        listing.layout.append(
            f"layout changed? {len(entries)} entries at {url}, none could be read"
        )
    elif read:
        listing.sections.append(section)
    elif not _NOTHING_FOUND.search(_text(soup.body or soup)):
        listing.layout.append(f"layout changed? no posts or events found at {url}")
    return listing


def _entries(soup: BeautifulSoup) -> list[Tag]:
    """The posts of an archive page in order, whichever template printed them (in the page's
    main part: a sidebar's widgets are no entries)."""
    root = _first(soup, _MAIN_SELECTORS) or soup
    found = root.select(
        "article.tribe-events-calendar-list__event, div.type-tribe_events, "
        "article[id^='post-'], article.post, article.hentry"
    )
    # An events list nests the post's <article> inside its own wrapper: keep the outermost.
    ids = {id(e) for e in found}
    return [e for e in found if not any(id(p) in ids for p in e.parents)]


def _entry_link(entry: Tag, page_url: str, site: Site) -> tuple[str, str]:
    anchor = _first(entry, _TITLE_LINKS)
    if anchor is None or not anchor.get("href"):
        raise _Skip("no title link")
    title = _text(anchor)
    link = _site_url(urljoin(page_url, str(anchor["href"])), site)
    if not title or not link:
        raise _Skip("no title, or a link off the site")
    return title, link


def _entry_date(entry: Tag) -> tuple[date | None, str | None]:
    """The date (and time) an entry shows: an ISO `datetime`/`title`, else the text."""
    start = entry.select_one(".tribe-event-date-start")
    if start is not None:
        year = None
        separator = entry.find_previous(class_="tribe-events-list-separator-month")
        if separator is not None and (found := re.search(r"\b(\d{4})\b", _text(separator))):
            year = int(found[1])
        parsed = long_date(_text(start), default_year=year)
        if parsed:
            return parsed
    for tag in entry.select("time[datetime], abbr.dtstart[title], .dtstart[title]"):
        value = str(tag.get("datetime") or tag.get("title") or "")
        day, time = _iso_date_time(value)
        if day:
            return day, time if "tribe" in " ".join(tag.get("class") or []) else None
    return None, None


def _archive_press_release(entry: Tag, page_url: str, site: Site) -> DocumentLink:
    title, link = _entry_link(entry, page_url, site)
    day = _entry_date(entry)[0] or _permalink_date(link)
    return DocumentLink(kind=PRESS_KIND, url=link, title=title, date=day, expect_pdf=False)


def _archive_meeting(entry: Tag, page_url: str, site: Site, listing: Listing) -> None:
    title, link = _entry_link(entry, page_url, site)
    if not _MEETING_WORDS.search(title):
        logger.info("not a meeting: %r at %s", title, page_url)
        return
    day, time = _entry_date(entry)
    if "tribe" not in " ".join(entry.get("class") or []):
        day, time = title_date(title)[1], None  # a post's own date is its publication's
    path = wp_path(link, site.base_url)
    listing.follow.append(Follow(link, ref=("wp_path", path), date=day))
    if day is None:
        return  # only its page can say when it is
    post_id = _post_id(entry)
    meeting = make_meeting(
        site,
        title=title,
        day=day,
        time=time,
        refs={"wp_id": post_id} if post_id else {},
        container=None,
        page_url=link,
        cancelled_mark=_cancelled_mark(entry),
    )
    if meeting is not None:
        listing.meetings.append(meeting)


def _next_links(soup: BeautifulSoup, page_url: str, site: Site) -> list[str]:
    links = []
    candidates = [str(a.get("href") or "") for a in soup.select(", ".join(_NEXT_SELECTORS))]
    candidates += [str(link.get("href") or "") for link in soup.select("link[rel~='next']")]
    for href in candidates:
        url = _site_url(urljoin(page_url, href), site) if href else None
        if url and url != page_url and url not in links:
            links.append(url)
    return links


# --- single pages -------------------------------------------------------------------------


def parse_meeting_page(html: str, url: str, site: Site) -> Listing:
    """A meeting's own page: a 2021–2023 meeting post ("… Meeting 02.16.2021"), or an event of
    The Events Calendar (2017 `/events/<slug>/`, "September 18, 2017 4:30 pm - 4:30 pm";
    2018–2020 `/event/<slug>-<n>/`, "February 17, 2020 @ 2:00 pm"). Its agenda and minutes
    links, its video, and any link to the same meeting on another source."""
    soup = BeautifulSoup(html, "lxml")
    listing = Listing()
    heading = _first(soup, _PAGE_TITLES)
    container = _first(soup, _PAGE_CONTAINERS)
    if heading is None or container is None:
        listing.layout.append(f"layout changed? no title or content at {url}")
        return listing
    title = _text(heading)
    day, time = _event_schedule(container)
    if day is None:
        day = title_date(title)[1]
    if day is None:
        listing.skipped.append(f"meeting page without a date ({title!r}) at {url}")
        return listing
    meeting = make_meeting(
        site,
        title=title,
        day=day,
        time=time,
        refs=_page_refs(_page_post_id(soup), url, day, site),
        container=container,
        page_url=url,
        cancelled_mark=_cancelled_mark(container),
    )
    if meeting is not None:
        listing.meetings.append(meeting)
    return listing


def _event_schedule(container: Tag) -> tuple[date | None, str | None]:
    """The Events Calendar's schedule line (date and start time), else its machine date; only
    in the event's own part of the page (a sidebar's "upcoming events" has dates too)."""
    schedule = container.select_one(".tribe-events-schedule, .tribe-event-date-start")
    start = container.select_one(".tribe-events-abbr.tribe-events-start-date, abbr.dtstart")
    iso = _iso_date(str(start.get("title") or "")) if start is not None else None
    if schedule is not None:
        parsed = long_date(_text(schedule), default_year=iso.year if iso else None)
        if parsed and (iso is None or parsed[0] == iso):
            return parsed
    return iso, None


def parse_committee_page(html: str, url: str, site: Site) -> Listing:
    """A 2016 committee page (`/meetings/committees-agendas/<committee>/`): "Meeting Day &
    Time", "MEMBERS", then "AGENDAS – VIEW ALL" and "MINUTES – VIEW ALL" over dated links.

    Each date becomes a meeting of the committee with the agenda and minutes of that date; the
    "VIEW ALL" pages are read too.
    """
    soup = BeautifulSoup(html, "lxml")
    listing = Listing()
    heading = soup.select_one("h1.entry-title, article .entry-title, h1")
    content = soup.select_one(".entry-content") or soup.select_one("article")
    if heading is None or content is None:
        listing.layout.append(f"layout changed? no title or content at {url}")
        return listing
    committee = committee_of(_text(heading), site.body)
    section: str | None = None
    found_sections = False
    by_day: dict[date, dict[str, str]] = {}
    for tag in content.find_all(True):
        if _is_heading(tag):
            words = _text(tag).upper()
            if "MINUTES" in words or "AGENDA" in words:
                section = "minutes" if "MINUTES" in words else "agenda"
                found_sections = True
            elif "MEMBERS" in words or "MEETING DAY" in words:
                section = None  # a subheading ("October 2016") keeps the section it is in
            for anchor in tag.find_all("a", href=True):  # "VIEW ALL"
                more = _site_url(urljoin(url, str(anchor["href"])), site)
                if more and more != url and not _is_pdf(more):
                    listing.follow.append(Follow(more))
            continue
        if tag.name != "a" or section is None or _inside_heading(tag) or not tag.get("href"):
            continue
        link = _document_url(urljoin(url, str(tag["href"])), site)
        if link is None:
            continue
        day = _link_date(_text(tag), link)
        if day is None:
            listing.skipped.append(f"{section} link without a date ({_text(tag)!r}) at {url}")
            continue
        by_day.setdefault(day, {}).setdefault(section, link)
    if not found_sections:
        listing.layout.append(f"layout changed? no AGENDAS or MINUTES section at {url}")
        return listing
    listing.sections.append(COMMITTEE_SECTION)
    for day, links in sorted(by_day.items()):
        documents = tuple(
            DocumentLink(kind=kind, url=links[kind])
            for kind in ("agenda", "minutes")
            if kind in links and kind in site.documents
        )
        listing.meetings.append(
            Meeting(
                key=f"{day.isoformat()}-{slug(committee)}",
                title=committee,
                name=committee,
                body=committee,
                date=day,
                time=None,
                status=_status(day, site, documents, cancelled=False),
                # The committee's page and its "VIEW ALL" pages list the same meetings.
                refs={"wp_committee_day": f"{slug(committee)}#{day.isoformat()}"},
                documents=documents,
            )
        )
    return listing


def parse_post(html: str, url: str, site: Site, category: str = "Press Releases") -> Listing:
    """A post's own page (`/YYYY/MM/DD/slug/`): a press release when its category (the first
    line of the page) is `category`."""
    soup = BeautifulSoup(html, "lxml")
    listing = Listing()
    heading = soup.select_one("h1.entry-title, article .entry-title")
    if heading is None:
        listing.layout.append(f"layout changed? no post title at {url}")
        return listing
    categories = {_text(a).casefold() for a in soup.select(".cat-links a, a[rel~='category']")}
    classes = " ".join(soup.select_one("article").get("class") or []) if soup.article else ""
    if category.casefold() in categories or f"category-{slug(category)}" in classes:
        time_tag = soup.select_one("time.entry-date[datetime], time[datetime]")
        day = _iso_date(str(time_tag["datetime"])) if time_tag is not None else None
        listing.documents.append(
            DocumentLink(
                kind=PRESS_KIND,
                url=url,
                title=_text(heading),
                date=day or _permalink_date(url),
                expect_pdf=False,
            )
        )
        listing.sections.append(PRESS_SECTION)
    else:
        logger.info("post %s is not in %s: not a press release", url, category)
    return listing


# --- records ------------------------------------------------------------------------------


def make_meeting(
    site: Site,
    *,
    title: str,
    day: date,
    time: str | None,
    refs: dict[str, str],
    container: Tag | None,
    page_url: str,
    cancelled_mark: bool,
) -> Meeting | None:
    """A meeting record from what a page or listing says; None when the title is no meeting's."""
    title = " ".join(title.split())
    name, _, cancelled = split_title(title)
    name = title_date(name)[0] or name
    if not _MEETING_WORDS.search(name):
        logger.info("not a meeting: %r at %s", title, page_url)
        return None
    documents: tuple[DocumentLink, ...] = ()
    video, same_as = None, {}
    if container is not None:
        documents = tuple(_documents(container, page_url, site))
        video = _video(container, page_url, site)
        same_as = _same_as(container, page_url, site)
    cancelled = cancelled or cancelled_mark
    return Meeting(
        key=f"{day.isoformat()}-{slug(name)}",
        title=title,
        name=name,
        body=body_of(name, site.body),
        date=day,
        time=time,
        status=_status(day, site, documents, cancelled=cancelled),
        refs=refs,
        same_as=same_as,
        documents=documents,
        video_url=video,
    )


def body_of(name: str, council: str = COUNCIL_BODY) -> str:
    """The committee a meeting belongs to, else the council (by the same rule as Granicus, so
    "Birmingham City Council Meeting" and "Regular City Council Meeting" are one body); an
    event that names neither is its own body, and never merges with the council's meeting."""
    committee = committee_of(name, council)
    if committee != council:
        return committee
    if _COUNCIL_WORD.search(name):
        return council
    return re.sub(r"\s+meeting$", "", name, flags=re.IGNORECASE) or name


def _status(day: date, site: Site, documents: Iterable[DocumentLink], *, cancelled: bool) -> str:
    if cancelled:
        return "cancelled"
    if day < site.today:
        return "passed"
    return "confirmed" if any(d.kind == "agenda" for d in documents) else "tentative"


def _page_refs(post_id: str, url: str, day: date, site: Site) -> dict[str, str]:
    refs = {"wp_id": post_id} if post_id else {}
    if day < site.today:  # read after the meeting: its page has nothing more to give
        refs["wp_path"] = wp_path(url, site.base_url)
    return refs


def _documents(container: Tag, page_url: str, site: Site) -> Iterable[DocumentLink]:
    """The first agenda and the first minutes PDF linked from a meeting's page (one of each
    kind per meeting: the loop keeps versions of one agenda, not two agendas)."""
    seen: dict[str, str] = {}
    for anchor in container.find_all("a", href=True):
        url = _document_url(urljoin(page_url, str(anchor["href"])), site)
        if url is None:
            continue
        words = f"{_text(anchor)} {urlsplit(url).path.rsplit('/', 1)[-1]}".lower()
        kind = "minutes" if "minute" in words else "agenda" if "agenda" in words else None
        if kind is None or kind not in site.documents:
            continue
        if kind in seen:
            if seen[kind] != url:
                logger.info("second %s link %s at %s left out", kind, url, page_url)
            continue
        seen[kind] = url
        yield DocumentLink(kind=kind, url=url)


def _video(container: Tag, page_url: str, site: Site) -> str | None:
    allowed = site.video_hosts | site.hosts
    for tag in container.find_all(["iframe", "a"]):
        raw = str(tag.get("src") or tag.get("href") or "")
        url = _http_url(urljoin(page_url, raw)) if raw else None
        if url is None or _host(url) not in allowed:
            continue
        if tag.name == "iframe" or (
            _host(url) in site.video_hosts and _VIDEO_WORDS.search(f"{_text(tag)} {url}")
        ):
            return url
    return None


def _same_as(container: Tag, page_url: str, site: Site) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in container.find_all(["a", "iframe"]):
        raw = str(tag.get("href") or tag.get("src") or "")
        url = urljoin(page_url, raw.replace("&amp;", "&")) if raw else ""
        if not url or _host(url) not in site.linked_hosts:
            continue
        for name, values in parse_qs(urlsplit(url).query).items():
            if name in site.linked_ids and values and values[0].strip():
                found.setdefault(name, values[0].strip())
    return found


# --- values -------------------------------------------------------------------------------


class _Skip(Exception):
    """An entry that cannot become a record; the message says why."""


def title_date(title: str) -> tuple[str, date | None]:
    """ "VIRTUAL Birmingham City Council Meeting 02.16.2021" -> (the name, date(2021, 2, 16))."""
    match = _TITLE_DATE_END.search(title)
    if not match:
        return title, None
    text = match.group(0)
    found = _NUMERIC_DATE.search(text)
    if found:
        day = _numeric(found)
    else:
        parsed = long_date(text)
        day = parsed[0] if parsed else None
    if day is None:
        return title, None
    return title[: match.start()].rstrip(" ,:;–—-"), day


def long_date(text: str, default_year: int | None = None) -> tuple[date, str | None] | None:
    """ "February 17, 2020 @ 2:00 pm" -> (date(2020, 2, 17), "14:00"); no time -> None."""
    for match in _LONG_DATE.finditer(text):
        word = match["month"].lower()
        month = next((i for i, m in enumerate(_MONTHS, 1) if m.startswith(word)), None)
        year = int(match["year"]) if match["year"] else default_year
        if month is None or year is None or len(word) < 3:
            continue
        try:
            day = date(year, month, int(match["day"]))
        except ValueError:
            continue
        if match["hour"] is None:
            return day, None
        hour, minute = int(match["hour"]), int(match["minute"])
        if not (1 <= hour <= 12 and minute < 60):
            return day, None
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
        return day, f"{hour:02d}:{minute:02d}"
    return None


def _numeric(match: re.Match[str]) -> date | None:
    month, day, year = int(match[1]), int(match[2]), int(match[3])
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _link_date(text: str, url: str) -> date | None:
    parsed = long_date(text)
    if parsed:
        return parsed[0]
    for value in (text, urlsplit(url).path.rsplit("/", 1)[-1]):
        if found := _NUMERIC_DATE.search(value):
            return _numeric(found)
    return None


def _iso_date_time(value: str) -> tuple[date | None, str | None]:
    match = _ISO_DATE.match(value.strip())
    if not match:
        return None, None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None, None
    if match[4] is None or (match[4], match[5]) == ("00", "00"):
        return day, None
    return day, f"{match[4]}:{match[5]}"


def _iso_date(value: str) -> date | None:
    return _iso_date_time(value)[0]


def _permalink_date(url: str) -> date | None:
    match = _PERMALINK_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _rendered(value: Any) -> str:
    """A REST title (`{"rendered": "…"}` in wp/v2, a string in The Events Calendar) as text."""
    raw = _raw_rendered(value)
    return " ".join(BeautifulSoup(raw, "lxml").get_text(" ").split()) if raw else ""


def _raw_rendered(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("rendered")
    return value if isinstance(value, str) else ""


def _first(root: Tag, selectors: Iterable[str]) -> Tag | None:
    """The first match of the first selector that matches anything."""
    return next((t for s in selectors if (t := root.select_one(s)) is not None), None)


def _text(tag: Tag | None) -> str:
    return " ".join(tag.get_text(" ").split()) if tag is not None else ""


def _short(tag: Tag) -> str:
    text = _text(tag)
    return text if len(text) <= 100 else text[:97] + "..."


def _is_heading(tag: Tag) -> bool:
    if tag.name in ("h2", "h3", "h4", "h5", "h6"):
        return True
    # "<p><strong>AGENDAS – VIEW ALL</strong></p>": a paragraph that is all bold capitals
    if tag.name == "p" and tag.find("strong") and _text(tag) == _text(tag.find("strong")):
        words = _text(tag)
        return words.isupper() and ("AGENDA" in words or "MINUTES" in words)
    return False


def _inside_heading(tag: Tag) -> bool:
    return any(_is_heading(parent) for parent in tag.parents if isinstance(parent, Tag))


def _post_id(tag: Tag) -> str | None:
    for candidate in [tag, *tag.select("[id^='post-']")]:
        match = _POST_ID.match(str(candidate.get("id") or ""))
        if match:
            return match[1]
    return None


def _page_post_id(soup: BeautifulSoup) -> str:
    for value in (soup.body.get("class") or []) if soup.body else []:
        if match := _BODY_POST_ID.match(value):
            return match[1]
    for tag in soup.select("article[id^='post-'], div[id^='post-']"):
        if match := _POST_ID.match(str(tag.get("id") or "")):
            return match[1]
    shortlink = soup.select_one("link[rel~='shortlink']")
    if shortlink is not None:
        values = parse_qs(urlsplit(str(shortlink.get("href") or "")).query).get("p")
        if values and values[0].isdigit():
            return values[0]
    return ""


def _cancelled_mark(tag: Tag) -> bool:
    """The Events Calendar's "Canceled" status label (titles say it on older pages)."""
    return any(
        _CANCELLED_CLASS.search(value)
        for t in tag.select("[class*='status']")
        for value in t.get("class") or []
    )


def wp_path(url: str, base_url: str) -> str:
    """A page's path below the site's base URL, without slashes at either end."""
    path = urlsplit(url).path
    base = urlsplit(base_url).path.rstrip("/")
    if base and path.startswith(base + "/"):
        path = path[len(base) :]
    return path.strip("/")


def with_query(url: str, **params: object) -> str:
    """`url` with these query parameters set (others kept, in order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _host(url: str) -> str:
    from .http import host_of

    try:
        return host_of(url)
    except ValueError:  # a malformed port
        return ""


def _http_url(url: str) -> str | None:
    """An http(s) URL we may publish or fetch, or None (`javascript:`, `mailto:`, tricks)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or "\\" in url or parts.username or not parts.netloc:
        return None
    return urlunsplit(parts._replace(fragment=""))


def _site_url(url: str, site: Site) -> str | None:
    """A link to the site itself, on the configured base URL (the site links to itself with
    and without `www.`, and by http as well as https); None for any other host."""
    url = _http_url(url) or ""
    if not url:
        return None
    base = urlsplit(site.base_url)
    host = _host(url)
    ours = _host(site.base_url)
    if host != ours and host.removeprefix("www.") != ours.removeprefix("www."):
        return None
    return urlunsplit(urlsplit(url)._replace(scheme=base.scheme, netloc=base.netloc))


def _document_url(url: str, site: Site) -> str | None:
    """A PDF link we may fetch: on the site, or on a host its documents live on."""
    url = _http_url(url) or ""
    if not url or not _is_pdf(url):
        return None
    return _site_url(url, site) or (url if _host(url) in site.hosts else None)


def _is_pdf(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(".pdf")


# --- the source ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingListing:
    """One listing of meetings: a REST collection and the HTML archive that says the same."""

    name: str  # the section it fills (a listing that vanishes fails the run)
    html: str | None = None  # path and query below the base URL
    rest: str | None = None
    per_page: int | None = None


@dataclass
class WordPressSource:
    """birminghamalcitycouncil.org as a source: press releases from a category, meetings from
    REST collections or archives, committee pages; each listing REST first, then HTML."""

    id: str
    name: str
    base_url: str
    tz: tzinfo
    body: str = COUNCIL_BODY
    documents: frozenset[str] = frozenset({"agenda", "minutes"})
    rest: bool = True
    per_page: int = WP_PER_PAGE
    press_category: str = "press-releases"
    press_html: str = "/category/press-releases/"
    press_name: str = "Press Releases"
    listings: tuple[MeetingListing, ...] = ()
    committees: tuple[str, ...] = ()
    extra_hosts: frozenset[str] = frozenset()
    video_hosts: frozenset[str] = frozenset()
    linked_hosts: frozenset[str] = frozenset()
    linked_ids: tuple[str, ...] = ()

    def hosts(self) -> set[str]:
        from .http import host_of

        return {host_of(self.base_url)} | set(self.extra_hosts)

    def start(self) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        if PRESS_KIND in self.documents:
            html = self._url(self.press_html)
            rest = self._url(f"/wp-json/wp/v2/categories?slug={self.press_category}")
            out.append((rest, html) if self.rest else (html,))
        for listing in self.listings:
            alternatives = []
            if self.rest and listing.rest:
                alternatives.append(self._rest_url(listing))
            if listing.html:
                alternatives.append(self._url(listing.html))
            out.append(tuple(alternatives))
        out.extend((self._url(path),) for path in self.committees)
        return out

    def parse(self, page: Page) -> Listing:
        site = self.site()
        path = "/" + wp_path(page.url, self.base_url)
        if path.startswith("/wp-json/") or "rest_route=" in page.url:
            return self._parse_rest(page, site, path)
        if any(self._under(path, c) for c in self.committees):
            return parse_committee_page(page.text, page.url, site)
        if self._under(path, self.press_html):
            return parse_archive(page.text, page.url, site, section=PRESS_SECTION)
        for listing in self.listings:
            if listing.html and self._under(path, listing.html):
                return parse_archive(page.text, page.url, site, section=listing.name)
        if _PERMALINK_DATE.search(path):
            return parse_post(page.text, page.url, site, self.press_name)
        return parse_meeting_page(page.text, page.url, site)

    def site(self) -> Site:
        """What the parsers know of the site, with today's date in the council's zone."""
        return Site(
            base_url=self.base_url,
            today=datetime.now(self.tz).date(),
            body=self.body,
            documents=self.documents,
            hosts=frozenset(self.hosts()),
            video_hosts=self.video_hosts,
            linked_hosts=self.linked_hosts,
            linked_ids=self.linked_ids,
        )

    def _parse_rest(self, page: Page, site: Site, path: str) -> Listing:
        fallback = self._html_for(path)
        if not is_json(page.text):
            # No REST API here (a theme answering every URL with a page): read the HTML.
            logger.info("%s is not JSON: reading %s instead", page.url, fallback)
            return Listing(follow=[Follow(fallback)] if fallback else [])
        if path.startswith("/wp-json/wp/v2/categories"):
            found = parse_categories(page.text, page.url, site, self.press_category)
            if found is None:
                return Listing(
                    layout=[f"layout changed? no category {self.press_category!r} at {page.url}"]
                )
            posts = self._url(
                f"/wp-json/wp/v2/posts?categories={found}&per_page={self.per_page}&page=1"
                "&_fields=id,date,link,title,categories"
            )
            return Listing(follow=[Follow(posts)])
        if path.startswith("/wp-json/wp/v2/posts"):
            return parse_rest(
                page.text,
                page.url,
                site,
                section=PRESS_SECTION,
                headers=page.headers,
                per_page=self.per_page,
            )
        listing = self._listing_of(path)
        if listing is None:
            return Listing(layout=[f"layout changed? {page.url} is no REST route of this source"])
        return parse_rest(
            page.text,
            page.url,
            site,
            section=listing.name,
            headers=page.headers,
            per_page=self._per_page(listing),
        )

    def _html_for(self, path: str) -> str | None:
        if path.startswith(("/wp-json/wp/v2/categories", "/wp-json/wp/v2/posts")):
            return self._url(self.press_html)
        listing = self._listing_of(path)
        return self._url(listing.html) if listing and listing.html else None

    def _listing_of(self, path: str) -> MeetingListing | None:
        for listing in self.listings:
            if listing.rest and path.rstrip("/") == urlsplit(listing.rest).path.rstrip("/"):
                return listing
        return None

    @staticmethod
    def _under(path: str, listing: str) -> bool:
        prefix = urlsplit(listing).path.rstrip("/")
        return path.rstrip("/") == prefix or path.startswith(prefix + "/")

    def _per_page(self, listing: MeetingListing) -> int:
        if listing.per_page:
            return listing.per_page
        tribe = "/tribe/" in (listing.rest or "")
        return min(self.per_page, TEC_PER_PAGE) if tribe else self.per_page

    def _rest_url(self, listing: MeetingListing) -> str:
        url = self._url(listing.rest or "")
        params: dict[str, object] = {"per_page": self._per_page(listing), "page": 1}
        if "/wp/v2/" in url:
            params["_fields"] = "id,date,link,title,content"
        return with_query(url, **params)

    def _url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"


def make_source(config: dict[str, Any], tz: tzinfo) -> WordPressSource:
    """The source a jurisdiction entry of kind `wordpress` describes (fields checked here)."""
    sid = config["id"]

    def bad(field_name: str, why: str) -> ConfigError:
        return ConfigError(f"source {sid}: field {field_name}: {why}")

    def strings(name: str) -> tuple[str, ...]:
        value = config.get(name) or ()
        if isinstance(value, str) or not all(isinstance(v, str) for v in value):
            raise bad(name, "expected a list of strings")
        return tuple(value)

    press = config.get("press_releases") or {}
    if not isinstance(press, dict):
        raise bad("press_releases", "expected a mapping (category, html, name)")
    category = str(press.get("category", "press-releases"))
    listings = []
    for i, entry in enumerate(config.get("meetings") or ()):
        if not isinstance(entry, dict) or not (entry.get("html") or entry.get("rest")):
            raise bad(f"meetings[{i}]", "expected a mapping with html and/or rest paths")
        listings.append(
            MeetingListing(
                name=str(entry.get("name") or entry.get("html") or entry.get("rest")),
                html=entry.get("html"),
                rest=entry.get("rest"),
                per_page=_int(entry.get("per_page")),
            )
        )
    per_page = _int(config.get("per_page", WP_PER_PAGE))
    if per_page is None or not 1 <= per_page <= WP_PER_PAGE:
        raise bad("per_page", f"expected a whole number from 1 to {WP_PER_PAGE}")
    return WordPressSource(
        id=sid,
        name=config.get("name", "WordPress"),
        base_url=config["base_url"].rstrip("/"),
        tz=tz,
        body=config.get("body", COUNCIL_BODY),
        documents=frozenset(config.get("documents") or ("agenda", "minutes", PRESS_KIND)),
        rest=bool(config.get("rest", True)),
        per_page=per_page,
        press_category=category,
        press_html=str(press.get("html") or f"/category/{category}/"),
        press_name=str(press.get("name") or "Press Releases"),
        listings=tuple(listings),
        committees=strings("committees"),
        extra_hosts=frozenset(strings("hosts")),
        video_hosts=frozenset(strings("video_hosts")),
        linked_hosts=frozenset(strings("linked_hosts")),
        linked_ids=strings("linked_ids"),
    )
