"""Manual evidence on the desk: the stance is asked (no default), the date cannot be ahead, a
file is checked by its bytes and archived, and the public page and audit log show the result
under the editor's display name."""

from __future__ import annotations

import io
from datetime import date, timedelta

from bs4 import BeautifulSoup

from tests import test_tips
from tests.pdfs import make_pdf
from tests.test_tips import csrf, login, text_of
from tracker.db import open_db

COMMITMENT = "municipal-id"
URL = "https://example.org/records-response.pdf"
tip_app = test_tips.tip_app  # an app with the editor Alice A.


def add(client, **fields):
    data = {"csrf_token": csrf(client, "/desk/evidence/new"), "commitment": COMMITMENT,
            "url": URL, "date": (date.today() - timedelta(days=2)).isoformat(),
            "note": "Records request: no municipal ID program exists.", **fields}  # fmt: skip
    response = client.post("/desk/evidence/new", data=data, content_type="multipart/form-data")
    # a refusal is shown on the form itself (what was typed kept); a success after redirect
    shown = response if response.status_code == 200 else client.get("/desk/evidence/new")
    return response, text_of(shown)


def manual_rows(settings) -> list[dict]:
    db = open_db(settings.db_path)
    try:
        return list(db.query("select * from evidence where kind = 'manual'"))
    finally:
        db.conn.close()


def test_manual_evidence_needs_a_stance_and_a_past_date(tip_app, settings):
    editor = tip_app.test_client()
    login(editor)
    form = BeautifulSoup(editor.get("/desk/evidence/new").data, "html.parser")
    stance = form.find("select", attrs={"name": "stance"})
    assert stance.find("option")["value"] == "" and stance.has_attr("required")
    _response, page = add(editor)
    assert "say whether it is for the promise" in page
    future = (date.today() + timedelta(days=1)).isoformat()
    _response, page = add(editor, stance="context", date=future)
    assert "in the future" in page
    assert manual_rows(settings) == []


def test_manual_evidence_with_a_file_is_archived_and_published(tip_app, settings):
    editor = tip_app.test_client()
    login(editor)
    refused, page = add(editor, stance="contrary", file=(io.BytesIO(b"<html>x</html>"), "a.pdf"))
    assert "only a PDF or a Word" in page and manual_rows(settings) == []
    pdf = make_pdf([["No municipal identification program has been established."]])
    response, page = add(editor, stance="contrary", file=(io.BytesIO(pdf), "response.pdf"))
    assert response.status_code == 302 and "Added as evidence" in page
    [row] = manual_rows(settings)
    assert (row["stance"], row["reviewer"], row["source_url"]) == ("contrary", "Alice A.", URL)
    reader = tip_app.test_client()
    public = text_of(reader.get(f"/commitments/{COMMITMENT}"))
    assert "no municipal ID program exists" in public and "Against the promise" in public
    assert reader.get(f"/documents/{row['document_sha256']}").status_code == 200
    audit = text_of(reader.get("/audit"))
    assert "Added evidence" in audit and "Alice A." in audit


def test_a_refusal_on_the_spanish_desk_is_in_spanish(tip_app, settings):
    editor = tip_app.test_client()
    login(editor)
    future = (date.today() + timedelta(days=1)).isoformat()
    data = {"csrf_token": csrf(editor, "/es/desk/evidence/new"), "commitment": COMMITMENT,
            "url": URL, "date": future, "note": "x", "stance": "context"}  # fmt: skip
    page = text_of(editor.post("/es/desk/evidence/new", data=data))
    assert f"{future} es una fecha futura: la evidencia no puede fecharse por adelantado" in page
    data["date"] = date.today().isoformat()
    data["url"] = "ftp://example.org/x"
    page = text_of(editor.post("/es/desk/evidence/new", data=data))
    assert "ftp://example.org/x: se esperaba una dirección http(s)" in page
    english = text_of(
        editor.post(
            "/desk/evidence/new", data={**data, "csrf_token": csrf(editor, "/desk/evidence/new")}
        )
    )
    assert "ftp://example.org/x: expected an http(s) address" in english
    assert manual_rows(settings) == []
