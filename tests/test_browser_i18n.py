"""Every page type as a reader sees it in Chromium: Spanish pages speak Spanish (English only where
marked lang="en"), a 390 px phone never scrolls sideways, headings never skip a level, form
controls show focus, and axe-core finds no violation at all, in either language.

Runs on the same scraped, matched and reviewed tracker as tests/test_browser.py."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from tests.test_browser import browser, live, paths  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# Words a Spanish page must not show unmarked: what our own code used to build in English.
ENGLISH = {
    "the", "and", "of", "with", "by", "on", "item", "items", "minutes", "meeting", "meetings",
    "council", "regular", "recorded", "editors", "editor's", "submitted", "recommended",
    "approved", "success", "successful", "failed", "running", "none", "unknown", "page",
    "consent", "reading", "first", "since", "status", "committee", "called", "special",
    "work", "session", "note", "kept", "stalled", "broken", "vote", "votes", "ayes", "nays",
}  # fmt: skip
# Names that stay English in any language, and text quoted as it was written.
PROPER_NAMES = (
    "The Birmingham Times",
    "Adelante Alabama Worker Center",
    "Welcoming America",
    "CC BY",  # the licence's own name
)
QUOTED = re.compile(r'"[^"]*"|\u201c[^\u201d]*\u201d|\u00ab[^\u00bb]*\u00bb')
WORD = re.compile(r"[A-Za-zÀ-ÿ']+(?:-[A-Za-zÀ-ÿ']+)*")


def get(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url) as response:  # noqa: S310 (127.0.0.1 only)
        kind = response.headers.get("content-type", "")
        body = response.read()  # downloads (the database, bundles) are not pages: not decoded
        return kind, body.decode() if "html" in kind else ""


def spanish_pages(base: str, limit: int = 60) -> dict[str, str]:
    """Crawl the Spanish site from /es/ along its own links: path -> HTML."""
    seen: dict[str, str] = {}
    todo = ["/es/", "/es/search?q=interpretation", "/es/commitments/municipal-id?as_of=2019-06-01"]
    while todo and len(seen) < limit:
        path = todo.pop(0)
        if path in seen:
            continue
        kind, html = get(base + path)
        if "html" not in kind:
            continue
        seen[path] = html
        for a in BeautifulSoup(html, "lxml").find_all("a", href=True):
            parts = urlsplit(urljoin(base + path, a["href"]))
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc != urlsplit(base).netloc or not link.startswith("/es/"):
                continue
            if "/raw" in link or "/desk" in link or "evidence=" in link or "page=" in link:
                continue
            todo.append(link)
    return seen


def unmarked_english(html: str) -> list[str]:
    """English words outside any element marked lang="en" (URLs, code, proper names and
    quotations aside)."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "code", "head"]):
        tag.decompose()
    for tag in soup.select("[lang]:not(html)"):
        if tag["lang"].startswith("en"):
            tag.decompose()
    # URLs, paths, code-like words (as_of=) and file names (meetings.csv) are not prose
    text = re.sub(
        r"\S*https?://\S+|/es/\S+|\S*[_=]\S*|\S+\.(?:csv|json|db|zip|ics|xml)\b",
        " ",
        soup.get_text(" "),
    )
    text = QUOTED.sub(" ", text)
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    found = []
    for match in WORD.finditer(text):
        if match.group().lower() in ENGLISH:
            found.append(text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " "))
    return found


def test_spanish_pages_show_no_unmarked_english(live):  # noqa: F811
    pages = spanish_pages(live["base"])
    assert len(pages) > 20  # the crawl reached every kind of page
    problems = {
        path: words[:3] for path, html in pages.items() if (words := unmarked_english(html))
    }
    assert problems == {}


def test_no_crawled_page_skips_a_heading_level(live):  # noqa: F811
    skips = {}
    for path, html in spanish_pages(live["base"]).items():
        levels = [
            int(h.name[1]) for h in BeautifulSoup(html, "lxml").find_all(re.compile("^h[1-6]$"))
        ]
        bad = [f"h{a}->h{b}" for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        if bad or levels[:1] != [1]:
            skips[path] = bad or levels[:1]
    assert skips == {}


def test_a_note_without_spanish_is_marked_english(live):  # noqa: F811
    _kind, html = get(live["base"] + "/es/commitments/police-not-immigration-agents")
    soup = BeautifulSoup(html, "lxml")
    note = soup.find(string=re.compile("Council approved cross-designation")).parent
    assert note.find_parent(lang="en") or note.get("lang") == "en"
    assert "(en inglés)" in note.find_parent("p").get_text()


@pytest.mark.parametrize("lang", ["", "/es"])
def test_no_page_scrolls_sideways_on_a_phone(live, browser, lang):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    wide = {}
    for name, path in paths(live).items():
        page.goto(live["base"] + lang + path)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
    page.close()
    assert wide == {}


def headings_skip(page) -> list[str]:
    levels = page.evaluate(
        "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
    )
    skips = [f"h{a}->h{b}" for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    if not levels or levels[0] != 1:
        skips.insert(0, "no h1 first")
    return skips


@pytest.mark.parametrize("lang", ["", "/es"])
def test_axe_finds_no_violation_and_headings_never_skip(live, browser, lang):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems = {}
    for viewport in (DESKTOP, PHONE):
        page = browser.new_page(viewport=viewport)
        for name, path in paths(live).items():
            page.goto(live["base"] + lang + path)
            found = [
                f"{v['id']}: {v['nodes'][0]['target']}"
                for v in axe.run(page).response["violations"]
            ]
            found += headings_skip(page)
            if found:
                problems[f"{name}@{viewport['width']}"] = found
        page.close()
    assert problems == {}


def test_form_controls_show_focus(live, browser):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live["base"] + "/search?q=interpretation")
    page.focus("#q")
    page.keyboard.press("Tab")  # keyboard focus, as :focus-visible wants it
    styles = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; })()"
    )
    page.close()
    assert styles[0] in ("INPUT", "SELECT", "BUTTON")
    assert styles[1] == "solid" and float(styles[2].rstrip("px")) >= 2


def test_phone_overview_shows_statuses_first_and_a_readable_chart(live, browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    page.goto(live["base"] + "/es/")
    first = page.locator(".status-list .status").first
    box = first.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"]
    promises = page.locator("#promises-heading").bounding_box()["y"]
    for later in page.locator("#summary-heading, #next-heading").all():
        assert promises < later.bounding_box()["y"]  # the chart and the agenda come after
    # the chart's text as drawn: its font size times the scale the phone draws the SVG at
    drawn = page.evaluate(
        "(() => { const svg = document.querySelector('.chart svg');"
        " const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;"
        " return [...svg.querySelectorAll('text')]"
        ".map(t => parseFloat(getComputedStyle(t).fontSize) * scale); })()"
    )
    assert drawn and min(drawn) >= 14
    # stacked rows keep their labels
    label = page.evaluate(
        "getComputedStyle(document.querySelector('table.commitments td[data-label]'),"
        " '::before').content"
    )
    assert "Hecha por" in label
    page.close()


def test_unreviewed_activity_is_folded_and_opens_without_javascript(live, browser):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live["base"] + "/")
    links = [a.get_attribute("href") for a in page.locator("table.commitments th a").all()]
    for link in ["/commitments/language-access", *links]:  # one with unreviewed activity
        page.goto(live["base"] + link)
        if page.locator(".unreviewed article").count():
            break
    card = page.locator(".unreviewed article").first
    assert not card.is_visible()
    page.locator(".unreviewed summary").click()
    assert card.is_visible()
    page.goto(live["base"] + f"/meetings/{live['meeting']}")
    votes = page.locator(".vote-box details dl.vote").first
    assert not votes.is_visible()
    page.locator(".vote-box summary").first.click()
    assert votes.is_visible()
    context.close()


@pytest.mark.parametrize("lang", ["", "/es"])
def test_a_phone_sees_every_promise_status_in_its_first_screen(live, browser, lang):  # noqa: F811
    """Issue 14: an activist opening the overview on a 390x844 phone reads all 15 statuses
    without scrolling; each line links to its promise. A desktop keeps the full table."""
    page = browser.new_page(viewport=PHONE)
    page.goto(live["base"] + lang + "/")
    badges = page.locator(".status-list .status")
    assert badges.count() == 15
    below = []
    for i in range(badges.count()):
        badge = badges.nth(i)
        box = badge.bounding_box()
        if not badge.is_visible() or not box or box["y"] + box["height"] > PHONE["height"]:
            below.append(i)
    assert below == []
    assert page.evaluate("window.scrollY") == 0
    links = page.locator(".status-list a")
    table_links = page.locator("table.commitments tbody th a")
    assert [a.get_attribute("href") for a in links.all()] == [
        a.get_attribute("href") for a in table_links.all()
    ]
    page.close()
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live["base"] + lang + "/")
    assert not page.locator(".status-list").is_visible()
    assert page.locator("table.commitments thead").is_visible()
    assert page.locator("table.commitments tbody .status").first.is_visible()
    assert page.locator("table.commitments tbody tr").count() == 15
    page.close()
