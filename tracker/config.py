"""Settings from TRACKER_* environment variables, with a default for every one of them.

A bad value is refused here, at start, in one line: never later, as a traceback or a page 500.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

if TYPE_CHECKING:
    from .jurisdiction import Jurisdiction

ROOT = Path(__file__).resolve().parent.parent
# A month of days is plenty for "the data may be out of date"; far more overflows date maths.
MAX_STALE_DAYS = 3650
_ON, _OFF = {"1", "true", "on", "yes"}, {"0", "false", "off", "no"}


@dataclass(frozen=True)
class Settings:
    """Every setting of the tracker; `from_env` reads them, tests pass them directly."""

    data_dir: Path = ROOT / "data"
    jurisdiction_file: Path = ROOT / "data" / "jurisdiction.yaml"
    host: str = "127.0.0.1"
    port: int = 5000
    public_url: str = ""  # the site's address as readers see it; absolute links use it
    request_delay: float = 1.0
    request_timeout: float = 30.0
    request_deadline: float | None = None  # a whole fetch; None: 4 x request_timeout
    request_retries: int = 3
    max_document_bytes: int = 50 * 1024 * 1024
    user_agent: str = (
        "BirminghamSanctuaryTracker/0.1 "
        "(+https://github.com/birmingham-sanctuary-tracker/tracker; civic accountability project)"
    )
    allowed_hosts: tuple[str, ...] = ()
    weekly_cron: str = "0 6 * * wed"
    premeeting_crons: tuple[str, ...] = ("0 18 * * fri", "0 18 * * mon")
    timezone: str = ""  # empty: the jurisdiction file's
    stale_days: int = 9
    page_cache_mb: int = 64  # rendered pages kept in memory, at most (0: none)
    static_dir: Path | None = None  # rebuild the static mirror here after each scheduled scrape
    scheduler: bool = True
    editor: str = ""  # the name the CLI publishes beside a decision when --who is not given
    https: bool = False  # the site is served over HTTPS: desk cookies are marked Secure
    two_editor_rule: bool = False  # a status change needs a second editor's approval
    session_hours: int = 8  # an editor's login lasts this long, at most
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is believed
    smtp_url: str = field(default="", repr=False)  # where alerts are sent; empty: no alerts
    mail_from: str = ""  # the alerts' From address; empty: alerts@ the public URL's host
    secret_key: str = field(default="", repr=False)

    @property
    def base_url(self) -> str:
        """Where the site's `/` is, for absolute links: TRACKER_PUBLIC_URL, else the address
        `python run.py` listens on. Never the request's Host header, which anyone can forge."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "tracker.db"

    @property
    def desk_db_path(self) -> Path:
        """Editors' accounts and login attempts: never in tracker.db, which is open data."""
        return self.data_dir / "desk.db"

    @property
    def alerts_db_path(self) -> Path:
        """Alert subscribers and the outbox: never in tracker.db, which is open data."""
        return self.data_dir / "alerts.db"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @cached_property
    def place(self) -> Jurisdiction:
        """The jurisdiction file, validated (once per file)."""
        from .jurisdiction import load_jurisdiction

        return load_jurisdiction(Path(self.jurisdiction_file).resolve())

    @cached_property
    def tz(self) -> ZoneInfo:
        """The zone of every local day and time: TRACKER_TIMEZONE, else the jurisdiction's."""
        return ZoneInfo(self.timezone or self.place.timezone)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from TRACKER_* variables; unknown TRACKER_* names are an error."""
        env = os.environ if environ is None else environ
        known = {f.name: f.name for f in fields(cls)}
        known["jurisdiction"] = "jurisdiction_file"
        del known["jurisdiction_file"]
        values: dict[str, object] = {}
        for key, raw in env.items():
            if not key.startswith("TRACKER_"):
                continue
            name = key[len("TRACKER_") :].lower()
            if name not in known:
                raise ConfigError(f"{key}: unknown setting (known: {', '.join(sorted(known))})")
            value = raw.strip()
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                # A newline in a User-Agent or an editor's name breaks a header or a byline.
                raise ConfigError(f"{_env(name, raw)}: holds a control character (a newline?)")
            values[known[name]] = _parse(name, value)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse, in one line, what would only fail later: a data dir we cannot write, a
        jurisdiction file that does not validate, a schedule that never fires."""
        from .errors import CatalogError

        _writable_dir(self.data_dir)
        if self.static_dir is not None:
            # the mirror is built beside it and renamed into place: its folder must be writable
            parent = Path(self.static_dir).parent
            if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
                raise ConfigError(
                    f"TRACKER_STATIC_DIR={str(self.static_dir)!r}: {parent} is not a folder "
                    "this user can write"
                )
        try:
            self.place  # noqa: B018 - validates the file, naming file, entry and field
        except CatalogError as exc:
            raise ConfigError(f"TRACKER_JURISDICTION: {exc}") from None
        from .scheduler import jobs

        jobs(self)

    def with_secret(self) -> Settings:
        """Return settings whose secret key is set, generating and storing one if absent."""
        if self.secret_key:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return replace(self, secret_key=key_file.read_text().strip())


def _env(name: str, raw: str) -> str:
    return f"TRACKER_{name.upper()}={raw!r}"


def _number(name: str, raw: str, low: float, high: float, whole: bool) -> float | int:
    try:
        value: float | int = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{_env(name, raw)}: expected {kind}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(f"{_env(name, raw)}: expected a number from {low:g} to {high:g}")
    return value


# name: (lowest, highest, whole number?)
_RANGES: dict[str, tuple[float, float, bool]] = {
    "port": (1, 65535, True),
    "max_document_bytes": (1024, 2**40, True),
    "stale_days": (1, MAX_STALE_DAYS, True),
    "page_cache_mb": (0, 65536, True),
    "request_retries": (0, 20, True),
    "request_delay": (0, 3600, False),
    "request_timeout": (0.1, 3600, False),
    "request_deadline": (1, 24 * 3600, False),
    "session_hours": (1, 24 * 30, True),
    "trusted_proxies": (0, 5, True),
}


def _http_url(name: str, raw: str) -> str:
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError on a port past 65535 or not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ch == "\\" for ch in raw)
    ):
        raise ConfigError(
            f"{_env(name, raw)}: expected an http(s) URL with a host (no user, query or fragment)"
        )
    return raw.rstrip("/")


def _hosts(name: str, raw: str) -> tuple[str, ...]:
    from scrapers.http import host_of

    hosts = tuple(part.strip() for part in raw.split(",") if part.strip())
    for host in hosts:
        # An entry counts only if a URL on it names exactly it: "http://x/" or "a b" never would.
        try:
            same = host_of(f"http://{host}/") == host.lower() and not any(
                ch.isspace() for ch in host
            )
        except ValueError:
            same = False
        if not same:
            raise ConfigError(f"{_env(name, raw)}: {host!r} is not a host name (host or host:port)")
    return hosts


def _listen_host(name: str, raw: str) -> str:
    if not raw or any(ch.isspace() or ch in "/\\@" for ch in raw):
        raise ConfigError(f"{_env(name, raw)}: expected an address or host name to listen on")
    return raw


SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


def _smtp_url(name: str, raw: str) -> str:
    if not raw:
        return raw
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise ConfigError(f"TRACKER_{name.upper()}: the port is not a number") from None
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        # the URL may hold a password: never echo it
        raise ConfigError(
            f"TRACKER_{name.upper()}: expected {', '.join(s + '://' for s in SMTP_SCHEMES)} "
            "followed by [user:password@]host[:port]"
        )
    return raw


def _writable_dir(path: Path) -> None:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    refused = ConfigError(f"TRACKER_DATA_DIR={str(path)!r}: not a folder this user can write")
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise refused
    # access() says yes to root everywhere, /proc and read-only mounts included: try a write.
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError:
        raise refused from None


def _parse(name: str, raw: str) -> object:
    if name in _RANGES:
        return _number(name, raw, *_RANGES[name])
    if name in {"data_dir", "jurisdiction", "static_dir"}:
        if not raw:
            raise ConfigError(f"{_env(name, raw)}: expected a path")
        return Path(raw).expanduser().resolve()
    if name == "timezone":
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{_env(name, raw)}: not a time zone name") from None
        return raw
    if name in {"scheduler", "https", "two_editor_rule"}:
        if raw.lower() not in _ON | _OFF:
            raise ConfigError(f"{_env(name, raw)}: expected on or off")
        return raw.lower() in _ON
    if name == "public_url":
        return _http_url(name, raw)
    if name == "allowed_hosts":
        return _hosts(name, raw)
    if name == "host":
        return _listen_host(name, raw)
    if name == "user_agent" and not raw:
        raise ConfigError(f"{_env(name, raw)}: every request must name us; keep a contact URL")
    if name == "premeeting_crons":
        return tuple(part.strip() for part in raw.split(";") if part.strip())
    if name == "smtp_url":
        return _smtp_url(name, raw)
    if name == "mail_from":
        if raw and not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+", raw):
            raise ConfigError(f"{_env(name, raw)}: expected an address like alerts@example.org")
        return raw
    return raw
