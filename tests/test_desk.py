"""The editors' desk over the Flask test client: who may use it, CSRF, throttled logins, no open
redirect, and the review / status / retraction flow as an editor sees it."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from tests.places import COMMITMENTS_FILE
from tracker import desk_db
from tracker.cli import main
from tracker.config import Settings
from tracker.errors import ConfigError
from tracker.evidence import match_all
from tracker.scrape import scrape
from tracker.web import create_app

PASSWORD = "correct horse battery"
ADMIN_PASSWORD = "another long passphrase"
# (method, path) of every desk route but the login page; ids that exist or not, all refused.
DESK_ROUTES = [
    ("GET", "/desk/"),
    ("GET", "/desk/status"),
    ("GET", "/desk/users"),
    ("POST", "/desk/status"),
    ("POST", "/desk/evidence/1/review"),
    ("POST", "/desk/reject-many"),
    ("POST", "/desk/proposals/1/approve"),
    ("POST", "/desk/events/1/retract"),
]


def make_desk(cfg: Settings, **changes):
    settings = dataclasses.replace(cfg, secret_key="desk-tests", scheduler=False, **changes)
    conn = desk_db.connect(settings.desk_db_path)
    desk_db.add_user(conn, "alice", PASSWORD, role="editor", display_name="Alice A.")
    desk_db.add_user(conn, "bob", PASSWORD, role="editor", display_name="Bob B.")
    desk_db.add_user(conn, "root", ADMIN_PASSWORD, role="admin", display_name="Site admin")
    conn.close()
    return create_app({"SETTINGS": settings, "TESTING": True})


@pytest.fixture
def scraped(cfg, database):
    scrape(database, cfg, progress=False)
    match_all(database, COMMITMENTS_FILE)
    return database


@pytest.fixture
def desk_app(cfg, scraped):
    return make_desk(cfg)


def token(client, path="/desk/login") -> str:
    page = BeautifulSoup(client.get(path).data, "html.parser")
    return page.find("input", attrs={"name": "csrf_token"})["value"]


def login(client, name="alice", password=PASSWORD, next_url=None):
    url = "/desk/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"name": name, "password": password, "csrf_token": token(client)})


def candidate(db) -> dict:
    return next(db.query("select * from evidence where review_state = 'candidate' limit 1"))


def test_every_desk_route_refuses_anonymous_visitors(desk_app, scraped):
    client = desk_app.test_client()
    csrf = token(client)
    for method, path in DESK_ROUTES:
        data = {"csrf_token": csrf, "decision": "accept", "note": "x", "evidence": "1"}
        response = client.open(path, method=method, data=data if method == "POST" else None)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/desk/login"), (method, path)
    assert scraped["evidence"].count_where("review_state != 'candidate' and kind = 'match'") == 0
    assert scraped["status_events"].count_where("curated_key is null") == 0


def test_an_editor_cannot_open_the_admins_page_and_an_admin_can(desk_app):
    client = desk_app.test_client()
    login(client)
    assert client.get("/desk/").status_code == 200
    assert client.get("/desk/users").status_code == 403
    admin = desk_app.test_client()
    login(admin, "root", ADMIN_PASSWORD)
    page = admin.get("/desk/users")
    assert page.status_code == 200 and b"Site admin" in page.data


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(desk_app, scraped):
    client = desk_app.test_client()
    login(client)
    row = candidate(scraped)
    response = client.post(
        f"/desk/evidence/{row['id']}/review",
        data={"decision": "accept", "note": "forged", "stance": "supports"},
    )
    assert response.status_code == 400
    assert candidate_state(scraped, row["id"]) == "candidate"
    # and a login form posted from elsewhere (no token) does not sign anyone in
    other = desk_app.test_client()
    assert (
        other.post("/desk/login", data={"name": "alice", "password": PASSWORD}).status_code == 400
    )
    assert other.get("/desk/").status_code == 302


def candidate_state(db, evidence_id: int) -> str:
    return db["evidence"].get(evidence_id)["review_state"]


def test_repeated_bad_logins_are_throttled_even_with_the_right_password(desk_app):
    client = desk_app.test_client()
    for _ in range(desk_db.MAX_FAILURES):
        assert login(client, password="wrong password here").status_code == 401
    response = login(client)
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.data
    assert client.get("/desk/").status_code == 302  # still signed out
    # another account from the same address is throttled too (per-address limit)
    assert login(client, "bob").status_code == 429


def test_failed_logins_on_one_account_do_not_lock_out_other_addresses_forever(cfg, scraped):
    conn = desk_db.connect(cfg.data_dir / "desk.db")
    desk_db.add_user(conn, "carol", PASSWORD, role="editor", display_name="Carol")
    for n in range(desk_db.MAX_FAILURES):
        assert desk_db.authenticate(conn, "carol", "bad password!!", f"10.0.0.{n}") is None
    with pytest.raises(desk_db.DeskError, match="too many failed logins"):
        desk_db.authenticate(conn, "carol", PASSWORD, "10.0.0.99")
    later = datetime.now(UTC) + desk_db.FAILURE_WINDOW + timedelta(seconds=5)
    assert not desk_db.throttled(conn, "carol", "10.0.0.99", now=later)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/desk/",
        "/\\evil.example",
        "/%0d%0aevil",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_site(desk_app, target):
    client = desk_app.test_client()
    response = login(client, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/desk/"


def test_login_goes_back_to_the_desk_page_asked_for(desk_app):
    client = desk_app.test_client()
    assert login(client, next_url="/desk/status").headers["Location"] == "/desk/status"


def test_session_cookie_is_httponly_samesite_and_secure_with_https_on(cfg, scraped):
    client = make_desk(cfg, https=True).test_client()
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Expires=" in cookie  # the session expires (TRACKER_SESSION_HOURS)


def test_disabling_an_account_ends_its_session(desk_app, cfg):
    client = desk_app.test_client()
    login(client)
    assert client.get("/desk/").status_code == 200
    desk_db.disable_user(desk_db.connect(cfg.data_dir / "desk.db"), "alice")
    assert client.get("/desk/").status_code == 302
    assert login(client).status_code == 401


def test_editor_reviews_with_her_own_stance_and_the_public_sees_her_display_name(desk_app, scraped):
    client = desk_app.test_client()
    login(client)
    queue = client.get("/desk/")
    row = candidate(scraped)
    assert f'id="candidate-{row["id"]}"'.encode() in queue.data
    csrf = token(client, "/desk/")
    response = client.post(
        f"/desk/evidence/{row['id']}/review",
        data={
            "csrf_token": csrf,
            "decision": "accept",
            "note": "Only background for the promise.",
            "note_es": "Solo contexto.",
            "stance": "context",
        },
    )
    assert response.status_code == 302
    stored = scraped["evidence"].get(row["id"])
    assert (stored["review_state"], stored["stance"], stored["reviewer"]) == (
        "accepted",
        "context",
        "Alice A.",
    )
    audit = client.get("/audit").data.decode()
    assert "Alice A." in audit and "Accepted evidence" in audit
    assert "alice" not in audit  # the login name is never shown
    assert f'id="candidate-{row["id"]}"'.encode() not in client.get("/desk/").data


def test_bulk_rejection_needs_a_note_and_rejects_only_the_ticked(desk_app, scraped):
    client = desk_app.test_client()
    login(client)
    ids = [
        r["id"]
        for r in scraped.query("select id from evidence where review_state = 'candidate' limit 3")
    ]
    csrf = token(client, "/desk/")
    client.post(
        "/desk/reject-many", data={"csrf_token": csrf, "evidence": ids[:2], "note": "Noise."}
    )
    states = [candidate_state(scraped, i) for i in ids]
    assert states == ["rejected", "rejected", "candidate"]


def test_status_in_the_future_is_refused_and_a_retraction_shows_on_corrections(desk_app, scraped):
    client = desk_app.test_client()
    login(client)
    csrf = token(client, "/desk/status")
    future = (date.today() + timedelta(days=400)).isoformat()
    form = {
        "csrf_token": csrf,
        "commitment": "declare-sanctuary",
        "status": "in-progress",
        "note": "Ordinance introduced.",
    }
    page = client.post("/desk/status", data={**form, "date": future}, follow_redirects=True)
    assert b"in the future" in page.data
    assert scraped["status_events"].count_where("curated_key is null") == 0
    today = date.today().isoformat()
    client.post("/desk/status", data={**form, "date": today})
    event = next(scraped.query("select * from status_events where curated_key is null"))
    assert (event["status"], event["who"]) == ("in-progress", "Alice A.")
    kept = client.post(
        "/desk/status", data={**form, "status": "kept", "date": today}, follow_redirects=True
    )
    assert b"needs at least one piece of evidence" in kept.data

    client.post(
        f"/desk/events/{event['id']}/retract",
        data={"csrf_token": csrf, "note": "Wrong promise: it was the resolution."},
    )
    assert scraped["status_events"].count_where("id = ?", [event["id"]]) == 1  # never deleted
    corrections = client.get("/corrections").data.decode()
    assert "Wrong promise: it was the resolution." in corrections
    audit = client.get("/audit").data.decode()
    assert "Retracted a status" in audit and "Published a status" in audit


def test_the_two_editor_rule_needs_a_second_editor(cfg, scraped):
    app = make_desk(cfg, two_editor_rule=True)
    alice, bob = app.test_client(), app.test_client()
    login(alice)
    login(bob, "bob")
    form = {
        "csrf_token": token(alice, "/desk/status"),
        "commitment": "declare-sanctuary",
        "status": "in-progress",
        "date": date.today().isoformat(),
        "note": "Ordinance introduced.",
    }
    alice.post("/desk/status", data=form)
    assert scraped["status_events"].count_where("curated_key is null") == 0
    proposal = next(scraped.query("select id from status_proposals"))["id"]
    own = alice.post(
        f"/desk/proposals/{proposal}/approve",
        data={"csrf_token": form["csrf_token"]},
        follow_redirects=True,
    )
    assert b"another editor must approve" in own.data
    assert scraped["status_events"].count_where("curated_key is null") == 0
    bob.post(f"/desk/proposals/{proposal}/approve", data={"csrf_token": token(bob, "/desk/status")})
    event = next(scraped.query("select * from status_events where curated_key is null"))
    assert event["who"] == "Alice A., approved by Bob B."


def test_user_commands_keep_accounts_out_of_the_published_database(runner, settings):
    result = runner.invoke(
        main,
        ["user", "add", "Dana", "--role", "admin", "--display-name", "Dana D."],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    short = runner.invoke(main, ["user", "add", "eve", "--display-name", "Eve"], input="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    listed = runner.invoke(main, ["user", "list"])
    assert "dana\tadmin\tactive\tDana D." in listed.output
    assert runner.invoke(main, ["user", "disable", "dana"]).exit_code == 0
    assert "disabled" in runner.invoke(main, ["user", "list"]).output
    assert (
        runner.invoke(main, ["user", "disable", "nobody"])
        .output.strip()
        .endswith("no user named 'nobody'")
    )
    published = settings.data_dir / "tracker.db"
    if published.exists():
        tables = {
            r[0] for r in sqlite3.connect(published).execute("select name from sqlite_master")
        }
        assert "users" not in tables and "login_failures" not in tables
    assert b"argon2" in (settings.data_dir / "desk.db").read_bytes()


@pytest.mark.parametrize("name", ["TRACKER_HTTPS", "TRACKER_TWO_EDITOR_RULE"])
def test_desk_switches_are_on_or_off(name, tmp_path):
    env = {"TRACKER_DATA_DIR": str(tmp_path)}
    assert getattr(Settings.from_env({**env, name: "on"}), name[8:].lower()) is True
    with pytest.raises(ConfigError, match="expected on or off"):
        Settings.from_env({**env, name: "maybe"})


def test_session_hours_are_bounded(tmp_path):
    env = {"TRACKER_DATA_DIR": str(tmp_path)}
    assert Settings.from_env({**env, "TRACKER_SESSION_HOURS": "2"}).session_hours == 2
    with pytest.raises(ConfigError, match="TRACKER_SESSION_HOURS"):
        Settings.from_env({**env, "TRACKER_SESSION_HOURS": "0"})


def test_the_queue_never_says_on_the_agenda_for_a_meeting_whose_day_has_passed(scraped):
    from tracker import desk as desk_mod

    row = next(
        scraped.query(
            """select e.item_id, i.meeting_id from evidence e join items i on i.id = e.item_id
               where e.review_state = 'candidate' limit 1"""
        )
    )
    with scraped.conn:  # the source still lists it as upcoming, a week after its day
        scraped.execute(
            "update meetings set status = 'confirmed', date = ? where id = ?",
            [(date.today() - timedelta(days=7)).isoformat(), row["meeting_id"]],
        )
        scraped.execute("update items set outcome = null where id = ?", [row["item_id"]])
    rows, _ = desk_mod.queue(scraped, meeting_id=row["meeting_id"], day=date.today())
    outcomes = {r["outcome"][0] for r in rows if r["item_id"] == row["item_id"]}
    assert outcomes == {"day-passed"}
