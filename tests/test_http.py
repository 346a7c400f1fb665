"""Tests for scrapers/http.py against real servers on 127.0.0.1 (pytest-httpserver, raw sockets)."""

from __future__ import annotations

import email.utils
import http.server
import logging
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from scrapers.http import PoliteClient, safe_url
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
    "silent" holds it open and never answers, "drip-headers", "drip-body" and "drip-tls" answer
    one byte every DRIP seconds, in the headers, in the body or in the first record of a TLS
    handshake, for as long as the client listens."""

    DRIP = 0.05

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.connections = 0
        self.dripped = 0
        self._held: list[socket.socket] = []
        self._drippers: list[threading.Thread] = []
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
            elif self.mode.startswith("drip-"):
                self._held.append(conn)
                self._drippers.append(threading.Thread(target=self._drip, args=(conn,)))
                self._drippers[-1].start()
            else:
                self._held.append(conn)

    def _drip(self, conn: socket.socket) -> None:
        conn.settimeout(1)
        request = b""
        while self.mode != "drip-tls" and b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        head = b"HTTP/1.1 200 OK\r\n"
        if self.mode == "drip-tls":
            # A handshake record of 16 KiB: the client's TLS library waits for all of it.
            head = b"\x16\x03\x03\x40\x00"
        elif self.mode == "drip-body":
            head += b"Content-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n%PDF-"
        else:
            head += b"X-Drip: "
        try:
            conn.sendall(head)
            while not self._stop.wait(self.DRIP):
                conn.sendall(b"x")
                self.dripped += 1
        except OSError:  # the client hung up: what the deadline is for
            pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for dripper in self._drippers:
            dripper.join()
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


# Hostile servers and URLs: a site we fetch from is not trusted to keep us on the allow-list,
# to answer in bounded time, or to keep its robots.txt small.


class Redirector:
    """An http.server on 127.0.0.1 that answers each path of `routes` with exactly the status,
    headers and body given. pytest-httpserver cannot play this part: werkzeug rewrites an odd
    Location (it percent-encodes a backslash) before sending it."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.paths: list[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                owner.paths.append(self.path)
                status, headers, body = owner.routes.get(self.path, (404, {}, b""))
                self.send_response_only(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = (status, {"Location": location}, b"")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def redirector() -> Iterator[Redirector]:
    """Server A: on the allow-list, and free to send any Location it likes."""
    a = Redirector()
    yield a
    a.close()


@pytest.fixture(scope="module")
def _other_server() -> Iterator[HTTPServer]:
    other = HTTPServer(host="127.0.0.1", port=0)
    other.start()
    yield other
    other.stop()


@pytest.fixture
def other_server(_other_server: HTTPServer) -> HTTPServer:
    """Server B: a second server on 127.0.0.1, not on the allow-list; no test may reach it."""
    _other_server.clear()
    _other_server.expect_request(re.compile(".*")).respond_with_data("%PDF-1.7\nnot for you\n")
    return _other_server


@pytest.mark.parametrize("respect_robots", [False, True])
def test_redirect_with_a_backslash_before_the_at_never_reaches_the_other_host(
    redirector, other_server, make_client, respect_robots
):
    # urlsplit reads the host after the "@"; urllib3 ends the authority at the backslash and
    # connects to the host before it.
    location = f"http://127.0.0.1:{other_server.port}\\@{redirector.host}/doc.pdf"
    redirector.redirect("/start", location)
    client = make_client(respect_robots=respect_robots, allowed_hosts={redirector.host})
    with pytest.raises(FetchError, match=r"redirect refused, backslash in the URL: ") as caught:
        client.get(redirector.url("/start"))
    assert other_server.log == []
    assert caught.value.url == redirector.url("/start")
    assert redirector.paths == (["/robots.txt", "/start"] if respect_robots else ["/start"])


@pytest.mark.parametrize("respect_robots", [False, True])
def test_initial_url_with_a_backslash_before_the_at_is_refused_unsent(
    redirector, other_server, make_client, respect_robots
):
    url = f"http://127.0.0.1:{other_server.port}\\@{redirector.host}/doc.pdf"
    client = make_client(respect_robots=respect_robots, allowed_hosts={redirector.host})
    with pytest.raises(FetchError, match=r"backslash in the URL$"):
        client.get(url)
    assert other_server.log == []
    assert redirector.paths == []
    assert (client.requests, client.robots_requests) == (0, 0)


def test_robots_txt_redirect_with_a_backslash_is_refused_too(redirector, other_server, make_client):
    location = f"http://127.0.0.1:{other_server.port}\\@{redirector.host}/robots.txt"
    redirector.redirect("/robots.txt", location, status=301)
    redirector.routes["/doc"] = (200, {}, b"hello")
    client = make_client(respect_robots=True, allowed_hosts={redirector.host})
    # An unreadable robots.txt allows everything, as before; what matters is where we went.
    assert client.get(redirector.url("/doc")).body == b"hello"
    assert other_server.log == []
    assert redirector.paths == ["/robots.txt", "/doc"]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("//127.0.0.1:{other}/x", "redirect to other host refused: http://127.0.0.1:{other}/x"),
        ("http://{allowed}@127.0.0.1:{other}/x", "user name or password in the URL"),
        ("http://reader:secret@{allowed}/x", "user name or password in the URL"),
        ("http://127.0.0.1:{other}%5C@{allowed}/x", "user name or password in the URL"),
        ("http://localhost:{other}\\.{allowed}/x", "backslash in the URL"),
        ("/\\localhost:{other}/x", "backslash in the URL"),
        ("http://{allowed}/x\tdoc.pdf", "whitespace or a control character in the URL"),
        ("http://{allowed}/x doc.pdf", "whitespace or a control character in the URL"),
        ("http://{allowed}/x\x1b[2Jdoc.pdf", "whitespace or a control character in the URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("ftp://{allowed}/x", "not an http(s) URL"),
        ("http://{allowed}:{other}/x", "malformed URL"),
        ("http://127.0.0.1%09:{other}/x", "odd host in the URL"),
        ("http://[::1%25lo]:{other}/x", "odd host in the URL"),
    ],
)
def test_odd_redirect_locations_are_refused(
    redirector, other_server, make_client, location, reason
):
    names = {"allowed": redirector.host, "other": other_server.port}
    redirector.redirect("/start", location.format(**names))
    with pytest.raises(FetchError) as caught:
        make_client(allowed_hosts={redirector.host}).get(redirector.url("/start"))
    assert reason.format(**names) in caught.value.reason
    assert caught.value.reason.isprintable()  # one line, no terminal escapes
    assert other_server.log == []
    assert redirector.paths == ["/start"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("//127.0.0.1:{port}/doc", "not an http(s) URL"),
        ("http:///doc", "no host in the URL"),
        ("http://127.0.0.1:{port}@localhost:{port}/doc", "user name or password in the URL"),
        (" http://127.0.0.1:{port}/doc", "whitespace or a control character in the URL"),
        ("http://127.0.0.1:{port}/doc\x00", "whitespace or a control character in the URL"),
        ("http://127.0.0.1:0/doc", "malformed URL"),
        ("http://１２７.０.０.１:{port}/doc", "odd host in the URL"),
    ],
)
def test_odd_initial_urls_are_refused_unsent(server, make_client, url, reason):
    client = make_client(respect_robots=True)
    with pytest.raises(FetchError, match=re.escape(reason)):
        client.get(url.format(port=server.port))
    assert server.log == []


@pytest.mark.parametrize(
    "url",
    [
        "https://bhamal.granicus.com/MediaPlayer.php?view_id=2&clip_id=3105",
        "HTTPS://BHAMAL.granicus.com/MediaPlayer.php?view_id=2&clip_id=3105",
        "https://bhamal.granicus.com:443/player/clip/3105",
        "http://127.0.0.1:8080/videos/x.mp4",
        "https://bhamal.granicus.com/search?q=a@b",
        "https://bhamal.granicus.com/Agenda%20Packet.pdf#page=2",
    ],
)
def test_safe_url_keeps_http_links_on_allowed_hosts(url):
    assert safe_url(url, {"bhamal.granicus.com", "127.0.0.1:8080"}) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:window.open('https://bhamal.granicus.com/MediaPlayer.php')",
        "data:text/html,<script>alert(1)</script>",
        "mailto:clerk@birminghamal.gov",
        "https://evil.example/MediaPlayer.php?view_id=2",
        "https://bhamal.granicus.com.evil.example/x",
        "https://evil.example\\@bhamal.granicus.com/x",
        "https://bhamal.granicus.com@evil.example/x",
        "https://user:pw@bhamal.granicus.com/x",
        "//bhamal.granicus.com/x",
        "/MediaPlayer.php?clip_id=1",
        "https://bhamal.granicus.com:8443/x",
        "http://127.0.0.1/x",
        "https://bhamal.granicus.com/x y",
        "https://ｂhamal.granicus.com/x",
        "https://bhamal.granicus.com\t/x",
        "https:///x",
        "",
    ],
)
def test_safe_url_rejects_other_schemes_hosts_and_odd_forms(url):
    assert safe_url(url, {"bhamal.granicus.com", "127.0.0.1:8080"}) is None


def test_dripping_headers_fail_at_the_deadline(raw_server, make_client):
    drip = raw_server("drip-headers")
    # Each byte comes well within the read timeout: only a deadline for the whole fetch ends it.
    client = make_client(timeout=0.5, total_timeout=1.0, allowed_hosts={f"127.0.0.1:{drip.port}"})
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"deadline passed: the fetch took over 1 s$"):
        client.get(drip.url("/doc"))
    assert 1.0 <= time.monotonic() - start < 1.5
    assert drip.connections == 1
    assert client.requests == 1


def test_dripping_tls_handshake_fails_at_the_deadline(raw_server, make_client):
    drip = raw_server("drip-tls")
    # A connect timeout longer than the deadline: the deadline must end the handshake.
    client = make_client(timeout=5, total_timeout=1.0, allowed_hosts={f"127.0.0.1:{drip.port}"})
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"deadline passed: the fetch took over 1 s$"):
        client.get(f"https://127.0.0.1:{drip.port}/doc")
    assert 1.0 <= time.monotonic() - start < 1.5
    assert drip.connections == 1


def test_dripping_body_fails_at_the_deadline(raw_server, make_client):
    drip = raw_server("drip-body")
    client = make_client(
        timeout=0.5,
        total_timeout=1.0,
        max_bytes=1_000_000,
        allowed_hosts={f"127.0.0.1:{drip.port}"},
    )
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"deadline passed: the fetch took over 1 s$"):
        client.get(drip.url("/doc.pdf"), expect_pdf=True)
    assert 1.0 <= time.monotonic() - start < 1.5
    assert client.bytes == 0
    # We hung up: the server cannot keep us, or its socket, any longer.
    dripped = drip.dripped
    time.sleep(5 * RawServer.DRIP)
    assert drip.dripped <= dripped + 2


def test_deadline_covers_every_redirect_hop(server, make_client):
    def slow_redirect(request):
        time.sleep(0.3)
        return Response("", status=302, headers={"Location": "/next"})

    server.expect_request("/start").respond_with_handler(slow_redirect)
    server.expect_request("/next").respond_with_handler(slow_redirect)
    client = make_client(total_timeout=1.0)
    start = time.monotonic()
    with pytest.raises(FetchError, match="deadline passed: the fetch took over 1 s$"):
        client.get(server.url_for("/start"))
    assert time.monotonic() - start < 1.5
    # Let the hop we hung up on finish, so that it is not logged in the next test's server.
    time.sleep(0.35)
    # Hops start at 0, 0.3, 0.6 and 0.9 s (later on a slow machine): three or four of them.
    assert paths(server)[:3] == ["/start", "/next", "/next"]
    assert paths(server)[3:] in ([], ["/next"])


def test_retry_after_past_the_deadline_gives_up_at_once(server, make_client):
    server.expect_request("/doc").respond_with_data(
        "maintenance", status=503, headers={"Retry-After": "30"}
    )
    client = make_client(total_timeout=2, max_retry_after=60)
    start = time.monotonic()
    with pytest.raises(FetchError, match="deadline would pass: waiting 30 s to retry"):
        client.get(server.url_for("/doc"))
    assert time.monotonic() - start < 1
    assert len(server.log) == 1


def test_waiting_our_turn_does_not_count_against_the_deadline(server, make_client):
    server.expect_request("/doc").respond_with_data("hello")
    client = make_client(delay=0.6, total_timeout=0.4)
    client.get(server.url_for("/doc"))
    start = time.monotonic()
    assert client.get(server.url_for("/doc")).body == b"hello"
    assert time.monotonic() - start >= 0.6


def test_deadline_defaults_to_four_times_the_longest_timeout(make_client):
    assert make_client(timeout=2).total_timeout == 8
    assert make_client(timeout=(3.05, 27)).total_timeout == 108


def test_from_settings_reads_the_request_deadline_when_settings_has_one():
    settings = Settings(user_agent=UA, request_timeout=12)
    with PoliteClient.from_settings(settings, {"bhamal.granicus.com"}) as client:
        assert client.total_timeout == 48
    with_deadline = Settings(user_agent=UA, request_timeout=12, request_deadline=90.0)
    with PoliteClient.from_settings(with_deadline, {"bhamal.granicus.com"}) as client:
        assert client.total_timeout == 90


def test_robots_txt_over_500_kib_is_read_up_to_500_kib_with_a_warning(server, make_client):
    head = "User-agent: *\nDisallow: /private/\n"
    padding = ("# " + "x" * 97 + "\n") * (600 * 1024 // 100)
    server.expect_request("/robots.txt").respond_with_data(head + padding + "Disallow: /late/\n")
    server.expect_request("/late/doc").respond_with_data("hello")
    client = make_client(respect_robots=True)
    assert client.warnings == []
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        client.get(server.url_for("/private/doc"))
    # The rule past 500 KiB is ignored, as Google ignores it.
    assert client.get(server.url_for("/late/doc")).body == b"hello"
    assert len(client.warnings) == 1
    assert server.url_for("/robots.txt") in client.warnings[0]
    assert "500 KiB" in client.warnings[0]
    assert "\n" not in client.warnings[0]
    assert paths(server) == ["/robots.txt", "/late/doc"]


def test_robots_txt_cut_at_500_kib_drops_its_partial_last_line(server, make_client):
    # "Allow: /" cut from "Allow: /public/" would open the whole site.
    head = "User-agent: *\nDisallow: /\n"
    filler = "# " + "x" * (500 * 1024 - len(head) - 2 - 10) + "\n"
    body = head + filler + "Allow: /public/\n"
    assert len(body[: 500 * 1024].rsplit("\n", 1)[1]) == 9  # "Allow: /p"
    server.expect_request("/robots.txt").respond_with_data(body)
    client = make_client(respect_robots=True)
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        client.get(server.url_for("/public/doc"))
    assert len(client.warnings) == 1


def test_deadline_holds_behind_an_http_proxy(raw_server, make_client, monkeypatch):
    # The proxy drips: requests' proxied pools must answer to the deadline too.
    drip = raw_server("drip-headers")
    monkeypatch.setenv("HTTP_PROXY", drip.url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = make_client(timeout=0.5, total_timeout=1.0, allowed_hosts={"council.example"})
    start = time.monotonic()
    with pytest.raises(FetchError, match="deadline passed"):
        client.get("http://council.example/doc")
    assert time.monotonic() - start < 1.5
    assert drip.connections == 1
