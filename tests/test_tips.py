"""Readers' tips through the real app: the public form in both languages, its CSRF token,
honeypot, rate limit and upload checks; tips kept out of tracker.db and off public pages until
an editor accepts one as evidence (with her stance), and every decision in the audit log."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.pdfs import make_pdf
from tracker import desk_db, tips
from tracker.db import open_db
from tracker.web import create_app

PASSWORD = "correct horse battery"
CONTACT = "reader-7731@example.org"
PASSAGE = "The department shall not enter into any agreement under 8 U.S.C. 1357(g)."
COMMITMENT = "police-not-immigration-agents"


@pytest.fixture
def tip_app(settings):
    s = dataclasses.replace(settings, secret_key="tips-tests", scheduler=False)
    app = create_app({"SETTINGS": s, "TESTING": True})
    conn = desk_db.connect(s.desk_db_path)
    desk_db.add_user(conn, "alice", PASSWORD, role="editor", display_name="Alice A.")
    conn.close()
    return app


def csrf(client, path="/tips") -> str:
    page = BeautifulSoup(client.get(path).data, "html.parser")
    return page.find("input", attrs={"name": "csrf_token"})["value"]


def send(client, path="/tips", address="127.0.0.1", **fields):
    data = {"csrf_token": csrf(client, path), "passage": PASSAGE, "shows": "A 287(g) ban.",
            "url": "https://example.org/policy.pdf", "contact": CONTACT, **fields}  # fmt: skip
    return client.post(
        path, data=data, content_type="multipart/form-data", environ_base={"REMOTE_ADDR": address}
    )


def login(client):
    token = csrf(client, "/desk/login")
    data = {"name": "alice", "password": PASSWORD, "csrf_token": token}
    assert client.post("/desk/login", data=data).status_code == 302


def pending(settings) -> list[dict]:
    conn = tips.connect(desk_db.connect(settings.desk_db_path))
    try:
        return tips.pending(conn)
    finally:
        conn.close()


def decide(client, tip_id: int, **fields):
    data = {"csrf_token": csrf(client, "/desk/tips/"), **fields}
    return client.post(f"/desk/tips/{tip_id}/decide", data=data)


def text_of(response) -> str:
    return BeautifulSoup(response.data, "html.parser").get_text(" ", strip=True)


def test_the_form_is_in_both_languages(tip_app):
    client = tip_app.test_client()
    english = BeautifulSoup(client.get("/tips").data, "html.parser")
    spanish = BeautifulSoup(client.get("/es/tips").data, "html.parser")
    assert english.h1.get_text() == "Send the editors a tip"
    assert spanish.h1.get_text() == "Envíe un aviso a los editores"
    assert spanish.find("label", attrs={"for": "tip-passage"}).get_text() == (
        "El pasaje que importa, citado"
    )
    assert spanish.find("form", class_="tip-form")["action"] == "/es/tips"


@pytest.mark.parametrize("page", ["/corrections", "/methodology", "/es/corrections"])
def test_the_invitations_to_tell_the_editors_lead_to_the_form(tip_app, page):
    html = BeautifulSoup(tip_app.test_client().get(page).data, "html.parser")
    targets = {a["href"] for a in html.find_all("a")}
    assert ("/es/tips" if page.startswith("/es") else "/tips") in targets


def test_a_tip_waits_for_the_editors_and_is_nowhere_public(tip_app, settings):
    client = tip_app.test_client()
    response = send(client, lang="ignored")
    assert response.status_code == 200
    assert "the editors have your tip" in text_of(response)
    [tip] = pending(settings)
    assert (tip["passage"], tip["contact"], tip["lang"]) == (PASSAGE, CONTACT, "en")
    for page in ("/", f"/commitments/{COMMITMENT}", "/audit", "/corrections"):
        assert PASSAGE not in text_of(client.get(page)), page
    # The contact (or any of the tip) is not in the published database file at all.
    raw = settings.db_path.read_bytes()
    wal = settings.db_path.with_name("tracker.db-wal")
    raw += wal.read_bytes() if wal.exists() else b""
    assert CONTACT.encode() not in raw and b"287(g) ban" not in raw


def test_a_spanish_tip_records_its_language(tip_app, settings):
    assert send(tip_app.test_client(), "/es/tips").status_code == 200
    assert pending(settings)[0]["lang"] == "es"


def test_a_tip_without_the_csrf_token_is_refused(tip_app, settings):
    response = tip_app.test_client().post(
        "/tips", data={"passage": PASSAGE, "shows": "x", "url": "https://example.org/a"}
    )
    assert response.status_code == 400
    assert pending(settings) == []


def test_the_honeypot_keeps_nothing_but_looks_like_success(tip_app, settings):
    response = send(tip_app.test_client(), website="http://spam.example")
    assert response.status_code == 200 and "have your tip" in text_of(response)
    assert pending(settings) == []


def test_too_many_tips_from_one_address_are_refused(tip_app, settings):
    client = tip_app.test_client()
    for _ in range(tips.MAX_TIPS):
        assert send(client).status_code == 200
    refused = send(client)
    assert refused.status_code == 429
    assert "in the last hour" in text_of(refused)
    assert len(pending(settings)) == tips.MAX_TIPS
    # another address is not held back by this one
    assert send(tip_app.test_client(), address="192.0.2.8").status_code == 200


def test_a_tip_needs_a_document_and_its_passage(tip_app, settings):
    client = tip_app.test_client()
    no_source = send(client, url="")
    assert no_source.status_code == 400
    assert "Give a link to the document or upload it." in text_of(no_source)
    assert send(client, passage="  ").status_code == 400
    bad_link = send(client, url="javascript:alert(1)")
    assert bad_link.status_code == 400 and "http://" in text_of(bad_link)
    assert pending(settings) == []
    # What the reader typed is given back, so nothing has to be written twice.
    field = BeautifulSoup(no_source.data, "html.parser").find("textarea", id="tip-passage")
    assert field.get_text() == PASSAGE


def test_an_upload_is_checked_by_its_bytes_not_its_name(tip_app, settings):
    client = tip_app.test_client()
    disguised = (io.BytesIO(b"<html><script>alert(1)</script></html>"), "agenda.pdf")
    refused = send(client, url="", upload=disguised)
    assert refused.status_code == 400
    assert "Only a PDF or a Word" in text_of(refused)
    pdf = make_pdf([["Resolution 2017-22: no 287(g) agreement."]])
    assert send(client, url="", upload=(io.BytesIO(pdf), "scan.bin")).status_code == 200
    [tip] = pending(settings)
    assert (tip["upload_kind"], tip["upload_size"]) == ("pdf", len(pdf))
    # archived by its SHA-256 like any document, but with no public page yet
    assert (settings.archive_dir / tip["upload_sha256"][:2] / tip["upload_sha256"][2:]).exists()
    assert client.get(f"/documents/{tip['upload_sha256']}").status_code == 404


def send_encoded(client, upload: bytes):
    # The body encoded here, in memory: the test client would spool a large one to a
    # temporary file that it never closes.
    fields = {"csrf_token": csrf(client), "passage": PASSAGE, "shows": "x",
              "upload": FileStorage(io.BytesIO(upload), "big.pdf")}  # fmt: skip
    boundary, body = encode_multipart(fields)
    return client.post("/tips", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_an_oversized_upload_is_refused(tip_app, settings):
    client = tip_app.test_client()
    over = b"%PDF-1.4\n" + b"0" * tips.MAX_UPLOAD_BYTES  # a little over: the form says why
    response = send_encoded(client, over)
    assert response.status_code == 400 and "up to 10 MB" in text_of(response)
    huge = over + b"0" * (2 * 2**20)  # far over: refused before the body is read
    response = send_encoded(client, huge)
    assert response.status_code == 413 and "10 MB" in text_of(response)
    assert pending(settings) == []


def test_an_editor_accepts_a_tip_with_her_stance_and_the_public_sees_it(tip_app, settings):
    reader = tip_app.test_client()
    pdf = make_pdf([["Resolution 2017-22: no 287(g) agreement."]])
    send(reader, upload=(io.BytesIO(pdf), "policy.pdf"))
    [tip] = pending(settings)
    editor = tip_app.test_client()
    login(editor)
    desk = editor.get("/desk/tips/")
    assert PASSAGE in text_of(desk) and CONTACT in text_of(desk)
    assert desk.headers["Cache-Control"] == "no-store"
    with editor.get(f"/desk/tips/{tip['id']}/upload") as download:
        assert download.data == pdf and download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["Content-Security-Policy"] == "sandbox"
    # no stance, no decision: the reader's promise and the matcher's habits are no stance
    day = (date.today() - timedelta(days=3)).isoformat()
    form = {"decision": "accept", "commitment": COMMITMENT, "date": day, "note": "Checked."}
    decide(editor, tip["id"], **form)
    assert len(pending(settings)) == 1
    decide(editor, tip["id"], **form, stance="supports")
    assert pending(settings) == []
    page = text_of(reader.get(f"/commitments/{COMMITMENT}"))
    assert PASSAGE in page and "Checked." in page
    assert CONTACT not in page
    audit = text_of(reader.get("/audit"))
    assert "Accepted a reader's tip" in audit and "Alice A." in audit
    db = open_db(settings.db_path)
    row = next(db.query("select * from evidence where kind = 'manual'"))
    db.conn.close()
    assert (row["stance"], row["snippet"], row["document_sha256"]) == (
        "supports",
        PASSAGE,
        tip["upload_sha256"],
    )
    assert reader.get(f"/documents/{tip['upload_sha256']}").status_code == 200


def test_a_future_date_is_refused_and_a_declined_tip_stays_unpublished(tip_app, settings):
    send(tip_app.test_client())
    [tip] = pending(settings)
    editor = tip_app.test_client()
    login(editor)
    future = (date.today() + timedelta(days=30)).isoformat()
    decide(editor, tip["id"], decision="accept", commitment=COMMITMENT, stance="supports",
           date=future, note="x")  # fmt: skip
    assert "in the future" in text_of(editor.get("/desk/tips/"))
    assert len(pending(settings)) == 1
    decide(editor, tip["id"], decision="decline", note="The policy was never adopted.")
    assert pending(settings) == []
    audit = text_of(editor.get("/audit"))
    assert "Declined a reader's tip" in audit and "never adopted" in audit
    assert PASSAGE not in audit and CONTACT not in audit
    # a decided tip cannot be decided again
    decide(editor, tip["id"], decision="accept", commitment=COMMITMENT, stance="supports",
           date=date.today().isoformat(), note="x")  # fmt: skip
    assert "declined already" in text_of(editor.get("/desk/tips/"))


def forwarded(client, address: str):
    data = {"csrf_token": csrf(client), "passage": PASSAGE, "shows": "x",
            "url": "https://example.org/a.pdf"}  # fmt: skip
    return client.post("/tips", data=data, headers={"X-Forwarded-For": address})


def test_behind_a_trusted_proxy_each_reader_has_a_limit_of_her_own(settings):
    behind = dataclasses.replace(settings, secret_key="t", scheduler=False, trusted_proxies=1)
    client = create_app({"SETTINGS": behind, "TESTING": True}).test_client()
    for _ in range(tips.MAX_TIPS):
        assert forwarded(client, "198.51.100.1").status_code == 200
    assert forwarded(client, "198.51.100.1").status_code == 429
    assert forwarded(client, "198.51.100.2").status_code == 200  # the proxy is not one reader


def test_without_a_trusted_proxy_a_forged_address_does_not_lift_the_limit(tip_app):
    client = tip_app.test_client()
    for n in range(tips.MAX_TIPS):
        assert forwarded(client, f"203.0.113.{n}").status_code == 200
    assert forwarded(client, "203.0.113.99").status_code == 429
