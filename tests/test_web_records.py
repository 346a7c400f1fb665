"""Council records pages: meetings, one meeting, archived documents, search."""

import hashlib
import shutil
from datetime import date

import pytest
import time_machine
from bs4 import BeautifulSoup

from tests.places import COMMITMENTS_FILE, birmingham_at
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import match_all
from tracker.scrape import scrape
from tracker.web import create_app

HELD = "2026-04-21-regular-city-council-meeting"  # agenda and minutes, outcomes final
CHAMBERS = "2026-04-14-regular-city-council-meeting"  # a regular meeting at City Hall
UPCOMING = "2026-05-19-regular-city-council-meeting"  # agenda only: outcomes provisional
TEST_CLIPS = 4  # hidden by the scraper in the committed publisher page


@pytest.fixture(scope="module")
def scraped_dir(tmp_path_factory, make_httpserver):
    """The fixture site scraped and matched once; each test gets its own copy."""
    from tests.granicus_site import fixture_site

    make_httpserver.clear()  # a test before may have left its handlers (cleared at setup only)
    site = fixture_site(make_httpserver)
    data = tmp_path_factory.mktemp("records") / "data"
    cfg = Settings(
        data_dir=data,
        jurisdiction_file=birmingham_at(data.parent / "place", site.base_url),
        request_delay=0,
        request_timeout=5,
    )
    db = open_db(cfg.db_path)
    try:
        scrape(db, cfg, progress=False)
        match_all(db, COMMITMENTS_FILE)
    finally:
        db.conn.close()
        make_httpserver.clear()
    return data


@pytest.fixture
def rec_settings(scraped_dir, tmp_path) -> Settings:
    data = tmp_path / "data"
    shutil.copytree(scraped_dir, data)
    return Settings(data_dir=data, request_delay=0, secret_key="test")


@pytest.fixture
def rec_db(rec_settings):
    db = open_db(rec_settings.db_path)
    yield db
    db.conn.close()


@pytest.fixture
def rec_client(rec_settings):
    return create_app({"SETTINGS": rec_settings, "TESTING": True}).test_client()


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "lxml")


def item_sha(db, meeting_id):
    return next(
        db.query(
            "select sha256 from documents where meeting_id = ? and kind = 'agenda'", [meeting_id]
        )
    )["sha256"]


def language_evidence(db, meeting_id):
    return next(
        db.query(
            "select e.* from evidence e join items i on i.id = e.item_id "
            "where e.commitment_id = 'language-access' and i.meeting_id = ?",
            [meeting_id],
        )
    )


# --- meetings -------------------------------------------------------------------------------


def test_meetings_lists_meetings_newest_first_without_test_clips(rec_client, rec_db):
    soup = page(rec_client, "/meetings")
    assert soup.h1.get_text(strip=True) == "Council meetings"
    rows = soup.select("table.meetings tbody tr")
    shown = [r["id"] for r in rows]
    visible = [
        r["id"] for r in rec_db.query("select id from meetings where hidden = 0 order by date desc")
    ]
    assert sorted(shown) == sorted(visible) and len(shown) == 12
    dates = [r.select_one("time")["datetime"][:10] for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert soup.select_one("h2#year-2026")
    held = soup.find("tr", id=HELD)
    assert "Held" in held.select_one(".meeting-status").get_text()
    assert "April 21, 2026" in held.get_text() and "10:00" in held.get_text()
    assert "Agenda" in held.get_text() and "Minutes" in held.get_text()
    assert [td.get_text(strip=True) for td in held.select("td.number")] == ["3", "1"]
    assert "has-matches" in held["class"]
    assert "Cancelled" in soup.find("tr", id="2026-05-26-regular-city-council-meeting").get_text()
    note = soup.select_one(".hidden-note")
    assert str(TEST_CLIPS) in note.get_text()
    assert note.a["href"] == "/meetings?hidden=1"


def test_meetings_show_test_clips_when_asked_and_mark_them(rec_client):
    soup = page(rec_client, "/meetings?hidden=1")
    clips = soup.select("tr.test-clip")
    assert len(clips) == TEST_CLIPS
    assert all(c.select_one(".test-badge") for c in clips)
    assert len(soup.select("table.meetings tbody tr")) == 12 + TEST_CLIPS
    assert soup.select_one(".hidden-note a")["href"] == "/meetings"


def test_meetings_filter_by_year(rec_client):
    assert len(page(rec_client, "/meetings?year=2026").select("tbody tr")) == 12
    soup = page(rec_client, "/meetings?year=2019")
    assert not soup.select("tbody tr")
    assert "No meetings" in soup.select_one("main").get_text()
    assert len(page(rec_client, "/meetings?year=junk").select("tbody tr")) == 12


def test_meetings_in_spanish_keep_the_language_and_spanish_dates(rec_client):
    soup = page(rec_client, "/es/meetings")
    assert soup.html["lang"] == "es"
    held = soup.find("tr", id=HELD)
    assert "21 de abril de 2026" in held.get_text()
    assert held.th.a["href"] == f"/es/meetings/{HELD}"
    # After the lead merges /tmp/i18n/records.json: "Reuniones del Concejo", "Celebrada".


# --- one meeting ----------------------------------------------------------------------------


def test_meeting_page_lists_items_with_markers_flags_outcomes_and_votes(rec_client):
    soup = page(rec_client, f"/meetings/{CHAMBERS}")
    assert soup.h1.get_text(strip=True) == "Regular City Council Meeting"
    facts = soup.select_one("dl.facts").get_text(" ", strip=True)
    assert "April 14, 2026" in facts and "9:30" in facts
    assert "Council Chambers, City Hall 3rd floor, 710 North 20th Street" in facts
    items = soup.select("ol.items > li")
    assert [li["id"] for li in items] == ["item-1", "item-2", "item-3"]
    assert items[0].select_one("code.marker").get_text() == "CONSENT ITEM 1."
    assert [b.get_text() for b in items[0].select(".flag")] == ["Consent agenda"]
    assert {b.get_text() for b in items[2].select(".flag")} == {
        "Public hearing",
        "Ordinance (permanent)",
    }
    outcomes = [li.select_one(".outcome").get_text(strip=True) for li in items]
    assert outcomes == ["Adopted", "Adopted", "Tabled"]
    assert not soup.select(".provisional")
    vote = items[0].select_one("dl.vote").get_text(" ", strip=True)
    assert "Moved by Tate" in vote and "Seconded by Woods" in vote and "(9)" in vote
    page_link = items[0].select_one("a[href*='#page-1']")["href"]
    assert page_link.startswith("/documents/")


def test_meeting_page_labels_provisional_outcomes(rec_client, rec_db):
    # Seen before the meeting: once its day is over an item is no longer "on the agenda".
    with time_machine.travel(date(2026, 5, 15), tick=False):
        soup = page(rec_client, f"/meetings/{UPCOMING}")
    items = soup.select("ol.items > li")
    assert items and all(li.select_one(".provisional") for li in items)
    assert items[0].select_one(".outcome").get_text(strip=True) == "On the agenda"
    assert "Provisional" in items[0].select_one(".provisional").get_text()
    rec_db.execute(
        "update items set outcome = 'withdrawn', outcome_provisional = 1 "
        "where meeting_id = ? and number = 3",
        [UPCOMING],
    )
    rec_db.conn.commit()
    third = page(rec_client, f"/meetings/{UPCOMING}").find("li", id="item-3")
    assert third.select_one(".outcome").get_text(strip=True) == "Withdrawn"
    assert third.select_one(".provisional")


def test_matched_item_is_highlighted_with_its_commitment_and_review_state(rec_client, rec_db):
    soup = page(rec_client, f"/meetings/{HELD}")
    matched = soup.select("li.item.matched")
    assert [li["id"] for li in matched] == ["item-2"]
    assert "interpretation" in matched[0].select_one(".item-text").get_text()
    # Only a suggestion so far: not presented as a finding.
    assert "The matcher suggests a promise" in matched[0].select_one(".match-label").get_text()
    link = matched[0].select_one(".match-box a[href='/commitments/language-access']")
    assert link.get_text(strip=True).startswith("City services and council meetings")
    assert matched[0].select_one(".review").get_text() == "may be related — not yet checked"
    passage = matched[0].select_one(".match-box a[href*='evidence=']")["href"]
    assert passage.endswith("#passage")

    ev = language_evidence(rec_db, HELD)
    rec_db["evidence"].update(ev["id"], {"review_state": "accepted"})
    rec_db.conn.commit()
    assert page(rec_client, f"/meetings/{HELD}").select_one("li.matched .review").get_text() == (
        "Accepted"
    )
    rec_db["evidence"].update(ev["id"], {"review_state": "rejected"})
    rec_db.conn.commit()
    assert not page(rec_client, f"/meetings/{HELD}").select("li.matched")


def test_matched_item_in_spanish_links_to_the_spanish_commitment(rec_client):
    soup = page(rec_client, f"/es/meetings/{HELD}")
    link = soup.select_one("li.matched .match-box a")
    assert link["href"] == "/es/commitments/language-access"
    assert (
        link.get_text(strip=True) == "Servicios y reuniones del Concejo en español y otros idiomas"
    )


def test_meeting_page_lists_every_document_version(rec_client, rec_db):
    soup = page(rec_client, f"/meetings/{HELD}")
    rows = soup.select("table.documents tbody tr")
    assert len(rows) == 2
    shas = {
        r["sha256"]
        for r in rec_db.query("select sha256 from documents where meeting_id = ?", [HELD])
    }
    assert {r.select_one("code.sha").get_text() for r in rows} == shas
    assert all(r.select_one("a[href^='/documents/']") for r in rows)
    urls = {
        r["url"] for r in rec_db.query("select url from documents where meeting_id = ?", [HELD])
    }
    assert {r.select_one("a[href^='http']")["href"] for r in rows} == urls
    assert all("Text extracted" in r.get_text() for r in rows)


def test_unknown_meeting_is_a_404(rec_client):
    assert page(rec_client, "/meetings/1999-01-01-nothing", 404).h1.get_text() == "Page not found"


# --- documents ------------------------------------------------------------------------------


def test_document_page_shows_provenance_and_page_anchors(rec_client, rec_db):
    sha = item_sha(rec_db, HELD)
    soup = page(rec_client, f"/documents/{sha}")
    facts = soup.select_one("dl.facts").get_text(" ", strip=True)
    assert sha in facts and "Agenda" in facts and "1,5" in facts  # size in bytes
    assert soup.select_one(f"dl.facts a[href='/meetings/{HELD}']")
    assert soup.select_one(f"a[href='/documents/{sha}/raw']")
    section = soup.select_one("section#page-1")
    assert section.h3.get_text() == "Page 1"
    assert "ITEM 2." in section.select_one(".page-text").get_text()
    assert not soup.select("mark")


def test_evidence_marks_the_matched_item_passage(rec_client, rec_db):
    sha = item_sha(rec_db, HELD)
    ev = language_evidence(rec_db, HELD)
    soup = page(rec_client, f"/documents/{sha}?evidence={ev['id']}")
    jump = soup.find("a", string="Jump to the matched passage")
    assert jump["href"] == "#passage"
    mark = soup.select_one("section#page-1 mark#passage")
    text = " ".join(mark.get_text().split())
    assert text.startswith("A Resolution authorizing the Mayor") and "interpretation" in text
    note = soup.select_one(".evidence-note a[href='/commitments/language-access']")
    assert note
    other = item_sha(rec_db, UPCOMING)
    assert not page(rec_client, f"/documents/{other}?evidence={ev['id']}").select("mark")
    assert not page(rec_client, f"/documents/{sha}?evidence=nope").select("mark")


def test_evidence_on_a_minutes_page_marks_its_offsets(rec_client, rec_db):
    doc = next(
        rec_db.query("select * from documents where meeting_id = ? and kind = 'minutes'", [HELD])
    )
    text = next(rec_db.query("select * from pages where document_id = ?", [doc["id"]]))["text"]
    start = text.index("Councilor Abbott moved")
    end = start + len("Councilor Abbott moved that the resolution be tabled")
    evidence_id = (
        rec_db["evidence"]
        .insert(
            {
                "commitment_id": "language-access",
                "kind": "match",
                "match_key": "page:999",
                "stance": "context",
                "review_state": "candidate",
                "created_at": "2026-05-01T00:00:00+00:00",
                "snippet": "not the passage",
                "document_id": doc["id"],
                "document_sha256": doc["sha256"],
                "page": 1,
                "passage_start": start,
                "passage_end": end,
            }
        )
        .last_pk
    )
    rec_db.conn.commit()
    soup = page(rec_client, f"/documents/{doc['sha256']}?evidence={evidence_id}")
    assert soup.select_one("mark#passage").get_text() == text[start:end]


def test_same_bytes_under_several_meetings_show_the_newest_and_list_the_others(rec_client, rec_db):
    doc = next(
        rec_db.query("select * from documents where meeting_id = ? and kind = 'minutes'", [HELD])
    )
    same = rec_db.execute(
        "select count(*) from documents where sha256 = ?", [doc["sha256"]]
    ).fetchone()[0]
    assert same > 1, "the fixture posts the same minutes for several meetings"
    soup = page(rec_client, f"/documents/{doc['sha256']}")
    assert len(soup.select("section[aria-labelledby=about-heading] ul li")) == same - 1
    assert soup.select("section.doc-page")


def test_document_without_text_says_so(rec_client, rec_db):
    sha = item_sha(rec_db, HELD)
    rec_db.execute("update documents set extract_status = 'no-text' where sha256 = ?", [sha])
    rec_db.conn.commit()
    soup = page(rec_client, f"/documents/{sha}")
    assert not soup.select("section.doc-page")
    assert "No text layer (a scan)" in soup.select_one(".no-text").get_text()


def test_raw_download_serves_the_archived_bytes_inline(rec_client, rec_db, rec_settings):
    sha = item_sha(rec_db, HELD)
    response = rec_client.get(f"/documents/{sha}/raw")
    body = response.get_data()
    response.close()  # the archived file is streamed from an open file
    assert response.status_code == 200
    assert hashlib.sha256(body).hexdigest() == sha
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["Content-Disposition"].endswith(".pdf")
    (rec_settings.archive_dir / sha[:2] / sha[2:]).unlink()
    assert rec_client.get(f"/documents/{sha}/raw").status_code == 404


def test_raw_download_of_a_web_page_uses_its_stored_type_in_a_sandbox(rec_client, rec_settings):
    from tracker import archive

    db = open_db(rec_settings.db_path)
    with db.conn:
        stored = archive.record(
            db,
            rec_settings.archive_dir,
            meeting_id=None,
            kind="manual",
            url="https://example.org/notice.html",
            data=b"<html><script>alert(1)</script>Notice</html>",
            content_type="text/html; charset=utf-8",
        )
    sha = db["documents"].get(stored.document_id)["sha256"]
    db.conn.close()
    response = rec_client.get(f"/documents/{sha}/raw")
    response.close()
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == "sandbox"


def test_unknown_documents_are_404(rec_client):
    assert page(rec_client, "/documents/" + "0" * 64, 404).h1.get_text() == "Page not found"
    assert rec_client.get("/documents/not-a-sha").status_code == 404
    assert rec_client.get("/documents/" + "0" * 64 + "/raw").status_code == 404
    assert rec_client.get("/documents/../../etc/passwd/raw").status_code == 404


# --- search ---------------------------------------------------------------------------------


def results(soup):
    return soup.select("ol.results-list > li")


def test_search_finds_items_with_highlighted_snippets(rec_client):
    soup = page(rec_client, "/search?q=interpretation")
    found = results(soup)
    assert len(found) == 9, "one per visible meeting with an agenda; test clips left out"
    first = found[0]
    assert first.select_one("mark").get_text().lower() == "interpretation"
    assert first.select_one("a")["href"] == f"/meetings/{UPCOMING}#item-2"
    assert "9" in soup.select_one(".result-count").get_text()
    assert not soup.select(".problem")


def test_search_reaches_minutes_pages(rec_client):
    soup = page(rec_client, "/search?q=tabled")
    hrefs = [li.select_one("a")["href"] for li in results(soup)]
    assert hrefs and all("/documents/" in h and h.endswith("#page-1") for h in hrefs)


def test_search_escapes_record_text(rec_client, rec_db):
    doc = next(
        rec_db.query("select * from documents where meeting_id = ? and kind = 'agenda'", [HELD])
    )
    rec_db["items"].insert(
        {
            "meeting_id": HELD,
            "document_id": doc["id"],
            "number": 99,
            "text": "A <b>bold</b> interpretation & <script>alert(1)</script>",
            "page": 1,
        }
    )
    rec_db.conn.commit()
    soup = page(rec_client, "/search?q=bold&to=2026-04-30&from=2026-04-01")
    snippet = results(soup)[0].select_one(".snippet")
    assert not snippet.select("b, script")
    assert "<b>" in snippet.get_text() and snippet.select_one("mark").get_text() == "bold"


@pytest.mark.parametrize("query", ['"unterminated', "AND OR", "2024-17", "status: adopted", "*"])
def test_search_with_syntax_it_cannot_read_is_explained_not_a_500(rec_client, query):
    response = rec_client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "lxml")
    assert "could not be understood" in soup.select_one(".results .problem").get_text()
    assert soup.select_one("input#q")["value"] == query


def test_search_fallback_still_searches_the_words(rec_client):
    soup = page(rec_client, '/search?q="interpretation')
    assert soup.select_one(".results .problem")
    assert len(results(soup)) == 9


def test_search_understands_quotes_and_or(rec_client):
    phrase = page(rec_client, '/search?q="Spanish interpretation"')
    assert len(results(phrase)) == 9 and not phrase.select(".problem")
    either = page(rec_client, "/search?q=interpretation OR nuisance")
    assert len(results(either)) == 18


def test_search_in_spanish_keeps_the_reader_in_spanish(rec_client):
    soup = page(rec_client, "/es/search?q=AND+OR")
    assert soup.html["lang"] == "es"
    assert soup.select_one("form")["action"] == "/es/search"
    found = page(rec_client, "/es/search?q=interpretation")
    assert results(found)[0].select_one("a")["href"].startswith("/es/meetings/")
    assert "19 de mayo de 2026" in results(found)[0].get_text()
    # After the merge the friendly message reads "No pudimos entender su búsqueda…".


def test_search_filters_by_meeting_dates(rec_client):
    april = page(rec_client, "/search?q=interpretation&from=2026-04-01&to=2026-04-30")
    dates = [li.time["datetime"] for li in results(april)]
    assert dates and all("2026-04-01" <= d <= "2026-04-30" for d in dates)
    assert len(dates) < 9
    soup = page(rec_client, "/search?q=interpretation&from=April")
    assert "April" in soup.select_one(".problem").get_text()
    assert len(results(soup)) == 9


def test_search_filters_by_commitment(rec_client):
    everything = page(rec_client, "/search?q=resolution")
    matched = page(rec_client, "/search?q=resolution&commitment=language-access")
    assert len(results(matched)) == 9 < len(results(everything))
    assert all("interpretation" in li.get_text() for li in results(matched))
    selected = matched.select_one("select#commitment option[selected]")
    assert selected["value"] == "language-access"
    assert not results(page(rec_client, "/search?q=resolution&commitment=municipal-id"))


def test_search_form_alone_when_there_is_no_query(rec_client):
    soup = page(rec_client, "/search")
    assert soup.select_one("label[for=q]") and soup.select_one("input#q[name=q]")
    assert soup.select_one("label[for=from]") and soup.select_one("label[for=to]")
    options = soup.select("select#commitment option")
    assert len(options) == 16 and options[0]["value"] == ""
    assert not soup.select(".results")
    es = page(rec_client, "/es/search")
    assert "Declarar a Birmingham ciudad santuario" in es.select_one("select#commitment").get_text()


def test_search_pages_through_many_results(rec_client, monkeypatch):
    from tracker.web import records

    monkeypatch.setattr(records, "PER_PAGE", 4)
    first = page(rec_client, "/search?q=interpretation")
    assert len(results(first)) == 4
    more = first.select_one("a[rel=next]")["href"]
    assert "page=2" in more and "q=interpretation" in more
    last = page(rec_client, "/search?q=interpretation&page=3")
    assert len(results(last)) == 1 and results(last)[0].parent["start"] == "9"
    assert not last.select("a[rel=next]") and last.select("a[rel=prev]")
    beyond = page(rec_client, "/search?q=interpretation&page=99")
    assert len(results(beyond)) == 1


def test_search_never_fails_on_odd_query_text(rec_client):
    for q in ["NEAR(a b, x)", "\x00interpretation", '"', "a AND", "2024-17", "*"]:
        response = rec_client.get("/search", query_string={"q": q})
        assert response.status_code == 200, q
