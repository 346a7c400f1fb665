"""The one polite HTTP client every scraper uses: robots.txt, a delay per host, retries, caps.

Every request names us in its User-Agent, has a timeout, waits its turn behind the previous
request to the same host, and goes only to hosts on an allow-list. Redirects are followed by
hand so that each hop is checked against that list and robots.txt, and conditional headers
(If-None-Match / If-Modified-Since) reach the final hop: Granicus' AgendaViewer.php answers
302 to the PDF, and it is the PDF's validators we keep.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from tracker.errors import FetchError

if TYPE_CHECKING:
    from tracker.config import Settings

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Google reads at most 500 KiB of a robots.txt; a larger one is not a robots.txt we can trust.
ROBOTS_MAX_BYTES = 500 * 1024
CHUNK_BYTES = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


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


class _Retry(Retry):
    """urllib3's Retry with a ceiling on Retry-After and a fallback for one it cannot parse.

    urllib3 2.7 has `retry_after_max`, but only as whole seconds and not in older 2.x; the
    ceiling is carried through `new()`, which urllib3 calls to make each retry's copy.
    """

    # 413 is in urllib3's list too, but a GET has no body to shrink: retrying it cannot help.
    RETRY_AFTER_STATUS_CODES = frozenset({429, 503})

    def __init__(self, *args: Any, max_retry_after: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> Self:
        kw.setdefault("max_retry_after", self.max_retry_after)
        return super().new(**kw)

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
    documents returned). Not thread-safe: one client per scraping run.
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
    ) -> None:
        self.user_agent = user_agent
        self.delay = delay
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allowed_hosts = {host.lower() for host in allowed_hosts}
        self.retries = retries
        self.max_retry_after = max_retry_after
        self.respect_robots = respect_robots
        self.requests = 0
        self.robots_requests = 0
        self.bytes = 0
        self._last_request: dict[str, float] = {}
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
        )
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent
        adapter = HTTPAdapter(max_retries=retry)
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
        """GET a URL, conditionally when validators are given; raise FetchError on any failure."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response, redirects = self._follow(url, headers, robots_fetch=False)
        status = response.status_code
        final_url = response.url
        try:
            if status == 304:
                body = None
            elif status == 200:
                body = self._read_body(response, url, self.max_bytes)
            elif status in RETRY_STATUSES:
                raise FetchError(url, f"HTTP {status} {_after(self._retries_made(response))}")
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
            if not self._host_allowed(current):
                if current == url:
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
            current = urljoin(current, location)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _send(self, url: str, headers: dict[str, str], *, robots_fetch: bool) -> requests.Response:
        """One hop: wait for the host's turn, then GET with retries; count what was sent."""
        self._wait_turn(url)
        try:
            response = self._session.get(
                url, headers=headers, timeout=self.timeout, allow_redirects=False, stream=True
            )
        except requests.RequestException as exc:
            # urllib3 raises MaxRetryError only once every retry is spent.
            spent = isinstance(_cause(exc), MaxRetryError)
            self._count(self.retries + 1 if spent else 1, robots_fetch=robots_fetch)
            self._mark(url)
            raise FetchError(url, self._describe(exc, spent)) from exc
        self._count(self._retries_made(response) + 1, robots_fetch=robots_fetch)
        return response

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

    def _read_body(self, response: requests.Response, url: str, limit: int) -> bytes:
        """Read a streamed body, giving up as soon as it is bigger than `limit`."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(url, f"body of {declared} bytes is over the {limit}-byte limit")
        chunks: list[bytes] = []
        size = 0
        try:
            # Counted after decompression, so a gzip bomb stops at the limit too.
            for chunk in response.iter_content(chunk_size=CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise FetchError(url, f"body is over the {limit}-byte limit")
                chunks.append(chunk)
        except requests.RequestException as exc:
            # Errors in the body come after urllib3's retries are over: report, don't retry.
            if isinstance(_cause(exc), ReadTimeoutError):
                raise FetchError(url, f"timeout while reading the body: {exc}") from exc
            raise FetchError(url, f"connection error while reading the body: {exc}") from exc
        return b"".join(chunks)

    def _robots_allow(self, url: str) -> bool:
        """Whether robots.txt lets us fetch `url`; robots.txt is read once per scheme+host."""
        if not self.respect_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
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
            body = self._read_body(response, robots_url, ROBOTS_MAX_BYTES)
        except FetchError as exc:
            logger.info("robots.txt %s unreadable (%s): allowing all", robots_url, exc.reason)
            return None
        finally:
            response.close()
            self._mark(robots_url)
        logger.info("robots.txt %s -> 200, %d bytes", robots_url, len(body))
        return Protego.parse(body.decode("utf-8", errors="replace"))

    def _host_allowed(self, url: str) -> bool:
        try:
            host = host_of(url)
        except ValueError:
            return False
        return urlsplit(url).scheme in _DEFAULT_PORTS and host in self.allowed_hosts

    def _host_delay(self, url: str) -> float:
        """Our delay, or the site's robots.txt Crawl-delay if longer (capped like Retry-After)."""
        parts = urlsplit(url)
        parser = self._robots.get(f"{parts.scheme}://{parts.netloc}")
        crawl_delay = parser.crawl_delay(self.user_agent) if parser is not None else None
        if crawl_delay is None:
            return self.delay
        return max(self.delay, min(crawl_delay, self.max_retry_after))

    def _wait_turn(self, url: str) -> None:
        last = self._last_request.get(host_of(url))
        if last is not None:
            wait = self._host_delay(url) - (time.monotonic() - last)
            if wait > 0:
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
