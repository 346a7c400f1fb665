"""The web layer under hostile input: long searches, forged Host headers, cache-busting query
strings, odd query values, links that would lead off the site."""

from __future__ import annotations

import http.client
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta

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
def waitress_server(settings):
    """`python run.py serve` (waitress, 8 threads) on 127.0.0.1 over these settings' data."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "TRACKER_DATA_DIR": str(settings.data_dir),
        "TRACKER_PORT": str(port),
        "TRACKER_SCHEDULER": "off",
    }
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "run.py", "serve"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                timed_get(port, "/", 5)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


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

    long_search = "/search?q=" + quote(LONG_QUERY)
    with waitress_server(rec_settings) as port:  # its first page view filled the page cache
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


# --- 9. the page cache is bounded, and keyed on what changes the page -----------------------


def page_cache(app):
    """The app's PageCache (its before_request hook's object)."""
    return next(f.__self__ for f in app.before_request_funcs[None] if hasattr(f, "__self__"))


def cached_bytes(cache) -> int:
    return sum(len(key) + len(entry[1]) for key, entry in cache.entries.items())


def test_a_thousand_query_strings_leave_the_cache_small(rec_settings, rec_db):
    app = create_app({"SETTINGS": rec_settings, "TESTING": True})
    client = app.test_client()
    sha = records.item_sha(rec_db, records.HELD)
    for n in range(1000):
        assert client.get(f"/documents/{sha}?v={n}&utm_source=x{n}").status_code == 200
    cache = page_cache(app)
    assert len(cache.entries) <= 2
    assert cached_bytes(cache) <= 64 * 2**20


def test_the_cache_stays_under_its_byte_limit(rec_settings):
    from dataclasses import replace

    app = create_app({"SETTINGS": replace(rec_settings, page_cache_mb=1), "TESTING": True})
    client = app.test_client()
    day = date(2018, 1, 1)
    for n in range(300):  # 300 real, distinct pages of ~10 kB each
        as_of = (day + timedelta(days=n)).isoformat()
        assert client.get(f"/commitments/language-access?as_of={as_of}").status_code == 200
    cache = page_cache(app)
    assert 0 < cached_bytes(cache) <= 2**20
    # the newest pages are the ones kept
    assert any("as_of=2018-10-27" in key for key in cache.entries)


def test_one_page_under_equivalent_query_strings_is_one_entry(client, app):
    for url in [
        "/meetings?year=2026&hidden=0",
        "/meetings?hidden=0&year=2026",
        "/meetings?year=2026&x=1",
        "/meetings?year=2026&year=1999",
    ]:
        assert client.get(url).status_code == 200
    keys = [k for k in page_cache(app).entries if "/meetings" in k]
    assert len(keys) == 1, keys


def test_the_language_link_of_a_cached_page_keeps_only_what_changes_it(client):
    soup = soup_of(client.get("/meetings?year=2026&junk=%3Cplanted%3E"))
    link = soup.select_one("a[hreflang=es]") or soup.find("a", href=lambda h: h and "/es/" in h)
    assert link["href"] == "/es/meetings?year=2026"


# --- 10. the language switch stays on the site; odd numbers in queries ----------------------


@pytest.mark.parametrize(
    "path",
    [
        "/es/%5Cevil.example/x",
        "/es//evil.example/x",
        "/es/%2F%2Fevil.example",
        "/es/%09/evil.example/x",
        "/%5Cevil.example/x",
        "//evil.example/x",
        "/es/\\\\evil.example",
    ],
)
def test_the_language_switch_on_a_404_is_a_local_path(client, path):
    from urllib.parse import urljoin, urlsplit

    response = client.get(path)
    assert response.status_code == 404
    soup = soup_of(response)
    for link in soup.select("a[hreflang]"):
        href = link["href"]
        assert href.startswith("/") and not href.startswith("//"), href
        assert "\\" not in href and "\t" not in href, href
        # as a browser resolves it (which also treats \\ as /): still this site
        resolved = urljoin("http://127.0.0.1:5000/x", href.replace("\\", "/"))
        assert urlsplit(resolved).netloc == "127.0.0.1:5000", href


def test_url_in_keeps_the_page_and_its_query():
    from tracker.i18n import url_in

    assert url_in("es", "", "/meetings", "year=2026") == "/es/meetings?year=2026"
    assert url_in("en", "/es", "/search", "q=caf%C3%A9") == "/search?q=caf%C3%A9"
    assert url_in("en", "/es", "/", "") == "/"
    assert url_in("es", "", "/\\evil.example/x", "") == "/es/%5Cevil.example/x"
    assert url_in("en", "/es", "//evil.example", "") == "/evil.example"


ODD_NUMBERS = ["²", "①", "٢٠٢٤", str(2**63), str(2**64), "9" * 40, "-1", "0x10", " 2", "1e3"]


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_numbers_in_query_args_are_never_a_500(rec_client, rec_db, value):
    sha = records.item_sha(rec_db, records.HELD)
    for path, query in [
        (f"/documents/{sha}", {}),
        ("/search", {"q": "interpretation"}),
        ("/meetings", {}),
    ]:
        for name in ("evidence", "page", "year"):
            response = rec_client.get(path, query_string={**query, name: value})
            assert response.status_code in (200, 400), (path, name, value, response.status_code)


def test_an_odd_year_is_ignored_and_an_odd_page_is_the_first(rec_client):
    everything = soup_of(rec_client.get("/meetings"))
    odd = soup_of(rec_client.get("/meetings", query_string={"year": "٢٠٢٤"}))
    assert odd.select("main") and len(odd.select("li")) == len(everything.select("li"))
    first = soup_of(rec_client.get("/search", query_string={"q": "interpretation", "page": "①"}))
    assert first.select_one("ol.results-list")["start"] == "1"


def test_the_evidence_highlight_still_works_with_a_strict_id(rec_client, rec_db):
    evidence = records.language_evidence(rec_db, records.HELD)
    sha = records.item_sha(rec_db, records.HELD)
    soup = soup_of(rec_client.get(f"/documents/{sha}?evidence={evidence['id']}"))
    assert soup.select("mark")
    odd = soup_of(rec_client.get(f"/documents/{sha}?evidence=%C2%B2{evidence['id']}"))
    assert not odd.select("mark")
