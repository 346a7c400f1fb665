"""The desk locked down, route by route as the app registers them (so a route added later is
covered without editing this file): anonymous and wrong-role requests refused, security
headers on every response, and hypothesis fuzzing of the agenda and minutes parsers and of
search (no exception, no 500)."""

from __future__ import annotations

import shutil

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import test_web_records as records
from tracker import desk_db
from tracker.agenda import parse_agenda
from tracker.config import Settings
from tracker.db import open_db
from tracker.minutes import parse_minutes
from tracker.web import create_app

scraped_dir = records.scraped_dir  # the fixture site scraped and matched once per module
PASSWORD = "correct horse battery"
# The desk's doors that need no account: signing in, and signing out (which only ends one).
OPEN_DESK_ENDPOINTS = {"desk.login", "desk.logout"}
# Routes for admins only; every other desk route is for any signed-in editor.
ADMIN_ENDPOINTS = {"desk.users"}


@pytest.fixture(scope="module")
def sec(scraped_dir, tmp_path_factory):
    """An app over a copy of the scraped site, with an editor and an admin, and sample values
    for every URL parameter the app's routes take."""
    data = tmp_path_factory.mktemp("security") / "data"
    shutil.copytree(scraped_dir, data)
    cfg = Settings(data_dir=data, request_delay=0, secret_key="security-tests", scheduler=False)
    conn = desk_db.connect(cfg.desk_db_path)
    desk_db.add_user(conn, "ed", PASSWORD, role="editor", display_name="Ed (editor)")
    desk_db.add_user(conn, "ad", PASSWORD, role="admin", display_name="Ad (admin)")
    conn.close()
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    db = open_db(cfg.db_path)
    values = {
        "commitment_id": "declare-sanctuary",
        "meeting_id": next(db.query("select id from meetings limit 1"))["id"],
        "sha256": next(db.query("select sha256 from documents limit 1"))["sha256"],
        "day": "2020-01-15",
        "filename": "style.css",
    }
    db.conn.close()
    return {"app": app, "values": values, "settings": cfg}


def url_of(rule, values: dict) -> str:
    args = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        args[name] = 1 if converter == "IntegerConverter" else values[name]
    return rule.build(args, append_unknown=False)[1]


def routes(app, prefix: str = ""):
    """(endpoint, method, path) for every registered route under `prefix`."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def signed_in(app, name: str):
    client = app.test_client()
    client.post("/desk/login", data={"name": name, "password": PASSWORD,
                                     "csrf_token": token(client)})  # fmt: skip
    return client


def token(client, path: str = "/desk/login") -> str:
    page = BeautifulSoup(client.get(path).data, "html.parser")
    return page.find("input", attrs={"name": "csrf_token"})["value"]


def counts(cfg: Settings) -> tuple:
    db = open_db(cfg.db_path)
    try:
        return (
            db["evidence"].count_where("review_state != 'candidate'"),
            db["status_events"].count,
            db["audit_log"].count,
        )
    finally:
        db.conn.close()


def test_the_desk_has_routes_to_check(sec):
    desk = {rule.endpoint for rule, _ in routes(sec["app"], "/desk")}
    # the ones on main when this was written; more are checked as they come
    assert {"desk.queue", "desk.review", "desk.status", "desk.users", "desk_tips.decide"} <= desk


def test_every_desk_route_refuses_anonymous_requests(sec):
    app, before = sec["app"], counts(sec["settings"])
    client = app.test_client()
    csrf = token(client)
    for rule, method in routes(app, "/desk"):
        if rule.endpoint in OPEN_DESK_ENDPOINTS:
            continue
        path = url_of(rule, sec["values"])
        data = {"csrf_token": csrf, "decision": "accept", "note": "x", "evidence": "1",
                "stance": "supports", "status": "kept", "date": "2020-01-01"}  # fmt: skip
        response = client.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code in (302, 401), (method, path, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/desk/login"), (method, path)
    assert counts(sec["settings"]) == before


def test_an_editor_is_refused_every_admin_route_and_an_admin_is_not(sec):
    app = sec["app"]
    editor, admin = signed_in(app, "ed"), signed_in(app, "ad")
    checked = 0
    for rule, method in routes(app, "/desk"):
        if rule.endpoint not in ADMIN_ENDPOINTS:
            continue
        path = url_of(rule, sec["values"])
        kwargs = {"data": {"csrf_token": token(editor, "/desk/")}} if method == "POST" else {}
        assert editor.open(path, method=method, **kwargs).status_code == 403, path
        if method == "GET":
            assert admin.get(path).status_code == 200, path
        checked += 1
    assert checked


def test_every_editor_route_opens_for_a_signed_in_editor(sec):
    """The other side of the refusals: the desk is not refusing everyone."""
    editor = signed_in(sec["app"], "ed")
    for rule, method in routes(sec["app"], "/desk"):
        if method != "GET" or rule.endpoint in ADMIN_ENDPOINTS | OPEN_DESK_ENDPOINTS:
            continue
        if rule.arguments:
            continue  # a GET with an id (a tip's upload) answers 404 for an id that is not there
        assert editor.get(url_of(rule, sec["values"])).status_code == 200, rule.rule


def test_a_desk_post_without_its_csrf_token_is_refused(sec):
    app, before = sec["app"], counts(sec["settings"])
    editor = signed_in(app, "ed")
    for rule, method in routes(app, "/desk"):
        if method != "POST" or rule.endpoint in OPEN_DESK_ENDPOINTS:
            continue
        path = url_of(rule, sec["values"])
        response = editor.post(path, data={"decision": "accept", "note": "forged", "evidence": "1"})
        assert response.status_code == 400, path
    assert counts(sec["settings"]) == before


CSP_NEEDS = ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'")


def assert_locked(response, where: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    # an archived page is served under `sandbox` (no script, no origin); the rest under ours
    assert csp == "sandbox" or all(part in csp for part in CSP_NEEDS), (where, csp)


def test_every_page_public_or_desk_sends_the_security_headers(sec):
    app = sec["app"]
    anonymous, editor = app.test_client(), signed_in(app, "ad")
    seen = 0
    for rule, method in routes(app):
        if method != "GET":
            continue
        path = url_of(rule, sec["values"])
        for client in (anonymous, editor):
            with client.get(path) as response:
                assert_locked(response, f"{path} {response.status_code}")
                if response.mimetype == "text/html":
                    soup = BeautifulSoup(response.data, "html.parser")
                    assert not soup.select("script, style, [style]"), path
            seen += 1
    for path in ("/no-such-page", "/commitments/nothing", "/es/meetings/x", "/search?q=%22"):
        assert_locked(anonymous.get(path), path)
    forged = anonymous.post("/tips", data={"passage": "x"})  # a 400 is locked down too
    assert forged.status_code == 400
    assert_locked(forged, "400")
    assert seen > 20


# --- fuzzing: parsers and search never crash ------------------------------------------------

AGENDA_WORDS = st.sampled_from(
    ["ITEM", "1.", "12A.", "CONSENT", "**", "*", "PUBLIC HEARING", "ADDENDUM", "WITHDRAWN",
     "DEFERRED", "A Resolution", "An Ordinance", "(Submitted by", "Councilor", ")", "\n",
     "ADOPTED", "FAILED", "Ayes:", "Nays:", "Yea", "Nay", "Resolution No. 2024-17", "moved",
     "seconded", "TABLED", "REFERRED", "sanctuary", "ICE", "287(g)", "City of Birmingham",
     "January 31, 2017", "\x00", "\u202e", "<script>", "é", "  ", ":", "-", "0", "99999"]
)  # fmt: skip
PAGE = st.lists(st.one_of(AGENDA_WORDS, st.text(max_size=30)), max_size=60).map(" ".join)
PAGES = st.lists(PAGE, max_size=4)


@settings(max_examples=150, deadline=None)
@given(PAGES)
def test_the_agenda_parser_never_raises(pages):
    agenda = parse_agenda(pages)
    for item in agenda.items:
        assert 1 <= item.page <= max(len(pages), 1)


@settings(max_examples=150, deadline=None)
@given(PAGES)
def test_the_minutes_parser_never_raises(pages):
    parse_minutes(pages)


QUERY = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(['"', "*", "-", "(", ")", "NEAR", "AND", "OR", "NOT", ":", "^",
                              "'", "2024-17", "interpretation", "é", "\\", "%", "{", "}"]),
             max_size=12).map(" ".join),
)  # fmt: skip


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=QUERY, start=st.text(max_size=12), commitment=st.text(max_size=20))
def test_search_answers_any_query_without_a_500(sec, q, start, commitment):
    client = sec["app"].test_client()
    query = {"q": q, "from": start, "commitment": commitment}
    for path in ("/search", "/es/search"):
        response = client.get(path, query_string=query)
        assert response.status_code in (200, 400), (q, response.status_code)
