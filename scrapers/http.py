"""The one polite HTTP client every scraper uses: robots.txt, a delay per host, retries, caps.

Every request names us in its User-Agent, has a timeout, waits its turn behind the previous
request to the same host, and goes only to hosts on an allow-list; every fetch has a deadline
for the whole of it. Redirects are followed by hand so that each hop is checked against that
list and robots.txt, and conditional headers (If-None-Match / If-Modified-Since) reach the
final hop: Granicus' AgendaViewer.php answers 302 to the PDF, and it is the PDF's validators we
keep. A URL that two parsers could read as two different hosts is refused, not guessed at.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import socket
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, PoolManager
from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.response import BaseHTTPResponse
from urllib3.util import parse_url
from urllib3.util.retry import Retry

from tracker.errors import FetchError

if TYPE_CHECKING:
    from tracker.config import Settings

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Google reads the first 500 KiB of a robots.txt and ignores the rest; so do we.
ROBOTS_MAX_BYTES = 500 * 1024
CHUNK_BYTES = 64 * 1024
# Without a total_timeout, a fetch may take this many times its longest socket timeout: room
# for a few retries and redirects, not for a server that sends a byte a second.
DEADLINE_PER_TIMEOUT = 4
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A host as DNS spells it (or an IPv4 address), or an IPv6 literal. Anything else, such as a
# percent sign, a zone id or full-width digits that IDNA would fold into ASCII, is refused.
_HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_IPV6_LITERAL = re.compile(r"\[[0-9a-f:.]+\]")


@dataclass(frozen=True)
class FetchResult:
    """What a GET returned: a 200 with its body, or a 304 (`not_modified`, body None)."""

    url: str
    final_url: str
    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    not_modified: bool
    # The URLs that answered with a redirect, in order (like requests' Response.history).
    redirects: list[str]
    # The final answer's response headers (a source may page by them: X-WP-TotalPages).
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str | None:
        """Hex SHA-256 of the body, for provenance; None on a 304."""
        return None if self.body is None else hashlib.sha256(self.body).hexdigest()


def _odd_characters(text: str) -> str | None:
    """What in `text` makes parsers disagree on a URL, before any of them sees it."""
    if "\\" in text:
        # urlsplit reads "http://a\@b/" as host b; urllib3 ends the authority at the
        # backslash and connects to a.
        return "backslash in the URL"
    if any(char.isspace() or not char.isprintable() for char in text):
        # urlsplit silently drops tabs and newlines that urllib3 keeps; and an error message
        # with a control character in it is no longer one line.
        return "whitespace or a control character in the URL"
    return None


def _where(scheme: str | None, host: str | None, port: int | None) -> tuple[str, str, int]:
    """Scheme, bare host and port (the default filled in): where a parser says a URL goes."""
    scheme = (scheme or "").lower()
    return scheme, (host or "").strip("[]").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def url_problem(url: str) -> str | None:
    """Why a request for `url` could go somewhere other than where it seems to; None if it can't.

    Checked on what urlsplit (which our allow-list reads), urllib3 and requests' preparation
    (which choose the connection) each make of the URL: they must all agree.
    """
    odd = _odd_characters(url)
    if odd is not None:
        return odd
    try:
        ours = urlsplit(url)
        ours_at = _where(ours.scheme, ours.hostname, ours.port)
    except ValueError:  # a malformed port, mostly
        return "malformed URL"
    if ours.scheme not in _DEFAULT_PORTS:
        return "not an http(s) URL"
    if "@" in ours.netloc:
        # Credentials have no place in a public records URL, and "a@b" is how hosts are spoofed.
        return "user name or password in the URL"
    host = ours.hostname or ""
    if not host:
        return "no host in the URL"
    if not (_HOST_NAME.fullmatch(host) or _IPV6_LITERAL.fullmatch(f"[{host}]")):
        return "odd host in the URL"
    if ours.port == 0:
        return "malformed URL"
    try:
        theirs = parse_url(url)
    except ValueError:
        return "malformed URL"
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
        sent_at = urlsplit(prepared.url or "")
        sent_at_where = _where(sent_at.scheme, sent_at.hostname, sent_at.port)
    except (requests.RequestException, ValueError):
        return "malformed URL"
    theirs_at = _where(theirs.scheme, theirs.host, theirs.port)
    if theirs.auth is not None or not ours_at == theirs_at == sent_at_where:
        return "ambiguous URL: parsers disagree on its host"
    return None


def safe_url(url: str, allowed_hosts: Iterable[str]) -> str | None:
    """`url` unchanged if it is an http(s) URL on one of `allowed_hosts` with nothing odd in it
    (see url_problem), else None: for vetting links a parser scraped, such as video URLs.
    `url` must be absolute: join a relative link to its page's URL first."""
    if url_problem(url) is not None:
        return None
    return url if host_of(url) in {host.lower() for host in allowed_hosts} else None


def _shown(text: str) -> str:
    """`text` with anything unprintable escaped, so that an error naming it stays on one line."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


class _DeadlinePassed(Urllib3Timeout):
    """Raised inside urllib3 so that no request starts once the fetch's deadline has passed."""


class _Deadline:
    """How long the current fetch may still spend on the network, and the means to stop it.

    A socket timeout bounds each read, not their sum: a server that sends a byte a second holds
    a fetch forever. When the time is up a timer shuts the client's sockets down, which wakes
    any read blocked on them; the client then reports the deadline, not the broken read.
    """

    def __init__(self) -> None:
        self.seconds = math.inf
        # Requests put on the wire, to count those of a fetch the deadline cut short.
        self.sent = 0
        self._left = math.inf
        self._ends: float | None = None  # monotonic; None while paused or between fetches
        self._gave_up: str | None = None
        self._timer: threading.Timer | None = None
        self._round = 0  # a timer that fires late, for a clock since stopped, must not cut
        self._lock = threading.Lock()
        self._connections: weakref.WeakSet[_Watched] = weakref.WeakSet()

    @contextmanager
    def running(self, seconds: float) -> Iterator[None]:
        """Give the fetch inside the block `seconds` on the network."""
        self.seconds, self._left, self._gave_up = seconds, seconds, None
        self._resume()
        try:
            yield
        finally:
            self._pause()
            self.seconds = self._left = math.inf

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stop the clock inside the block."""
        self._pause()
        try:
            yield
        finally:
            self._resume()

    def remaining(self) -> float:
        if self._gave_up is not None:
            return 0.0
        return self._left if self._ends is None else self._ends - time.monotonic()

    def passed(self) -> bool:
        return self.remaining() <= 0

    def give_up(self, reason: str) -> None:
        """End the fetch now: it cannot finish in time (`reason` says why)."""
        self._gave_up = reason

    @property
    def reason(self) -> str:
        return self._gave_up or f"deadline passed: the fetch took over {self.seconds:g} s"

    def watch(self, connection: _Watched) -> None:
        with self._lock:
            self._connections.add(connection)

    def _pause(self) -> None:
        with self._lock:
            self._round += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._ends is not None:
            self._left, self._ends = self._ends - time.monotonic(), None

    def _resume(self) -> None:
        if not math.isfinite(self._left):
            return
        self._ends = time.monotonic() + self._left
        self._timer = threading.Timer(max(self._left, 0.0), self._cut, args=(self._round,))
        self._timer.daemon = True
        self._timer.start()

    def _cut(self, round_: int) -> None:
        # Idle pooled connections are cut too: urllib3 sees them dropped and opens new ones.
        # The lock is held throughout, so that once _pause() has the lock nothing more is cut.
        with self._lock:
            if round_ != self._round:
                return
            for connection in list(self._connections):
                connection.cut()


class _Watched:
    """Mixed into urllib3's connection classes: a connection the deadline can cut, and that
    starts no request once the deadline has passed."""

    deadline: _Deadline
    sock: socket.socket | None
    timeout: float | None

    def _new_conn(self) -> socket.socket:
        left = self.deadline.remaining()
        if left <= 0:
            raise _DeadlinePassed(self.deadline.reason)
        # The TLS handshake runs under this timeout too, and CPython counts it for the whole
        # handshake, not per read: connect and handshake end by the deadline on their own,
        # which matters because cut() cannot reach a socket in mid-handshake.
        if self.timeout is None or self.timeout > left:
            self.timeout = left
        self.deadline.watch(self)
        return super()._new_conn()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.deadline.passed():
            raise _DeadlinePassed(self.deadline.reason)
        self.deadline.sent += 1
        super().request(*args, **kwargs)  # type: ignore[misc]

    def cut(self) -> None:
        sock = self.sock
        if sock is not None:
            try:
                # socket.socket's own shutdown: ssl.SSLSocket's would unwrap TLS first.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:  # closed meanwhile, or mid-handshake: nothing to cut here
                pass


def _watched_pools(manager: PoolManager, deadline: _Deadline) -> None:
    """Make the connections of `manager`'s pools answer to `deadline`."""
    watched: dict[str, type[HTTPConnectionPool]] = {}
    for scheme, pool in manager.pool_classes_by_scheme.items():
        connection = type(
            f"Watched{pool.ConnectionCls.__name__}",
            (_Watched, pool.ConnectionCls),
            {"deadline": deadline},
        )
        watched[scheme] = type(f"Watched{pool.__name__}", (pool,), {"ConnectionCls": connection})
    manager.pool_classes_by_scheme = watched


class _Adapter(HTTPAdapter):
    """requests' HTTPAdapter whose connections, proxied ones included, answer to the deadline."""

    def __init__(self, deadline: _Deadline, **kwargs: Any) -> None:
        self._deadline = deadline
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _watched_pools(self.poolmanager, self._deadline)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        new = proxy not in self.proxy_manager
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if new:
            _watched_pools(manager, self._deadline)
        return manager


class _Retry(Retry):
    """urllib3's Retry with a ceiling on Retry-After, a fallback for one it cannot parse, and
    the fetch's deadline: no retry once it has passed, no wait that would pass it.

    urllib3 2.7 has `retry_after_max`, but only as whole seconds and not in older 2.x; the
    ceiling and the deadline are carried through `new()`, which urllib3 calls to make each
    retry's copy.
    """

    # 413 is in urllib3's list too, but a GET has no body to shrink: retrying it cannot help.
    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def __init__(
        self,
        *args: Any,
        max_retry_after: float = 60.0,
        deadline: _Deadline | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after
        self.deadline = deadline or _Deadline()

    def new(self, **kw: Any) -> Self:
        kw.setdefault("max_retry_after", self.max_retry_after)
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def is_exhausted(self) -> bool:
        return super().is_exhausted() or self.deadline.passed()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        # urllib3's own order: the server's Retry-After if it gave one, else our backoff.
        wait = None
        if self.respect_retry_after_header and response is not None:
            wait = self.get_retry_after(response)
        if not wait:
            wait = self.get_backoff_time()
        if wait > 0 and wait >= self.deadline.remaining():
            # Sleeping into the deadline only to fail after it helps no one: fail now.
            self.deadline.give_up(
                f"deadline would pass: waiting {wait:g} s to retry would take the fetch "
                f"over {self.deadline.seconds:g} s"
            )
            return
        if wait > 0:
            time.sleep(wait)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            # "Retry-After: soon" would otherwise abort the whole fetch; back off instead.
            return None
        return None if seconds is None else min(seconds, self.max_retry_after)


def host_of(url: str) -> str:
    """The host[:port] of a URL as the allow-list spells it (lower case, default port dropped)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port  # raises ValueError on a malformed port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{port}"
    return host


def _origin(url: str) -> str:
    """scheme://host[:port], as robots.txt rules are kept."""
    return f"{urlsplit(url).scheme}://{host_of(url)}"


def _after(retries: int) -> str:
    return f"after {retries} {'retry' if retries == 1 else 'retries'}"


def _cause(exc: BaseException) -> BaseException | None:
    """The urllib3 exception requests wrapped, if any."""
    inner = exc.args[0] if exc.args else None
    return inner if isinstance(inner, BaseException) else None


class PoliteClient:
    """A requests session that waits, retries, obeys robots.txt and refuses what is too big.

    Counters for the run: `requests` (HTTP requests sent, each redirect hop and each retry
    included), `robots_requests` (the same, for robots.txt) and `bytes` (body bytes of the
    documents returned); `warnings`, one line each, for what the run should record although no
    fetch failed (a robots.txt read only in part). Not thread-safe: one client per scraping run.

    `timeout` bounds each connect and each read; `total_timeout` bounds a whole `get()`
    (connect, headers, body, retries and their waits, redirects, robots.txt), all but the waits
    for our turn at a host, which are our politeness and not the server's slowness.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        delay: float,
        timeout: float | tuple[float, float],
        max_bytes: int,
        allowed_hosts: Iterable[str],
        retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 60,
        respect_robots: bool = True,
        total_timeout: float | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.delay = delay
        self.timeout = timeout
        longest = max(timeout) if isinstance(timeout, tuple) else timeout
        self.total_timeout = (
            DEADLINE_PER_TIMEOUT * longest if total_timeout is None else total_timeout
        )
        self.max_bytes = max_bytes
        self.allowed_hosts = {host.lower() for host in allowed_hosts}
        self.retries = retries
        self.max_retry_after = max_retry_after
        self.respect_robots = respect_robots
        self.requests = 0
        self.robots_requests = 0
        self.bytes = 0
        self.warnings: list[str] = []
        self._last_request: dict[str, float] = {}
        self._deadline = _Deadline()
        # None means "no usable robots.txt": everything is allowed.
        self._robots: dict[str, Protego | None] = {}

        retry = _Retry(
            total=retries,
            # Waits of 0, 2*backoff, 4*backoff... (urllib3 retries the first failure at once).
            backoff_factor=backoff,
            backoff_max=max_retry_after,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            # Hand back the last 5xx/429 so we can say "HTTP 503 after 3 retries".
            raise_on_status=False,
            max_retry_after=max_retry_after,
            deadline=self._deadline,
        )
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent
        adapter = _Adapter(self._deadline, max_retries=retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    @classmethod
    def from_settings(cls, settings: Settings, allowed_hosts: Iterable[str]) -> PoliteClient:
        """A client configured from Settings; TRACKER_ALLOWED_HOSTS adds to `allowed_hosts`."""
        return cls(
            user_agent=settings.user_agent,
            delay=settings.request_delay,
            timeout=settings.request_timeout,
            max_bytes=settings.max_document_bytes,
            allowed_hosts={*allowed_hosts, *settings.allowed_hosts},
            retries=settings.request_retries,
            # Settings may not have it yet; without it the deadline follows the timeout.
            total_timeout=settings.request_deadline,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        expect_pdf: bool = False,
    ) -> FetchResult:
        """GET a URL, conditionally when validators are given; raise FetchError on any failure,
        a URL refused, or a fetch over `total_timeout`."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        with self._deadline.running(self.total_timeout):
            response, redirects = self._follow(url, headers, robots_fetch=False)
            status = response.status_code
            final_url = response.url
            try:
                if status == 304:
                    body = None
                elif status == 200:
                    body = self._read_body(response, url, self.max_bytes)
                elif status in RETRY_STATUSES:
                    retries = _after(self._retries_made(response))
                    raise FetchError(url, f"HTTP {status} {retries}")
                else:
                    raise FetchError(url, f"HTTP {status}")
            finally:
                response.close()
                self._mark(final_url)

        if body is not None and expect_pdf and not body.startswith(b"%PDF-"):
            raise FetchError(url, f"not a PDF: starts with {body[:16]!r}")
        result = FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            body=body,
            # A 304 may omit the validators; the ones we sent are still the current ones.
            etag=response.headers.get("ETag") or (etag if body is None else None),
            last_modified=response.headers.get("Last-Modified")
            or (last_modified if body is None else None),
            content_type=response.headers.get("Content-Type"),
            not_modified=body is None,
            redirects=redirects,
            headers=dict(response.headers),
        )
        if body is not None:
            self.bytes += len(body)
        logger.info(
            "GET %s%s -> %s %s, %d bytes, sha256 %s",
            url,
            f" (via {final_url})" if redirects else "",
            status,
            "not modified" if body is None else "fetched",
            0 if body is None else len(body),
            (result.sha256 or "-")[:12],
        )
        return result

    def _follow(
        self, url: str, headers: dict[str, str], *, robots_fetch: bool
    ) -> tuple[requests.Response, list[str]]:
        """Send the GET and follow redirects by hand, checking every hop; return the last answer."""
        redirects: list[str] = []
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            # Every hop, the first and robots.txt's included: an allowed host is only as good
            # as our certainty that the request goes there.
            problem = url_problem(current)
            if problem is not None:
                if not redirects:
                    raise FetchError(url, problem)
                raise FetchError(url, f"redirect refused, {problem}: {_shown(current)}")
            if not self._host_allowed(current):
                if not redirects:
                    raise FetchError(url, "host not on the allow-list")
                raise FetchError(url, f"redirect to other host refused: {current}")
            if not robots_fetch and not self._robots_allow(current):
                raise FetchError(current, "disallowed by robots.txt")
            response = self._send(current, headers, robots_fetch=robots_fetch)
            if response.status_code not in REDIRECT_STATUSES:
                return response, redirects
            location = response.headers.get("Location")
            # The body of a redirect is a courtesy page nobody reads.
            response.close()
            self._mark(current)
            if not location:
                raise FetchError(url, f"HTTP {response.status_code} without a Location")
            redirects.append(current)
            # urljoin drops tabs and newlines before url_problem could see them.
            problem = _odd_characters(location)
            if problem is not None:
                raise FetchError(url, f"redirect refused, {problem}: {_shown(location)}")
            current = urljoin(current, location)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _send(self, url: str, headers: dict[str, str], *, robots_fetch: bool) -> requests.Response:
        """One hop: wait for the host's turn, then GET with retries; count what was sent."""
        self._wait_turn(url)
        if self._deadline.passed():
            raise FetchError(url, self._deadline.reason)
        sent = self._deadline.sent
        try:
            response = self._session.get(
                url,
                headers=headers,
                timeout=self._hop_timeout(),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            if self._deadline.passed():
                self._count(self._deadline.sent - sent, robots_fetch=robots_fetch)
                self._mark(url)
                raise FetchError(url, self._deadline.reason) from exc
            # urllib3 raises MaxRetryError only once every retry is spent.
            spent = isinstance(_cause(exc), MaxRetryError)
            self._count(self.retries + 1 if spent else 1, robots_fetch=robots_fetch)
            self._mark(url)
            raise FetchError(url, self._describe(exc, spent)) from exc
        if self._deadline.passed():
            # Cut sockets read as an early end of the headers: trust nothing read past the
            # deadline.
            response.close()
            self._count(self._deadline.sent - sent, robots_fetch=robots_fetch)
            self._mark(url)
            raise FetchError(url, self._deadline.reason)
        self._count(self._retries_made(response) + 1, robots_fetch=robots_fetch)
        return response

    def _hop_timeout(self) -> float | tuple[float, float]:
        """Our socket timeouts, none longer than the time the fetch has left."""
        # Never zero or less: urllib3 refuses such a timeout with a ValueError, not a timeout.
        left = max(self._deadline.remaining(), 0.001)
        if isinstance(self.timeout, tuple):
            return min(self.timeout[0], left), min(self.timeout[1], left)
        return min(self.timeout, left)

    def _describe(self, exc: requests.RequestException, spent: bool) -> str:
        """A one-line reason for a failed request, naming timeouts as such."""
        cause = _cause(exc)
        reason = cause.reason if isinstance(cause, MaxRetryError) else cause
        after = f" {_after(self.retries)}" if spent else ""
        # requests files a read timeout that spent the retries under ConnectionError.
        if isinstance(exc, requests.Timeout) or isinstance(reason, ReadTimeoutError):
            return f"timeout{after}: {reason or exc}"
        if isinstance(exc, requests.ConnectionError):
            return f"connection error{after}: {reason or exc}"
        return f"request failed: {exc}"

    def _read_body(
        self, response: requests.Response, url: str, limit: int, *, keep_start: bool = False
    ) -> bytes:
        """Read a streamed body, giving up as soon as it is bigger than `limit`; with
        `keep_start`, stop reading there instead and return what was read (up to a chunk more)."""
        declared = response.headers.get("Content-Length", "")
        if not keep_start and declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"body of {declared} bytes is over the {limit}-byte limit")
        chunks: list[bytes] = []
        size = 0
        try:
            # Counted after decompression, so a gzip bomb stops at the limit too.
            for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
                if self._deadline.passed():
                    raise FetchError(url, self._deadline.reason)
                size += len(chunk)
                chunks.append(chunk)
                if size > limit:
                    if keep_start:
                        break
                    raise FetchError(url, f"body is over the {limit}-byte limit")
        except requests.RequestException as exc:
            if self._deadline.passed():
                raise FetchError(url, self._deadline.reason) from exc
            # Errors in the body come after urllib3's retries are over: report, don't retry.
            if isinstance(_cause(exc), ReadTimeoutError):
                raise FetchError(url, f"timeout while reading the body: {exc}") from exc
            raise FetchError(url, f"connection error while reading the body: {exc}") from exc
        if self._deadline.passed():
            # A cut socket reads as the end of a body sent without a length: not a whole body.
            raise FetchError(url, self._deadline.reason)
        return b"".join(chunks)

    def _robots_allow(self, url: str) -> bool:
        """Whether robots.txt lets us fetch `url`; robots.txt is read once per scheme+host."""
        if not self.respect_robots:
            return True
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._fetch_robots(f"{origin}/robots.txt")
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(url, self.user_agent)

    def _fetch_robots(self, robots_url: str) -> Protego | None:
        """Parse a site's robots.txt; a missing or unreadable one allows everything."""
        try:
            response, _ = self._follow(robots_url, {}, robots_fetch=True)
        except FetchError as exc:
            logger.info("robots.txt %s unavailable (%s): allowing all", robots_url, exc.reason)
            return None
        try:
            if response.status_code != 200:
                logger.info("robots.txt %s -> %s: allowing all", robots_url, response.status_code)
                return None
            body = self._read_body(response, robots_url, ROBOTS_MAX_BYTES, keep_start=True)
        except FetchError as exc:
            logger.info("robots.txt %s unreadable (%s): allowing all", robots_url, exc.reason)
            return None
        finally:
            response.close()
            self._mark(robots_url)
        if len(body) > ROBOTS_MAX_BYTES:
            # The rule cut in two is dropped whole: "Allow: /" cut from "Allow: /public/"
            # would open the whole site.
            body = body[: body.rfind(b"\n", 0, ROBOTS_MAX_BYTES) + 1]
            self._warn(
                f"robots.txt {robots_url} is over {ROBOTS_MAX_BYTES // 1024} KiB: only its "
                f"first {ROBOTS_MAX_BYTES // 1024} KiB were read, as Google does"
            )
        logger.info("robots.txt %s -> 200, %d bytes", robots_url, len(body))
        return Protego.parse(body.decode("utf-8", errors="replace"))

    def _warn(self, message: str) -> None:
        logger.warning("%s", message)
        self.warnings.append(message)

    def _host_allowed(self, url: str) -> bool:
        try:
            host = host_of(url)
        except ValueError:
            return False
        return urlsplit(url).scheme in _DEFAULT_PORTS and host in self.allowed_hosts

    def _host_delay(self, url: str) -> float:
        """Our delay, or the site's robots.txt Crawl-delay if longer (capped like Retry-After)."""
        parser = self._robots.get(_origin(url))
        crawl_delay = parser.crawl_delay(self.user_agent) if parser is not None else None
        if crawl_delay is None:
            return self.delay
        return max(self.delay, min(crawl_delay, self.max_retry_after))

    def _wait_turn(self, url: str) -> None:
        last = self._last_request.get(host_of(url))
        if last is not None:
            wait = self._host_delay(url) - (time.monotonic() - last)
            if wait > 0:
                # Our politeness, not the server's slowness: it does not count as the fetch's.
                with self._deadline.paused():
                    time.sleep(wait)

    def _mark(self, url: str) -> None:
        # Measured from the end of a request, so a slow download does not eat the pause.
        self._last_request[host_of(url)] = time.monotonic()

    def _count(self, sent: int, *, robots_fetch: bool) -> None:
        if robots_fetch:
            self.robots_requests += sent
        else:
            self.requests += sent

    @staticmethod
    def _retries_made(response: requests.Response) -> int:
        # urllib3 hands each attempt's response the Retry it ran under; its history lists the
        # attempts before it.
        retry = getattr(response.raw, "retries", None)
        return len(retry.history) if retry is not None else 0
