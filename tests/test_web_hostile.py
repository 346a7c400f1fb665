"""The web layer under hostile input: long searches, forged Host headers, cache-busting query
strings, odd query values, links that would lead off the site."""

from __future__ import annotations

import http.client
import threading
import time
from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup

from tests import test_web_records as records
from tracker.web import create_app

# The scraped fixture site of the records tests, one copy per test.
scraped_dir, rec_settings, rec_db, rec_client = (
    records.scraped_dir,
    records.rec_settings,
    records.rec_db,
    records.rec_client,
)

LONG_QUERY = " ".join(["interpretation"] * 3000)


def soup_of(response):
    return BeautifulSoup(response.data, "lxml")


# --- 3. search cannot take the site down ----------------------------------------------------


def test_a_3000_word_query_answers_quickly_with_the_capped_message(rec_client):
    started = time.monotonic()
    response = rec_client.get("/search", query_string={"q": LONG_QUERY})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 2, f"{elapsed:.1f} s"
    soup = soup_of(response)
    assert "shortened" in soup.select_one(".results .search-capped").get_text()
    assert soup.select("ol.results-list > li"), "the words kept are still searched"
    assert len(soup.select_one("input#q")["value"]) < 1000


def test_many_different_words_are_capped_too(rec_client):
    q = " ".join(f"word{i}" for i in range(200))
    soup = soup_of(rec_client.get("/search", query_string={"q": q}))
    assert soup.select_one(".search-capped")
    assert len(soup.select_one("input#q")["value"].split()) <= 32


def test_a_short_query_is_not_capped(rec_client):
    soup = soup_of(rec_client.get("/search?q=interpretation"))
    assert not soup.select(".search-capped")


def test_a_search_over_its_time_gets_a_friendly_message_not_a_500(rec_settings, monkeypatch):
    from tracker import search

    monkeypatch.setattr(search, "PROGRESS_STEPS", 1)  # check the clock at every step
    app = create_app({"SETTINGS": rec_settings, "TESTING": True, "SEARCH_TIMEOUT_MS": 0})
    response = app.test_client().get("/search?q=interpretation")
    assert response.status_code == 200
    soup = soup_of(response)
    assert "took too long" in soup.select_one(".results .search-timeout").get_text()
    assert not soup.select("ol.results-list > li")
    # the connection is usable again: the next search on a normal app finds results
    normal = create_app({"SETTINGS": rec_settings, "TESTING": True})
    assert soup_of(normal.test_client().get("/search?q=interpretation")).select("ol > li")


def test_searches_beyond_the_concurrency_limit_are_told_to_retry_quickly(rec_settings):
    app = create_app({"SETTINGS": rec_settings, "TESTING": True, "SEARCH_CONCURRENCY": 2})
    slots = app.extensions["tracker.search_slots"]
    assert slots.acquire(timeout=1) and slots.acquire(timeout=1)  # two searches running
    try:
        started = time.monotonic()
        response = app.test_client().get("/search?q=interpretation")
        assert time.monotonic() - started < 2
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "busy" in soup_of(response).select_one(".search-busy").get_text()
        # the form without a query costs nothing and is always served
        assert app.test_client().get("/search").status_code == 200
    finally:
        slots.release()
        slots.release()
    assert app.test_client().get("/search?q=interpretation").status_code == 200


@contextmanager
def waitress_server(app):
    """The app served by waitress (8 threads, as `python run.py`) on 127.0.0.1."""
    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        server.close()
        server.task_dispatcher.shutdown(timeout=5)
        thread.join(5)


def timed_get(port: int, path: str, timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


def test_other_pages_answer_fast_while_long_searches_run(rec_settings):
    from urllib.parse import quote

    app = create_app({"SETTINGS": rec_settings})
    long_search = "/search?q=" + quote(LONG_QUERY)
    with waitress_server(app) as port:
        timed_get(port, "/", 10)  # the first render fills the page cache
        statuses: list[int] = []

        def searcher() -> None:
            for _ in range(3):
                try:
                    statuses.append(timed_get(port, long_search, 30)[0])
                except OSError:
                    statuses.append(0)

        searchers = [threading.Thread(target=searcher, daemon=True) for _ in range(8)]
        for t in searchers:
            t.start()
        time.sleep(0.3)  # let them take the server's threads
        slowest = 0.0
        for path in ["/static/style.css", "/", "/meetings", "/static/style.css"]:
            status, elapsed = timed_get(port, path, 5)
            assert status == 200, path
            slowest = max(slowest, elapsed)
        for t in searchers:
            t.join(60)
    assert slowest < 1.0, f"a page took {slowest:.2f} s while searches ran"
    assert statuses and set(statuses) <= {200, 503}, statuses


def test_the_capped_message_in_spanish(rec_client):
    soup = soup_of(rec_client.get("/es/search", query_string={"q": LONG_QUERY}))
    assert "se acortó" in soup.select_one(".search-capped").get_text()


# --- 4. absolute links never come from the request's Host ----------------------------------

HOST_PAGES = [
    "/",
    "/commitments/language-access",
    "/commitments/language-access/as-of/2020-01-01",
    "/es/commitments/language-access",
    "/meetings",
    "/methodology",
    "/sources",
]


@pytest.mark.parametrize("path", HOST_PAGES)
def test_a_forged_host_plants_nothing_on_the_page_everyone_gets(client, path):
    forged = client.get(path, headers={"Host": "evil.example"})
    normal = client.get(path)
    assert forged.status_code == normal.status_code == 200
    for response in (forged, normal):
        assert b"evil.example" not in response.data
        assert not any("evil.example" in v for _, v in response.headers)


def test_absolute_links_default_to_the_served_address(client):
    soup = soup_of(client.get("/commitments/language-access", headers={"Host": "evil.example"}))
    canonical = soup.select_one("link[rel=canonical]")["href"]
    assert canonical.startswith("http://127.0.0.1:5000/commitments/language-access/as-of/")
    assert "http://127.0.0.1:5000/commitments/" in soup.get_text()  # the citations


def test_absolute_links_use_the_public_url(settings):
    from dataclasses import replace

    app = create_app(
        {
            "SETTINGS": replace(settings, public_url="https://tracker.example.org/bham"),
            "TESTING": True,
        }
    )
    client = app.test_client()
    soup = soup_of(client.get("/es/commitments/language-access", headers={"Host": "evil.example"}))
    canonical = soup.select_one("link[rel=canonical]")["href"]
    assert canonical.startswith("https://tracker.example.org/bham/es/commitments/language-access/")
    assert "evil.example" not in str(soup)


def test_the_default_base_url_is_host_and_port():
    from tracker.config import Settings

    assert Settings().base_url == "http://127.0.0.1:5000"
    assert Settings(host="::1", port=8080).base_url == "http://[::1]:8080"
    assert Settings(public_url="https://x.example").base_url == "https://x.example"
