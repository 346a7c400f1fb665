"""The public pages as a reader sees them, in English and Spanish."""

from bs4 import BeautifulSoup

from tests.places import COMMITMENT_IDS, COMMITMENTS_FILE
from tracker.catalog import load_commitments


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "lxml")


def test_overview_lists_all_fifteen_promises_with_status_and_dates(client):
    soup = page(client, "/")
    assert soup.html["lang"] == "en"
    rows = soup.select("table.commitments tbody tr")
    assert [r["id"] for r in rows] == list(COMMITMENT_IDS)
    first = rows[0]
    assert first.select_one(".status-kept"), "declare-sanctuary is kept since the resolution"
    assert "January 31, 2017" in first.get_text()
    for r in rows:
        assert r.select_one(".status").get_text(strip=True)
        assert len(r.select("time")) == 2


def test_overview_in_spanish_uses_spanish_titles_labels_and_dates(client):
    soup = page(client, "/es/")
    assert soup.html["lang"] == "es"
    titles_es = [c.title.es for c in load_commitments(COMMITMENTS_FILE)]
    shown = [a.get_text(strip=True) for a in soup.select("table.commitments tbody th a")]
    assert shown == titles_es
    text = soup.get_text()
    assert "Cumplida" in text
    assert "31 de enero de 2017" in text
    links = [a["href"] for a in soup.select("table.commitments tbody th a")]
    assert all(href.startswith("/es/commitments/") for href in links)


def test_commitment_page_shows_promise_sources_status_history_and_evidence(client):
    soup = page(client, "/commitments/declare-sanctuary")
    assert soup.h1.get_text(strip=True) == load_commitments(COMMITMENTS_FILE)[0].title.en
    status = soup.select_one(".standing")
    assert "Kept" in status.get_text() and "January 31, 2017" in status.get_text()
    assert soup.select(".sources a[href^='https://']")
    assert soup.select("ol.timeline li")
    assert soup.select("article.evidence")


def test_every_commitment_page_renders_in_both_languages(client):
    for cid in COMMITMENT_IDS:
        en = page(client, f"/commitments/{cid}")
        es = page(client, f"/es/commitments/{cid}")
        assert en.html["lang"] == "en" and es.html["lang"] == "es"
        assert en.h1.get_text() != es.h1.get_text()


def test_as_of_shows_the_page_as_it_stood_that_day(client):
    before = page(client, "/commitments/declare-sanctuary?as_of=2017-01-30")
    assert "Not started" in before.select_one(".standing").get_text()
    assert "January 30, 2017" in before.select_one(".as-of").get_text()
    after = page(client, "/commitments/declare-sanctuary/as-of/2017-02-01")
    assert "Kept" in after.select_one(".standing").get_text()
    overview = page(client, "/?as_of=2017-01-30")
    assert not overview.select(".status-kept")


def test_language_switch_keeps_the_page_and_its_query(client):
    soup = page(client, "/commitments/municipal-id?as_of=2019-06-01")
    switch = soup.select_one("header nav a[hreflang=es]")
    assert switch["href"] == "/es/commitments/municipal-id?as_of=2019-06-01"
    back = page(client, switch["href"]).select_one("header nav a[hreflang=en]")
    assert back["href"] == "/commitments/municipal-id?as_of=2019-06-01"


def test_unknown_commitment_is_a_friendly_404_in_both_languages(client):
    assert page(client, "/commitments/no-such-thing", 404).h1.get_text() == "Page not found"
    assert page(client, "/es/commitments/no-such-thing", 404).h1.get_text() == (
        "Página no encontrada"
    )


def test_bad_as_of_date_is_explained(client):
    soup = page(client, "/commitments/municipal-id?as_of=June-2019", 400)
    assert "June-2019" in soup.select_one("main").get_text()
    assert "in the future" in page(client, "/?as_of=2999-01-01", 400).get_text()


def test_pages_carry_etags_answer_304_and_change_when_the_data_does(client, db):
    first = client.get("/commitments/municipal-id")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/commitments/municipal-id", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    spanish = client.get("/es/commitments/municipal-id")
    assert spanish.headers["ETag"] != etag  # the language is part of the page

    from datetime import date

    from tracker.status import record_event

    with db.conn:
        record_event(
            db, "municipal-id", "in-progress", date(2026, 6, 1), "Ordinance introduced.", who="t"
        )
    changed = client.get("/commitments/municipal-id", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Ordinance introduced." in changed.get_data(as_text=True)


def test_pages_send_a_content_security_policy_without_inline_styles(client):
    response = client.get("/")
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    soup = BeautifulSoup(response.data, "lxml")
    assert not soup.select("[style]") and not soup.select("style")


def test_cite_box_gives_a_permanent_link_and_apa_and_chicago_citations(client):
    soup = page(client, "/commitments/declare-sanctuary/as-of/2020-01-15")
    assert len(soup.select("section.cite")) == 1
    assert soup.title.get_text().startswith(load_commitments(COMMITMENTS_FILE)[0].title.en)
    box = soup.select_one("section.cite")
    link = "http://127.0.0.1:5000/commitments/declare-sanctuary/as-of/2020-01-15"
    assert box.select_one("a")["href"] == link
    title = load_commitments(COMMITMENTS_FILE)[0].title.en
    assert box.select_one("#cite-apa").get_text() == (
        f"Birmingham Sanctuary Promise Tracker. (n.d.). {title}. "
        f"Retrieved January 15, 2020, from {link}"
    )
    assert box.select_one("#cite-chicago").get_text() == (
        "Birmingham Sanctuary Promise Tracker. \u201cDeclare Birmingham a Sanctuary City.\u201d "
        f"Accessed January 15, 2020. {link}."
    )
    es = page(client, "/es/commitments/declare-sanctuary/as-of/2020-01-15")
    assert "(s.f.)" in es.select_one("#cite-apa").get_text()
    assert "Recuperado el 15 de enero de 2020 de" in es.select_one("#cite-apa").get_text()
    assert es.select_one("section.cite a")["href"].startswith("http://127.0.0.1:5000/es/")


def test_commitment_page_has_open_graph_and_twitter_meta(client):
    soup = page(client, "/commitments/police-not-immigration-agents")
    og = {m["property"]: m["content"] for m in soup.select("meta[property]")}
    assert og["og:title"] == load_commitments(COMMITMENTS_FILE)[4].title.en
    assert og["og:description"].startswith("Broken") or og["og:description"]
    assert og["og:url"].startswith(
        "http://127.0.0.1:5000/commitments/police-not-immigration-agents"
    )
    assert soup.select_one("meta[name='twitter:card']")["content"] == "summary"


def test_overview_has_a_status_chart_with_a_table_alternative(client):
    soup = page(client, "/")
    svg = soup.select_one("figure.chart svg")
    assert svg["role"] == "img" and svg.select_one("title").get_text()
    table = {
        r.th.get_text(strip=True): int(r.td.get_text())
        for r in soup.select("figure.chart table tbody tr")
    }
    assert sum(table.values()) == 15
    assert table["Kept"] == len(soup.select("table.commitments .status-kept"))


def test_recent_changes_list_status_events_newest_first(client):
    soup = page(client, "/")
    dates = [t["datetime"] for t in soup.select("ul.changes li time")]
    assert dates and dates == sorted(dates, reverse=True)


def test_server_error_is_a_friendly_page_in_the_readers_language(settings):
    from tracker.web import create_app

    app = create_app({"SETTINGS": settings})  # not TESTING: errors are handled, not raised

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    client = app.test_client()
    en = client.get("/boom")
    assert en.status_code == 500
    soup = BeautifulSoup(en.data, "lxml")
    assert soup.h1.get_text() == "Something went wrong on our side"
    assert "Traceback" not in en.get_data(as_text=True) and "a bug" not in soup.get_text()
    es = BeautifulSoup(client.get("/es/boom").data, "lxml")
    assert es.html["lang"] == "es" and es.h1.get_text() == "Algo salió mal de nuestro lado"


def test_an_as_of_page_keeps_showing_what_the_record_held_that_day(client, db):
    from datetime import date

    from tracker.status import record_event

    url = "/commitments/municipal-id/as-of/2021-01-01"
    before = page(client, url).select_one(".standing").get_text(" ", strip=True)
    with db.conn:
        record_event(
            db,
            "municipal-id",
            "in-progress",
            date(2020, 6, 1),
            "Found later: an ID ordinance was introduced in 2020.",
            who="t",
        )
    after = page(client, url).select_one(".standing").get_text(" ", strip=True)
    assert after == before  # recorded today: not part of what the page said on 2021-01-01
    today = page(client, "/commitments/municipal-id").get_text()
    assert "Found later: an ID ordinance was introduced in 2020." in today


def test_a_utc_timestamp_is_shown_as_its_day_in_birmingham(app):
    from tracker.web.filters import long_date

    with app.test_request_context("/"):
        assert long_date("2026-11-27T03:00:00+00:00") == "November 26, 2026"
        assert long_date("2026-11-27") == "November 27, 2026"
