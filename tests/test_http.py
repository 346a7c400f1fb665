"""Tests for scrapers/http.py against real servers on 127.0.0.1 (pytest-httpserver, raw sockets)."""

from __future__ import annotations

import email.utils
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from scrapers.http import PoliteClient
from tracker.config import Settings
from tracker.errors import FetchError

UA = "TrackerTests/1.0 (+https://example.org/tracker-tests)"
PDF = b"%PDF-1.7\n%fake agenda\n"


@pytest.fixture
def server(httpserver_ipv4: HTTPServer) -> HTTPServer:
    """pytest-httpserver bound to 127.0.0.1, cleared for each test."""
    return httpserver_ipv4


@pytest.fixture
def make_client(server: HTTPServer) -> Iterator[Callable[..., PoliteClient]]:
    """Build clients allowed to reach `server`, fast by default; close them afterwards."""
    clients: list[PoliteClient] = []

    def make(**overrides: Any) -> PoliteClient:
        options: dict[str, Any] = {
            "user_agent": UA,
            "delay": 0,
            "timeout": 2,
            "max_bytes": 10_000,
            "allowed_hosts": {f"127.0.0.1:{server.port}"},
            "retries": 2,
            "backoff": 0.01,
            "max_retry_after": 5,
            "respect_robots": False,
        }
        options.update(overrides)
        client = PoliteClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class RawServer:
    """A TCP server on 127.0.0.1 that misbehaves: "reset" drops each connection at once,
    "silent" holds it open and never answers."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.connections = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            if self.mode == "reset":
                # Linger 0: close() sends a RST, the client sees "connection reset by peer".
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            else:
                self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[str], RawServer]]:
    servers: list[RawServer] = []

    def make(mode: str) -> RawServer:
        servers.append(RawServer(mode))
        return servers[-1]

    yield make
    for raw in servers:
        raw.close()


def paths(server: HTTPServer) -> list[str]:
    """The paths the server was asked for, in order."""
    return [request.path for request, _ in server.log]


def test_user_agent_is_sent_on_every_request_including_robots(server, make_client):
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/page").respond_with_data("hello")
    make_client(respect_robots=True).get(server.url_for("/page"))
    assert paths(server) == ["/robots.txt", "/page"]
    assert [request.headers["User-Agent"] for request, _ in server.log] == [UA, UA]


def test_delay_is_applied_between_requests_to_the_same_host(server, make_client):
    server.expect_request("/page").respond_with_data("hello")
    client = make_client(delay=0.3)
    start = time.monotonic()
    client.get(server.url_for("/page"))
    first = time.monotonic() - start
    client.get(server.url_for("/page"))
    assert first < 0.3
    assert time.monotonic() - start >= 0.3


def test_200_returns_body_and_validators(server, make_client):
    server.expect_request("/doc").respond_with_data(
        "hello",
        content_type="text/plain",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"},
    )
    client = make_client()
    result = client.get(server.url_for("/doc"))
    assert (result.status, result.body, result.not_modified) == (200, b"hello", False)
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert result.content_type.startswith("text/plain")
    assert result.final_url == result.url == server.url_for("/doc")
    assert result.redirects == []
    assert client.bytes == 5


def test_one_info_line_per_fetch_with_sha256_prefix(server, make_client, caplog):
    server.expect_request("/doc").respond_with_data("hello")
    with caplog.at_level(logging.INFO, logger="scrapers.http"):
        result = make_client().get(server.url_for("/doc"))
    lines = [r.getMessage() for r in caplog.records if r.name == "scrapers.http"]
    assert len(lines) == 1
    assert server.url_for("/doc") in lines[0]
    assert "200" in lines[0] and "5 bytes" in lines[0]
    assert result.sha256[:12] in lines[0]


def test_500_then_success_is_retried(server, make_client):
    server.expect_oneshot_request("/doc").respond_with_data("busy", status=500)
    server.expect_request("/doc").respond_with_data("hello")
    client = make_client()
    result = client.get(server.url_for("/doc"))
    assert result.body == b"hello"
    assert len(server.log) == 2
    assert client.requests == 2


def test_500_every_time_fails_after_the_retries(server, make_client):
    server.expect_request("/doc").respond_with_data("broken", status=500)
    client = make_client(retries=2)
    with pytest.raises(FetchError, match="HTTP 500 after 2 retries"):
        client.get(server.url_for("/doc"))
    assert len(server.log) == 3
    assert client.requests == 3


def test_429_retry_after_seconds_is_honoured(server, make_client):
    server.expect_oneshot_request("/doc").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    server.expect_request("/doc").respond_with_data("hello")
    start = time.monotonic()
    result = make_client().get(server.url_for("/doc"))
    assert result.body == b"hello"
    assert 1.0 <= time.monotonic() - start < 3


def test_retry_after_is_capped(server, make_client):
    server.expect_oneshot_request("/doc").respond_with_data(
        "maintenance", status=503, headers={"Retry-After": "3600"}
    )
    server.expect_request("/doc").respond_with_data("hello")
    start = time.monotonic()
    result = make_client(max_retry_after=0.3).get(server.url_for("/doc"))
    assert result.body == b"hello"
    assert 0.3 <= time.monotonic() - start < 2


def test_retry_after_http_date_is_capped(server, make_client):
    in_an_hour = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server.expect_oneshot_request("/doc").respond_with_data(
        "slow down", status=429, headers={"Retry-After": in_an_hour}
    )
    server.expect_request("/doc").respond_with_data("hello")
    start = time.monotonic()
    make_client(max_retry_after=0.3).get(server.url_for("/doc"))
    assert 0.3 <= time.monotonic() - start < 2


def test_unparseable_retry_after_falls_back_to_backoff(server, make_client):
    server.expect_oneshot_request("/doc").respond_with_data(
        "maintenance", status=503, headers={"Retry-After": "soon"}
    )
    server.expect_request("/doc").respond_with_data("hello")
    assert make_client().get(server.url_for("/doc")).body == b"hello"


@pytest.mark.parametrize("status", [403, 404])
def test_403_and_404_are_not_retried(server, make_client, status):
    server.expect_request("/doc").respond_with_data("no", status=status)
    client = make_client()
    with pytest.raises(FetchError, match=f"HTTP {status}$"):
        client.get(server.url_for("/doc"))
    assert len(server.log) == 1


def test_read_timeout_fails_after_retries(raw_server, make_client):
    silent = raw_server("silent")
    client = make_client(timeout=0.2, retries=1, allowed_hosts={f"127.0.0.1:{silent.port}"})
    start = time.monotonic()
    with pytest.raises(FetchError, match="timeout after 1 retry:") as caught:
        client.get(silent.url("/doc"))
    assert caught.value.url == silent.url("/doc")
    assert time.monotonic() - start < 2
    assert silent.connections == 2
    assert client.requests == 2


def test_connection_reset_fails_after_retries(raw_server, make_client):
    reset = raw_server("reset")
    client = make_client(retries=2, allowed_hosts={f"127.0.0.1:{reset.port}"})
    with pytest.raises(FetchError, match="connection error after 2 retries"):
        client.get(reset.url("/doc"))
    assert reset.connections == 3


def test_oversize_body_with_content_length_is_refused(server, make_client):
    server.expect_request("/big").respond_with_data(b"x" * 2000)
    client = make_client(max_bytes=1000)
    with pytest.raises(FetchError, match="body of 2000 bytes is over the 1000-byte limit"):
        client.get(server.url_for("/big"))
    assert client.bytes == 0


def test_oversize_streamed_body_is_refused(server, make_client):
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"x" * 100

    # No Content-Length: only counting while reading can catch it.
    server.expect_request("/big").respond_with_handler(lambda request: Response(chunks()))
    client = make_client(max_bytes=1000)
    with pytest.raises(FetchError, match="body is over the 1000-byte limit"):
        client.get(server.url_for("/big"))
    assert client.bytes == 0


def test_host_not_on_the_allow_list_is_refused(server, make_client):
    client = make_client()
    with pytest.raises(FetchError, match="allow-list"):
        client.get(f"http://localhost:{server.port}/doc")
    assert server.log == []
    assert client.requests == 0


def test_redirect_to_another_host_is_refused(server, make_client):
    elsewhere = f"http://localhost:{server.port}/x"
    server.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": elsewhere}
    )
    with pytest.raises(FetchError, match=f"redirect to other host refused: {elsewhere}"):
        make_client().get(server.url_for("/start"))
    assert paths(server) == ["/start"]


def test_redirect_on_the_same_host_is_followed(server, make_client):
    server.expect_request("/AgendaViewer.php").respond_with_data(
        "", status=302, headers={"Location": "/files/agenda.pdf"}
    )
    server.expect_request("/files/agenda.pdf").respond_with_data(
        PDF, content_type="application/pdf"
    )
    client = make_client()
    start_url = server.url_for("/AgendaViewer.php?view_id=2&clip_id=1")
    result = client.get(start_url, expect_pdf=True)
    assert result.body == PDF
    assert result.url == start_url
    assert result.final_url == server.url_for("/files/agenda.pdf")
    assert result.redirects == [start_url]
    assert client.requests == 2


def test_redirect_loop_is_stopped(server, make_client):
    server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        make_client().get(server.url_for("/loop"))
    assert len(server.log) == 6


def test_conditional_get_not_modified(server, make_client):
    server.expect_request(
        "/doc",
        headers={"If-None-Match": '"v1"', "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"},
    ).respond_with_data("", status=304, headers={"ETag": '"v1"'})
    client = make_client()
    result = client.get(
        server.url_for("/doc"), etag='"v1"', last_modified="Wed, 01 Jan 2025 00:00:00 GMT"
    )
    assert (result.status, result.not_modified, result.body) == (304, True, None)
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert client.bytes == 0
    server.check_assertions()


def test_conditional_headers_reach_the_final_hop(server, make_client):
    server.expect_request("/AgendaViewer.php").respond_with_data(
        "", status=302, headers={"Location": "/files/agenda.pdf"}
    )
    server.expect_request(
        "/files/agenda.pdf", headers={"If-None-Match": '"pdf1"'}
    ).respond_with_data("", status=304)
    result = make_client().get(server.url_for("/AgendaViewer.php"), etag='"pdf1"', expect_pdf=True)
    assert result.not_modified
    assert result.final_url == server.url_for("/files/agenda.pdf")
    server.check_assertions()


def test_expect_pdf_rejects_html(server, make_client):
    server.expect_request("/doc.pdf").respond_with_data(
        "<html><body>Error</body></html>", content_type="text/html"
    )
    with pytest.raises(FetchError, match="not a PDF"):
        make_client().get(server.url_for("/doc.pdf"), expect_pdf=True)


def test_robots_disallow_refuses_without_requesting_the_page(server, make_client):
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    client = make_client(respect_robots=True)
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        client.get(server.url_for("/private/doc"))
    assert paths(server) == ["/robots.txt"]
    assert (client.robots_requests, client.requests) == (1, 0)


def test_robots_404_allows_and_is_fetched_once_per_host(server, make_client):
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/doc").respond_with_data("hello")
    client = make_client(respect_robots=True)
    client.get(server.url_for("/doc"))
    client.get(server.url_for("/doc"))
    assert paths(server) == ["/robots.txt", "/doc", "/doc"]
    assert (client.robots_requests, client.requests) == (1, 2)


def test_robots_crawl_delay_is_honoured(server, make_client):
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nCrawl-delay: 0.3\n")
    server.expect_request("/doc").respond_with_data("hello")
    client = make_client(respect_robots=True)
    client.get(server.url_for("/doc"))
    start = time.monotonic()
    client.get(server.url_for("/doc"))
    assert time.monotonic() - start >= 0.3


def test_from_settings_uses_the_settings_and_adds_their_hosts():
    settings = Settings(
        user_agent=UA,
        request_delay=2.5,
        request_timeout=12,
        max_document_bytes=123,
        allowed_hosts=("media.example.org",),
    )
    with PoliteClient.from_settings(settings, {"bhamal.granicus.com"}) as client:
        assert (client.user_agent, client.delay, client.timeout, client.max_bytes) == (
            UA,
            2.5,
            12,
            123,
        )
        assert client.allowed_hosts == {"bhamal.granicus.com", "media.example.org"}
