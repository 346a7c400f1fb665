"""Email alerts through a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives, in which
language, when; double opt-in, one-click unsubscribe, retries, and a sender killed mid-send."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

from tests.granicus_site import ITEMS, agenda_pdf
from tests.places import COMMITMENTS_FILE, birmingham_at
from tests.upcoming import MEETING, scraped_on
from tracker import alerts
from tracker import subscribers as subs
from tracker.activity import newest_status_event
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import match_all
from tracker.scheduler import run_job
from tracker.scrape import scrape
from tracker.status import record_event
from tracker.web import create_app

ROOT = Path(__file__).resolve().parent.parent
BEFORE_THE_VOTE = datetime(2026, 5, 15, 18, 0, tzinfo=UTC)  # Friday: a pre-meeting check


def subject(message) -> str:
    """The Subject as a mail app shows it: unfolded, without the space a fold leaves."""
    return str(message["Subject"]).strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what arrived; it can hold the n-th RCPT until released."""

    def __init__(self) -> None:
        self.messages: list = []
        self.rcpts = 0
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts += 1
        if self.rcpts == self.hold_at:
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


@pytest.fixture
def mail_cfg(cfg, inbox):
    return replace(cfg, smtp_url=f"smtp://127.0.0.1:{inbox[1]}", mail_from="alerts@example.org")


@pytest.fixture
def scraped(mail_cfg):
    """The fixture site scraped and matched two days before the pre-meeting check."""
    app, db = scraped_on(mail_cfg, BEFORE_THE_VOTE - timedelta(days=2))
    yield app, db
    db.conn.close()


def csrf(client, url: str) -> str:
    page = BeautifulSoup(client.get(url).data, "lxml")
    return page.find("input", attrs={"name": "csrf_token"})["value"]


def subscribe(client, email: str, lang: str = "en", commitments: list[str] | None = None):
    data = {
        "csrf_token": csrf(client, "/alerts"),
        "email": email,
        "lang": lang,
        "scope": "some" if commitments else "all",
        "commitments": commitments or [],
    }
    return client.post("/alerts", data=data)


def link(message, kind: str) -> str:
    path = re.search(rf"https?://[^/\s]+(/(?:es/)?alerts/{kind}/[\w-]+)", message.get_content())
    return path.group(1)


def subscribe_and_confirm(client, inbox, email, lang="en", commitments=None) -> str:
    assert subscribe(client, email, lang, commitments).status_code == 200
    (confirmation,) = inbox.to(email)
    url = link(confirmation, "confirm")
    page = client.get(url)
    assert page.status_code == 200
    token = BeautifulSoup(page.data, "lxml").find("input", attrs={"name": "csrf_token"})["value"]
    done = client.post(url, data={"csrf_token": token})
    assert done.status_code == 200
    return url.rsplit("/", 1)[1]


def send_now(settings, now=BEFORE_THE_VOTE):
    return alerts.run(settings, now=now)


def test_subscribing_sends_a_confirmation_and_nothing_else_until_it_is_used(scraped, inbox):
    box, _port = inbox
    app, _db = scraped
    client = app.test_client()
    assert subscribe(client, "ana@example.org", "es").status_code == 200
    (confirmation,) = box.to("ana@example.org")
    assert subject(confirmation) == "Confirme sus alertas por correo"
    assert "List-Unsubscribe" not in confirmation
    assert link(confirmation, "confirm").startswith("/es/alerts/confirm/")
    send_now(app.config["SETTINGS"])
    assert len(box.to("ana@example.org")) == 1  # unconfirmed: no alert about the agenda


def test_the_pre_meeting_check_mails_the_agenda_before_the_vote(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, _db = scraped
    client = app.test_client()
    subscribe_and_confirm(client, box, "ana@example.org")
    subscribe_and_confirm(client, box, "ben@example.org", "es", ["language-access"])
    subscribe_and_confirm(client, box, "cy@example.org", "en", ["municipal-id"])
    send_now(mail_cfg)
    (alert,) = box.to("ana@example.org")[1:]
    assert subject(alert) == "On the agenda for May 19, 2026: items on promises you follow"
    assert datetime(2026, 5, 19, tzinfo=UTC) > alert["Date"].datetime  # before the vote
    body = alert.get_content()
    assert "2. A Resolution authorizing the Mayor to execute an agreement" in body
    assert "mobile food vendors" not in body
    assert mail_cfg.place.meeting_place.en in body and mail_cfg.place.how_to_speak.en in body
    assert f"/meetings/{MEETING}" in body
    (spanish,) = box.to("ben@example.org")[1:]
    assert subject(spanish).startswith("En la agenda del 19 de mayo de 2026")
    assert mail_cfg.place.how_to_speak.es in spanish.get_content()
    assert box.to("cy@example.org")[1:] == []  # follows only a promise not on this agenda
    send_now(mail_cfg)
    assert len(box.messages) == 3 + 2  # nothing twice


def test_a_revised_agenda_is_mailed_again_as_revised(scraped, inbox, mail_cfg, site):
    box, _port = inbox
    app, db = scraped
    subscribe_and_confirm(app.test_client(), box, "ana@example.org")
    send_now(mail_cfg)
    site.add("agenda", "event_id", 1234, agenda_pdf(1234, [ITEMS[0], ("", "Sidewalks."), ITEMS[1]]))
    with time_machine.travel(BEFORE_THE_VOTE):
        scrape(db, mail_cfg, progress=False)
        match_all(db, COMMITMENTS_FILE)
    send_now(mail_cfg, BEFORE_THE_VOTE + timedelta(minutes=5))
    first, revised = box.to("ana@example.org")[1:]
    assert subject(revised).startswith("Revised agenda for May 19, 2026")
    assert "3. A Resolution authorizing the Mayor" in revised.get_content()


def test_status_changes_are_mailed_to_those_who_follow_the_promise(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, db = scraped
    client = app.test_client()
    subscribe_and_confirm(client, box, "ana@example.org", "es", ["language-access"])
    subscribe_and_confirm(client, box, "cy@example.org", "en", ["municipal-id"])
    send_now(mail_cfg)  # the agenda alert
    record_event(
        db,
        "language-access",
        "in-progress",
        date(2026, 5, 14),
        "On the agenda.",
        note_es="En la agenda.",
        who="Ana",
    )
    send_now(mail_cfg, datetime.now(UTC))
    status = [m for m in box.to("ana@example.org") if subject(m).startswith("Cambio de estado")]
    assert len(status) == 1
    assert "En marcha (desde el 14 de mayo de 2026)" in status[0].get_content()
    assert "En la agenda." in status[0].get_content()
    assert [m for m in box.to("cy@example.org") if "Status" in subject(m)] == []


def test_one_click_unsubscribe_stops_every_alert(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, db = scraped
    client = app.test_client()
    subscribe_and_confirm(client, box, "ana@example.org")
    send_now(mail_cfg)
    alert = box.to("ana@example.org")[-1]
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<https?://[^/]+(/alerts/unsubscribe/[\w-]+)>", alert["List-Unsubscribe"])
    # what a mail provider does (RFC 8058): a POST with no cookie and no CSRF token
    fresh = app.test_client()
    answer = fresh.post(url.group(1), data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    record_event(db, "language-access", "in-progress", date(2026, 5, 14), "Agenda.", who="Ana")
    send_now(mail_cfg, datetime.now(UTC))
    assert box.to("ana@example.org")[-1] is alert


def test_a_get_of_a_link_confirms_or_unsubscribes_nobody(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, _db = scraped
    client = app.test_client()
    subscribe(client, "ana@example.org")
    client.get(link(box.to("ana@example.org")[0], "confirm"))  # a mail scanner's visit
    send_now(mail_cfg)
    assert len(box.to("ana@example.org")) == 1


def test_subscribing_is_rate_limited(scraped):
    app, _db = scraped
    client = app.test_client()
    answers = [subscribe(client, f"p{i}@example.org").status_code for i in range(6)]
    assert answers == [200] * 5 + [429]
    assert "try again" in BeautifulSoup(subscribe(client, "q@example.org").data, "lxml").text


def test_a_bad_address_or_a_missing_token_is_refused(scraped, inbox):
    box, _port = inbox
    client = scraped[0].test_client()
    assert subscribe(client, "ana@example.org\r\nBcc: x@example.org").status_code == 400
    assert client.post("/alerts", data={"email": "ana@example.org"}).status_code == 400
    assert box.messages == []


def test_alerts_wait_in_the_outbox_while_the_server_is_down(scraped, inbox, mail_cfg):
    box, port = inbox
    app, _db = scraped
    subscribe_and_confirm(app.test_client(), box, "ana@example.org")
    down = replace(mail_cfg, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    queued, delivery = send_now(down)
    assert (queued, delivery.sent, delivery.deferred) == (1, 0, 1)
    assert delivery.error and "refused" in delivery.error.lower()
    # a retry before the backoff is up does not try; after it, the server (back) gets it once
    assert send_now(mail_cfg, BEFORE_THE_VOTE + timedelta(seconds=10))[1].sent == 0
    assert send_now(mail_cfg, BEFORE_THE_VOTE + timedelta(minutes=2))[1].sent == 1
    assert send_now(mail_cfg, BEFORE_THE_VOTE + timedelta(hours=9))[1].sent == 0
    assert len(box.to("ana@example.org")) == 2  # the confirmation, then the agenda alert


def test_a_sender_killed_mid_send_loses_nothing_and_sends_nothing_twice(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, db = scraped
    conn = subs.connect(mail_cfg.alerts_db_path)
    people = [f"p{i}@example.org" for i in range(4)]
    for email in people:
        # a promise with nothing on an agenda: the status change is all there is to send
        sub = subs.subscribe(conn, email, "en", ["municipal-id"], f"10.0.0.{len(email)}")
        subs.confirm(conn, sub.token, newest_status_event(db))
    conn.close()
    record_event(db, "municipal-id", "in-progress", date(2026, 5, 14), "Proposed.", who="Ana")
    box.hold_at = 3  # the third message: the server stalls before taking it
    env = {
        **os.environ,
        "TRACKER_DATA_DIR": str(mail_cfg.data_dir),
        "TRACKER_JURISDICTION": str(mail_cfg.jurisdiction_file),
        "TRACKER_SMTP_URL": mail_cfg.smtp_url,
        "TRACKER_MAIL_FROM": mail_cfg.mail_from,
        "TRACKER_SCHEDULER": "off",
    }
    proc = subprocess.Popen(
        [sys.executable, "run.py", "alerts", "send"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        if not box.held.wait(60):
            proc.kill()
            raise AssertionError(proc.communicate()[1].decode()[-3000:])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    box.release.set()
    assert len(box.messages) == 2
    time.sleep(0.2)  # the stalled session ends without a message
    _queued, delivery = alerts.run(mail_cfg)
    assert delivery.sent == 2
    assert sorted(m["To"] for m in box.messages) == sorted(people)


def test_a_notice_when_the_records_could_not_be_read_for_days(tmp_path, inbox):
    box, port = inbox
    dead = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        data_dir=tmp_path / "data",
        jurisdiction_file=birmingham_at(tmp_path / "place", dead),
        request_delay=0,
        request_timeout=2,
        request_retries=0,
        smtp_url=f"smtp://127.0.0.1:{port}",
    )
    app = create_app({"SETTINGS": settings, "TESTING": True})
    subscribe_and_confirm(app.test_client(), box, "ana@example.org", "es")
    db = open_db(settings.db_path)
    scrape(db, settings, progress=False)  # fails: nothing answers
    db.conn.close()
    send_now(settings, datetime.now(UTC) + timedelta(days=10))
    send_now(settings, datetime.now(UTC) + timedelta(days=11))
    (notice,) = box.to("ana@example.org")[1:]
    assert subject(notice) == "No se pudieron leer los registros del Concejo"


def test_the_scheduler_s_pre_meeting_job_sends_the_alerts(mail_cfg, inbox):
    box, _port = inbox
    with time_machine.travel(BEFORE_THE_VOTE):
        app = create_app({"SETTINGS": mail_cfg, "TESTING": True})
        subscribe_and_confirm(app.test_client(), box, "ana@example.org")
        run_job(mail_cfg, "pre-meeting", True)
    (alert,) = box.to("ana@example.org")[1:]
    assert subject(alert).startswith("On the agenda for May 19, 2026")


def test_subscribers_are_kept_out_of_the_published_database(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, db = scraped
    subscribe_and_confirm(app.test_client(), box, "ana@example.org")
    published = mail_cfg.db_path.read_bytes() + b"".join(
        p.read_bytes() for p in mail_cfg.data_dir.glob("tracker.db-wal")
    )
    assert b"ana@example.org" not in published
    assert "subscribers" not in db.table_names() and "outbox" not in db.table_names()
    assert mail_cfg.alerts_db_path.exists()


def test_no_alert_once_the_meeting_has_begun(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, _db = scraped
    subscribe_and_confirm(app.test_client(), box, "ana@example.org")
    send_now(mail_cfg, datetime(2026, 5, 19, 9, 5, tzinfo=mail_cfg.tz))  # five minutes in
    assert len(box.to("ana@example.org")) == 1


def test_the_follow_page_offers_the_form_feeds_and_calendar_in_both_languages(scraped):
    client = scraped[0].test_client()
    for url, heading in [("/alerts", "Email alerts"), ("/es/alerts", "Alertas por correo")]:
        soup = BeautifulSoup(client.get(url).data, "lxml")
        assert heading in [h.get_text() for h in soup.find_all("h2")]
        assert soup.select_one("form input[name=email][type=email]")
        assert len(soup.select("input[name=commitments]")) == 15
        hrefs = [a["href"] for a in soup.select("main a")]
        assert any(h.endswith("/calendar.ics") for h in hrefs)
        assert all(client.get(h).status_code == 200 for h in hrefs)


def test_without_a_mail_server_the_page_says_so_and_takes_no_address(client):
    soup = BeautifulSoup(client.get("/alerts").data, "lxml")
    assert "Email alerts are not set up on this site" in soup.get_text()
    assert soup.select_one("input[name=email]") is None
    token = csrf(client, "/desk/login")  # any form's token of this session
    answer = client.post("/alerts", data={"email": "ana@example.org", "csrf_token": token})
    assert answer.status_code == 404


def test_the_alerts_commands(runner, monkeypatch, inbox):
    from tracker.cli import main

    result = runner.invoke(main, ["alerts", "send"])
    assert result.exit_code == 1 and "TRACKER_SMTP_URL is not set" in result.output
    monkeypatch.setenv("TRACKER_SMTP_URL", f"smtp://127.0.0.1:{inbox[1]}")
    result = runner.invoke(main, ["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert "0 queued, 0 sent" in result.output
    listing = runner.invoke(main, ["alerts", "list"]).output
    assert "subscriptions confirmed: 0" in listing and "messages sent: 0" in listing


def test_subscribing_again_changes_the_choices_only_once_confirmed(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, db = scraped
    client = app.test_client()
    subscribe_and_confirm(client, box, "ana@example.org", "en", ["municipal-id"])
    assert subscribe(client, "ana@example.org", "es", ["language-access"]).status_code == 200
    send_now(mail_cfg)  # the new choice is not confirmed yet: no agenda alert
    assert len(box.to("ana@example.org")) == 2
    url = link(box.to("ana@example.org")[-1], "confirm")
    client.post(url, data={"csrf_token": csrf(client, url)})
    send_now(mail_cfg)
    record_event(db, "municipal-id", "in-progress", date(2026, 5, 14), "Proposed.", who="Ana")
    send_now(mail_cfg, datetime.now(UTC))
    subjects = [subject(m) for m in box.to("ana@example.org")[2:]]
    assert subjects == [
        "En la agenda del 19 de mayo de 2026: puntos sobre promesas que usted sigue"
    ]


def test_those_told_of_an_agenda_are_told_when_the_meeting_is_cancelled(scraped, inbox, mail_cfg):
    box, _port = inbox
    app, db = scraped
    client = app.test_client()
    subscribe_and_confirm(client, box, "ana@example.org", "es")
    send_now(mail_cfg)
    subscribe_and_confirm(client, box, "ben@example.org")  # subscribed after: never told
    db["meetings"].update(MEETING, {"status": "cancelled"})  # as a scrape records it
    send_now(mail_cfg, BEFORE_THE_VOTE + timedelta(hours=1))
    send_now(mail_cfg, BEFORE_THE_VOTE + timedelta(hours=2))
    subjects = [subject(m) for m in box.to("ana@example.org")[2:]]
    assert subjects == ["Cancelada: la reunión del 19 de mayo de 2026"]
    assert box.to("ben@example.org")[1:] == []
