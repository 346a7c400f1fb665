"""Every page type in real headless Chromium, in both languages: no console errors, no serious
accessibility violations (axe-core), a keyboard-operable language switch, a correct cite box.
Screenshots are saved to test-artifacts/ (the README's two replace docs/screenshots/ only with
UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from waitress import create_server

from tests.granicus_site import ITEMS, GranicusSite, Meeting, listing_html
from tests.places import COMMITMENTS_FILE, birmingham_at
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import match_all, review
from tracker.scrape import scrape
from tracker.status import record_event
from tracker.web import create_app

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
README_SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HSI = (
    "",
    "An Ordinance authorizing the Mayor to execute a Memorandum of Understanding with the "
    "U.S. Department of Homeland Security, Homeland Security Investigations, for the "
    "cross-designation of two Birmingham Police officers as Task Force Officers. "
    "(Submitted by the Mayor) **",
)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A scraped, matched and reviewed tracker served by waitress on 127.0.0.1."""
    from pytest_httpserver import HTTPServer

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    data = tmp_path_factory.mktemp("live")
    today = date.today()
    meetings = [
        Meeting(day=today - timedelta(days=70), clip_id=101, minutes=True, items=[*ITEMS, HSI]),
        Meeting(day=today - timedelta(days=14), clip_id=102),
        Meeting(day=today + timedelta(days=5), event_id=9001),
    ]
    source = HTTPServer(host="127.0.0.1", port=0)
    source.start()
    site = GranicusSite(source, listing_html(meetings))
    for m in meetings:
        site.add_meeting(m)
    settings = Settings(
        data_dir=data,
        # a folder of its own: tests/test_browser_i18n.py builds this tracker in the same session
        jurisdiction_file=birmingham_at(tmp_path_factory.mktemp("place"), site.base_url),
        request_delay=0,
        secret_key="browser-tests",
        scheduler=False,
    )
    db = open_db(settings.db_path)
    scrape(db, settings, progress=False)
    source.stop()
    match_all(db, COMMITMENTS_FILE)
    contrary = next(
        db.query(
            "select id from evidence where kind = 'match' and stance = "
            "'contrary' and commitment_id = 'police-not-immigration-agents'"
        )
    )
    review(db, contrary["id"], "accepted", who="editor", note="The council approved the MOU.")
    with db.conn:
        record_event(
            db,
            "police-not-immigration-agents",
            "broken",
            today - timedelta(days=70),
            "Council approved cross-designation of officers with HSI.",
            who="editor",
            evidence_ids=[contrary["id"]],
        )
    doc = next(db.query("select sha256 from documents where kind = 'agenda' limit 1"))["sha256"]
    meeting = next(db.query("select id from meetings order by date limit 1"))["id"]
    db.conn.close()

    import dataclasses
    import socket

    with socket.socket() as probe:  # a free port, so the public URL (permalinks) names it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app = create_app({"SETTINGS": dataclasses.replace(settings, public_url=base)})
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {"base": base, "document": doc, "meeting": meeting}
    server.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def paths(live) -> dict[str, str]:
    return {
        "overview": "/",
        "commitment": "/commitments/police-not-immigration-agents",
        "as-of": "/commitments/declare-sanctuary/as-of/2019-06-01",
        "meetings": "/meetings",
        "meeting": f"/meetings/{live['meeting']}",
        "document": f"/documents/{live['document']}",
        "search": "/search?q=interpretation",
        "methodology": "/methodology",
        "corrections": "/corrections",
        "sources": "/sources",
        "not-found": "/commitments/nothing-here",
    }


def visit(browser, url: str, shot: Path | None = None):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(url)
    if shot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    return page, response, errors


@pytest.mark.parametrize("lang", ["", "/es"])
def test_every_page_type_loads_cleanly_and_passes_axe(live, browser, lang):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems = []
    for name, path in paths(live).items():
        shot = ARTIFACTS / f"{name}{'-es' if lang else ''}.png"
        page, response, errors = visit(browser, live["base"] + lang + path, shot)
        expected = 404 if name == "not-found" else 200
        if response.status != expected:
            problems.append(f"{name}: HTTP {response.status}")
        if page.locator("html").get_attribute("lang") != ("es" if lang else "en"):
            problems.append(f"{name}: wrong lang attribute")
        # the 404 itself is logged by Chromium as a failed resource load; nothing else may be
        real = [e for e in errors if not (name == "not-found" and "404" in e)]
        if real:
            problems.append(f"{name}: console errors {real}")
        results = axe.run(page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            problems.append(f"{name}: {serious}")
        page.close()
    assert problems == []


def test_language_switch_works_by_keyboard_and_keeps_the_page(live, browser):
    page = browser.new_page()
    page.goto(live["base"] + "/commitments/municipal-id?as_of=2019-06-01")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('hreflang')") == "es":
            break
    else:
        pytest.fail("the language link is not reachable with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == live["base"] + "/es/commitments/municipal-id?as_of=2019-06-01"
    assert page.locator("html").get_attribute("lang") == "es"
    page.close()


def test_skip_link_is_the_first_stop_and_visible_on_focus(live, browser):
    page = browser.new_page()
    page.goto(live["base"] + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    box = page.locator("a.skip-link").bounding_box()
    assert box and box["x"] >= 0
    page.close()


def test_cite_box_text_is_right_in_the_browser(live, browser):
    page = browser.new_page()
    page.goto(live["base"] + "/commitments/declare-sanctuary/as-of/2019-06-01")
    link = live["base"] + "/commitments/declare-sanctuary/as-of/2019-06-01"
    title = page.locator("h1").inner_text()
    assert page.locator("#cite-apa").input_value() == (
        "Birmingham Sanctuary Promise Tracker. (n.d.). "
        f"{title}. Retrieved June 1, 2019, from {link}"
    )
    assert page.locator("#cite-chicago").input_value().endswith(f"Accessed June 1, 2019. {link}.")
    page.close()


def test_readme_screenshots(live, browser):
    """Taken every run into test-artifacts/; the README's copies (tracked files) are replaced
    only on request, UPDATE_SCREENSHOTS=1, so that running the tests never dirties the tree."""
    update = os.environ.get("UPDATE_SCREENSHOTS") == "1"
    before = {p.name: p.read_bytes() for p in README_SHOTS.glob("*.png")}
    for name, path in (
        ("overview", "/"),
        ("commitment", "/commitments/police-not-immigration-agents"),
    ):
        shot = ARTIFACTS / f"readme-{name}.png"
        page, _response, _errors = visit(browser, live["base"] + path, shot)
        page.close()
        assert shot.stat().st_size > 10_000
        if update:
            README_SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, README_SHOTS / f"{name}.png")
    if not update:
        assert {p.name: p.read_bytes() for p in README_SHOTS.glob("*.png")} == before


def test_a_printed_commitment_page_carries_status_evidence_and_citation(live, browser):
    """Printed to PDF by Chromium and read back: what a journalist's paper copy says."""
    from tracker.extract import extract

    page = browser.new_page()
    page.goto(live["base"] + "/commitments/police-not-immigration-agents")
    pdf = page.pdf(format="Letter")
    apa = page.locator("#cite-apa").input_value()
    archived = page.locator("article.evidence .provenance a").first.get_attribute("href")
    page.close()
    text = " ".join(" ".join(extract(pdf, "application/pdf").pages).split())
    assert "Broken" in text and "Council approved cross-designation" in text
    assert "The council approved the MOU." in text  # the accepted evidence and its note
    # the archived copy's address written out in full, and the citation as text (a textarea
    # would print only the lines it shows)
    squeezed = text.replace(" ", "")
    assert (live["base"] + archived.split("?")[0]).replace(" ", "") in squeezed
    assert apa.replace(" ", "") in squeezed
