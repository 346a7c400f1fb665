"""The editors' desk in real headless Chromium, as an editor and a reader use it: sign in by
keyboard, review a candidate, publish and retract a status, and see it on the public page, on
/corrections and in the audit log; a reader's tip in Spanish accepted as evidence; script
planted in a scraped agenda, a tip and a search stays inert (no dialog, no script element);
repeated bad sign-ins are throttled. Screenshots go to test-artifacts/desk-*.png."""

from __future__ import annotations

import dataclasses
import socket
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from waitress import create_server

from tests.granicus_site import ITEMS, GranicusSite, Meeting, listing_html
from tests.places import COMMITMENTS_FILE, birmingham_at
from tests.test_browser import ARTIFACTS, CHROMIUM, FLAGS
from tracker import desk_db
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import match_all
from tracker.scrape import scrape
from tracker.web import create_app

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
# Each payload would open a dialog if it ran; the dialog handler counts any that do.
SCRIPT = '<script>alert("agenda")</script>'
IMG = '<img src=x onerror=alert("img")>'
XSS_ITEM = (
    "",
    f"A Resolution authorizing an agreement for Spanish interpretation services {SCRIPT} "
    f"{IMG} for City Council meetings. (Submitted by the Mayor) **",
)
TIP_PASSAGE = f'The city will fund interpreters "><svg onload=alert("tip")> {SCRIPT}'
COMMITMENT = "language-access"


@pytest.fixture(scope="module")
def desk_live(tmp_path_factory):
    """A scraped and matched tracker (one agenda item carries script) with two editors,
    served by waitress on 127.0.0.1."""
    from pytest_httpserver import HTTPServer

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    data = tmp_path_factory.mktemp("desk-live")
    day = date.today() - timedelta(days=30)
    meetings = [Meeting(day=day, clip_id=201, minutes=True, items=[*ITEMS, XSS_ITEM])]
    source = HTTPServer(host="127.0.0.1", port=0)
    source.start()
    site = GranicusSite(source, listing_html(meetings))
    for m in meetings:
        site.add_meeting(m)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        data_dir=data,
        jurisdiction_file=birmingham_at(data.parent / "place", site.base_url),
        request_delay=0,
        secret_key="desk-browser-tests",
        scheduler=False,
        public_url=base,
    )
    db = open_db(settings.db_path)
    scrape(db, settings, progress=False)
    source.stop()
    match_all(db, COMMITMENTS_FILE)
    planted = [
        r["id"]
        for r in db.query(
            "select id from evidence where snippet like '%<script>%' or title like '%<script>%'"
        )
    ]
    planted_sha = (
        next(db.query("select document_sha256 from evidence where id = ?", [planted[0]]))[
            "document_sha256"
        ]
        if planted
        else None
    )
    db.conn.close()
    conn = desk_db.connect(settings.desk_db_path)
    desk_db.add_user(conn, "maria", PASSWORD, role="editor", display_name="María (editor)")
    desk_db.add_user(conn, "sam", PASSWORD, role="editor", display_name="Sam (editor)")
    conn.close()
    app = create_app({"SETTINGS": dataclasses.replace(settings)})
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield {
        "base": base,
        "settings": settings,
        "planted": planted,
        "day": day,
        "planted_sha": planted_sha,
    }
    server.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


class Tab:
    """A browser page that records every dialog (there must be none) and console error."""

    def __init__(self, browser, base: str, mobile: bool = False):
        size = {"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900}
        self.context = browser.new_context(viewport=size)
        self.page = self.context.new_page()
        self.base = base
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def go(self, path: str):
        return self.page.goto(self.base + path)

    def submit(self, selector: str):
        with self.page.expect_navigation():
            self.page.click(selector)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"desk-{name}.png"), full_page=True)

    def fits(self) -> None:
        """Nothing wider than the screen (no sideways scrolling on a phone)."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        wide = self.page.evaluate(
            """w => [...document.querySelectorAll('main *')].filter(
                 e => e.getBoundingClientRect().right > w + 1).slice(0, 5).map(
                 e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)""",
            self.page.viewport_size["width"],
        )
        assert width <= self.page.viewport_size["width"], (width, wide)

    def inert(self) -> None:
        """No planted script ran, and none made it into the DOM as an element."""
        assert self.dialogs == []
        live = self.page.evaluate(
            "document.querySelectorAll('script, svg[onload], [onerror], [onload]').length"
        )
        assert live == 0

    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).inner_text()

    def close(self) -> None:
        self.context.close()


def sign_in(tab: Tab, name: str, password: str = PASSWORD, next_path: str = "/desk/"):
    tab.go("/desk/login?next=" + next_path)
    tab.page.fill("#name", name)
    tab.page.fill("#password", password)
    with tab.page.expect_navigation():
        tab.page.press("#password", "Enter")  # a keyboard is enough


def test_an_editor_reviews_publishes_and_retracts_and_the_public_sees_it(desk_live, browser):
    assert desk_live["planted"], "the matcher proposed the agenda item that carries script"
    editor = Tab(browser, desk_live["base"])
    sign_in(editor, "maria")
    assert editor.page.url.endswith("/desk/")
    editor.inert()  # the queue shows the planted item's passage, as text
    candidate = desk_live["planted"][0]
    card = editor.page.locator(f"#candidate-{candidate}")
    assert SCRIPT in card.locator("blockquote").inner_text()
    editor.shot("queue")

    # review: the editor's stance, a note in both languages
    editor.page.select_option(f"#s{candidate}", "supports")
    editor.page.fill(f"#n{candidate}", "The council contracted interpretation.")
    editor.page.fill(f"#ne{candidate}", "El concejo contrató interpretación.")
    editor.submit(f"#candidate-{candidate} button[value=accept]")
    assert "Saved." in editor.text()
    assert editor.page.locator(f"#candidate-{candidate}").count() == 0

    # publish a status resting on it, dated the day of the meeting
    editor.go("/desk/status")
    editor.page.select_option("#commitment", COMMITMENT)
    editor.page.select_option("#status", "partial")
    editor.page.fill("#date", desk_live["day"].isoformat())
    editor.page.fill("#evidence", str(candidate))
    editor.page.fill("#note", "Council meetings interpreted; no citywide policy.")
    editor.submit("main form.search-form button[type=submit]")
    assert "Published." in editor.text()
    editor.shot("status")

    reader = Tab(browser, desk_live["base"])
    reader.go(f"/commitments/{COMMITMENT}")
    status = reader.text()
    assert "Partly kept since" in status and "Council meetings interpreted" in status
    assert SCRIPT in reader.text()  # the accepted passage, quoted as text
    reader.inert()
    reader.go("/audit")
    log = reader.text()
    assert "María (editor)" in log and "Published a status" in log and "Accepted evidence" in log
    assert "maria" not in log.replace("María", "")  # never the login name
    reader.inert()

    # a wrong status is retracted, never deleted: /corrections shows both
    editor.go("/desk/status")
    event = editor.page.locator("li[id^=event-]", has_text="no citywide policy").first
    event.locator("input[name=note]").fill("The policy was never adopted; status restored.")
    with editor.page.expect_navigation():
        event.locator("button").click()
    assert "Retracted" in editor.text()
    reader.go("/corrections")
    corrections = reader.text()
    assert "Status corrected" in corrections and "never adopted" in corrections
    assert "Partly kept from" in corrections  # what the record said before, still shown
    reader.shot("corrections")
    reader.go("/audit")
    assert "Retracted a status" in reader.text()
    reader.inert()
    editor.close()
    reader.close()


def test_a_readers_tip_in_spanish_reaches_the_desk_and_stays_inert(desk_live, browser):
    reader = Tab(browser, desk_live["base"], mobile=True)  # a reader on a phone
    reader.go("/es/corrections")
    with reader.page.expect_navigation():
        reader.page.click("a[href='/es/tips']")
    assert reader.page.locator("h1").inner_text() == "Envíe un aviso a los editores"
    reader.page.fill("#tip-url", "https://example.org/interpretes.pdf")
    reader.page.fill("#tip-passage", TIP_PASSAGE)
    reader.page.fill("#tip-shows", f"Que el concejo paga intérpretes {IMG}")
    reader.page.fill("#tip-contact", "lectora@example.org")
    reader.shot("tip-form-es")
    reader.fits()
    reader.submit("form.tip-form button[type=submit]")
    assert "los editores tienen su aviso" in reader.text()
    reader.go(f"/commitments/{COMMITMENT}")
    assert "fund interpreters" not in reader.text()  # not published before review
    reader.inert()

    editor = Tab(browser, desk_live["base"], mobile=True)  # an editor on a phone, too
    sign_in(editor, "sam", next_path="/desk/tips/")
    tip = editor.page.locator("article[id^=tip-]").first
    assert TIP_PASSAGE in tip.inner_text() and "lectora@example.org" in tip.inner_text()
    editor.inert()
    editor.shot("tips")
    editor.fits()
    tip.locator("select[name=commitment]").select_option(COMMITMENT)
    tip.locator("select[name=stance]").select_option("supports")
    tip.locator("input[name=date]").fill(desk_live["day"].isoformat())
    tip.locator("input[name=note]").fill("The reader's document checks out.")
    with editor.page.expect_navigation():
        tip.locator("button[value=accept]").click()
    assert "Accepted as evidence" in editor.text()

    reader.go(f"/commitments/{COMMITMENT}")
    page = reader.text()
    assert TIP_PASSAGE in page and "lectora@example.org" not in page
    reader.inert()
    reader.go("/audit")
    assert "Accepted a reader's tip" in reader.text() and "Sam (editor)" in reader.text()
    editor.close()
    reader.close()


@pytest.mark.parametrize(
    "q", [SCRIPT, IMG, '"><svg onload=alert(1)>', "interpretation", "onerror alert"]
)
def test_script_in_a_search_stays_inert(desk_live, browser, q):
    tab = Tab(browser, desk_live["base"])
    tab.page.goto(desk_live["base"] + "/search?q=" + q.replace("#", "%23"))
    tab.inert()
    assert tab.page.locator("input#q").input_value() == q
    if q == "interpretation":  # the planted item is a hit: its highlighted snippet is text
        assert "alert(" in tab.text()
    tab.close()


def test_the_meeting_page_and_the_archived_text_keep_planted_script_inert(desk_live, browser):
    tab = Tab(browser, desk_live["base"])
    tab.go("/meetings")
    with tab.page.expect_navigation():
        tab.page.locator("main a[href^='/meetings/']").first.click()
    assert "alert(" in tab.text()
    tab.inert()
    with tab.page.expect_navigation():
        tab.page.locator("main a[href^='/documents/']").first.click()
    tab.inert()
    # the archived text with the planted passage highlighted: the highlight is text too
    tab.go(f"/documents/{desk_live['planted_sha']}?evidence={desk_live['planted'][0]}#passage")
    assert "interpretation" in tab.page.locator("mark#passage").inner_text()
    assert "alert(" in tab.text()
    tab.inert()
    tab.close()


def test_repeated_bad_sign_ins_are_throttled_in_the_browser(desk_live, browser):
    tab = Tab(browser, desk_live["base"])
    try:
        for _ in range(desk_db.MAX_FAILURES):
            sign_in(tab, "sam", "not the password at all")
            assert "Wrong name or password." in tab.text()
        sign_in(tab, "sam")  # the right password, too late
        assert "Too many failed sign-ins" in tab.text()
        assert "/desk/login" in tab.page.url  # still on the sign-in page
        tab.go("/desk/")
        assert "/desk/login" in tab.page.url
    finally:
        tab.close()
        # the lock is per address too, and every test here comes from 127.0.0.1
        conn = desk_db.connect(desk_live["settings"].desk_db_path)
        with conn:
            conn.execute("delete from login_failures")
        conn.close()


@pytest.mark.parametrize("path", ["/desk/", "/desk/status", "/desk/tips/", "/desk/evidence/new"])
def test_desk_pages_in_spanish_fit_a_phone_and_pass_axe(desk_live, browser, path):
    from axe_playwright_python.sync_playwright import Axe

    tab = Tab(browser, desk_live["base"], mobile=True)
    sign_in(tab, "sam", next_path="/es" + path)
    assert tab.page.url.endswith("/es" + path)
    assert tab.page.locator("html").get_attribute("lang") == "es"
    english = {"/desk/": "Review queue", "/desk/status": "Status changes",
               "/desk/tips/": "Readers’ tips", "/desk/evidence/new": "Add evidence"}  # fmt: skip
    assert tab.page.locator("h1").inner_text() not in ("", english[path])
    tab.shot("es-" + path.strip("/").replace("/", "-"))
    tab.fits()
    serious = [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in Axe().run(tab.page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    tab.close()


@pytest.mark.parametrize("path", ["/tips", "/es/tips"])
def test_the_tip_form_passes_axe_and_its_honeypot_is_out_of_sight(desk_live, browser, path):
    from axe_playwright_python.sync_playwright import Axe

    tab = Tab(browser, desk_live["base"], mobile=True)
    tab.go(path)
    tab.fits()
    assert not tab.page.locator("#tip-website").is_visible() or (
        tab.page.locator("#tip-website").bounding_box()["x"] < 0
    )
    for _ in range(12):  # Tab through the form: the honeypot is never a stop
        tab.page.keyboard.press("Tab")
        assert tab.page.evaluate("document.activeElement.name") != "website"
    serious = [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in Axe().run(tab.page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    tab.close()
