"""Downloads: the /data page in both languages, CSVs that round-trip, the published database
(opens, searches, holds nothing private) with its Datasette metadata, and evidence bundles."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import zipfile

import pytest
import sqlite_utils
from bs4 import BeautifulSoup

from tests.scraped import LANGUAGE, build, copy_of
from tracker import export, published
from tracker.db import open_db
from tracker.web import create_app


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_httpserver):
    return build(tmp_path_factory.mktemp("data") / "data", make_httpserver)


@pytest.fixture
def settings(built, tmp_path):
    return copy_of(built, tmp_path)


@pytest.fixture
def client(settings):
    return create_app({"SETTINGS": settings, "TESTING": True}).test_client()


def fetch(client, url, **kwargs):
    """A response read whole and closed (a sent file is streamed)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


@pytest.mark.parametrize("prefix, heading", [("", "Open data"), ("/es", "Datos abiertos")])
def test_downloads_page_links_work_in_both_languages(client, prefix, heading):
    response = client.get(f"{prefix}/data")
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "lxml")
    assert soup.h1.get_text(strip=True) == heading
    links = [a["href"] for a in soup.select("main a[href]")]
    for name in export.EXPORTS:
        assert f"{prefix}/data/{name}.csv" in links
    assert f"{prefix}/data/tracker.db" in links
    assert f"{prefix}/commitments/{LANGUAGE}/evidence.zip" in links
    for href in links:
        assert fetch(client, href).status_code == 200, href
    footer = [a["href"] for a in soup.select("footer a")]
    assert f"{prefix}/data" in footer
    etag = response.headers["ETag"]
    assert client.get(f"{prefix}/data", headers={"If-None-Match": etag}).status_code == 304


def _expected_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    value = str(value)
    return "'" + value if value.startswith(export.FORMULA_STARTS) else value


def test_every_csv_round_trips_to_the_published_rows(client, settings):
    db = open_db(settings.db_path, migrate=False)
    from tracker.status import today

    for name in export.EXPORTS:
        response = client.get(f"/data/{name}.csv")
        assert response.mimetype == "text/csv"
        assert f'filename="{name}.csv"' in response.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"), newline="")))
        expected = export.rows(db, name, today(settings.tz))
        assert len(rows) == len(expected) and rows, name
        assert list(rows[0]) == export.FIELDS[name].split()
        for got, want in zip(rows, expected, strict=True):
            assert got == {k: _expected_cell(v) for k, v in want.items()}, name
    db.conn.close()
    etag = client.get("/data/items.csv").headers["ETag"]
    assert client.get("/data/items.csv", headers={"If-None-Match": etag}).status_code == 304


def _plant_private_data(settings) -> None:
    """What a later feature might add to tracker.db: subscribers, a tip, a proposal."""
    db = sqlite_utils.Database(settings.db_path)
    db["subscribers"].insert({"email": "secret-subscriber@example.org"})
    db["tips"].insert({"text": "tip from secret-tipster@example.org"})
    db["audit_log"].insert(
        {
            "at": "2026-01-01T00:00:00+00:00",
            "who": "ana",
            "action": "user:login",
            "target": "secret-login-name",
            "detail": "{}",
        }  # fmt: skip
    )
    db["audit_log"].insert(
        {"at": "2026-01-01T00:00:00+00:00", "who": "Ana (editor)", "action": "tip:accepted",
         "target": "1", "detail": json.dumps({"note": "Useful.", "email": "secret-x@example.org"})}
    )  # fmt: skip
    db.conn.close()


def test_downloaded_database_opens_searches_and_holds_nothing_private(client, settings, tmp_path):
    _plant_private_data(settings)
    response = fetch(client, "/data/tracker.db")
    assert response.status_code == 200
    assert "filename=tracker.db" in response.headers["Content-Disposition"]
    raw = response.data
    assert b"secret-" not in raw  # not in any table, nor left over in free pages
    path = tmp_path / "tracker.db"
    path.write_bytes(raw)
    conn = sqlite3.connect(path)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert {"subscribers", "tips", "status_proposals"}.isdisjoint(names)
    assert {n for n in names if not n.startswith(published.FTS_TABLES)} <= set(
        published.PUBLIC_TABLES
    )
    conn.close()
    db = sqlite_utils.Database(path)
    assert db["pages"].detect_fts() == "pages_fts"
    hits = list(db["pages"].search("interpretation", columns=["id", "text"]))
    assert hits and all("interpret" in h["text"].lower() for h in hits)
    items = list(db["items"].search("vendors", columns=["id", "text"]))
    assert items and all("vendor" in i["text"].lower() for i in items)
    assert db["commitments"].count == 15 and db["evidence"].count > 0
    audit = list(db.query("select action, detail from audit_log"))
    assert all(not a["action"].startswith("user:") for a in audit)
    assert {"action": "tip:accepted", "detail": '{"note":"Useful."}'} in audit


def test_the_copy_is_rebuilt_when_the_record_changes(client, settings):
    first = fetch(client, "/data/tracker.db").data
    assert fetch(client, "/data/tracker.db").data == first  # served from the cached copy
    db = sqlite_utils.Database(settings.db_path)
    db["audit_log"].insert(
        {
            "at": "2026-01-02T00:00:00+00:00",
            "who": "Ben R.",
            "action": "review:accepted",
            "target": "evidence:1",
            "detail": "{}",
        }  # fmt: skip
    )
    db.conn.close()
    second = fetch(client, "/data/tracker.db").data
    assert second != first
    copies = list((settings.data_dir / "published").glob("tracker-*.db"))
    assert len(copies) == 1  # the old copy is gone


def test_datasette_metadata_describes_the_published_tables(client, tmp_path):
    meta = client.get("/data/metadata.json").get_json()
    assert meta["license"] == "CC BY 4.0"
    assert meta["license_url"].startswith("https://creativecommons.org/licenses/by/4.0")
    assert meta["source_url"].startswith("http")
    path = tmp_path / "t.db"
    path.write_bytes(fetch(client, "/data/tracker.db").data)
    db = sqlite_utils.Database(path)
    tables = meta["databases"]["tracker"]["tables"]
    for name, table in tables.items():
        assert db[name].exists(), name
        columns = {c.name for c in db[name].columns}
        assert set(table.get("columns", {})) <= columns, name
    assert tables["status_events"]["columns"]["effective_date"]


def test_evidence_bundle_holds_documents_manifest_and_citation(client, settings):
    response = client.get(f"/commitments/{LANGUAGE}/evidence.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    names = zf.namelist()
    manifest = json.loads(zf.read("manifest.json"))
    assert "CITATION.txt" in names
    citation = zf.read("CITATION.txt").decode()
    assert "APA:" in citation and manifest["permalink"] in citation
    assert manifest["commitment"]["id"] == LANGUAGE
    assert manifest["documents"], "the accepted match cites an archived agenda"
    db = open_db(settings.db_path, migrate=False)
    for doc in manifest["documents"]:
        data = zf.read(doc["file"])
        assert hashlib.sha256(data).hexdigest() == doc["sha256"]
        stored = list(db.query("select url, fetched_at from documents where sha256 = ?",
                               [doc["sha256"]]))  # fmt: skip
        assert {"url": doc["url"], "fetched_at": doc["fetched_at"]} in stored
        cited = db.query(
            "select distinct page from evidence where document_sha256 = ? and commitment_id = ? "
            "and review_state = 'accepted' and page is not null order by page",
            [doc["sha256"], LANGUAGE],
        )
        assert doc["pages_cited"] == [r["page"] for r in cited]
    db.conn.close()
    assert client.get(f"/commitments/{LANGUAGE}/evidence.zip").data == response.data
    assert client.get("/commitments/nope/evidence.zip").status_code == 404


def test_commitment_page_links_its_bundle(client):
    soup = BeautifulSoup(client.get(f"/es/commitments/{LANGUAGE}").data, "lxml")
    link = soup.select_one("a.bundle-link")
    assert link["href"] == f"/es/commitments/{LANGUAGE}/evidence.zip"
