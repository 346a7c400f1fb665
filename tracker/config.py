"""Settings from TRACKER_* environment variables, with a default for every one of them.

A bad value is refused here, at start, in one line: never later, as a traceback or a page 500.
"""

from __future__ import annotations

import math
import os
import secrets
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
            values[known[name]] = _parse(name, raw.strip())
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
}


def _http_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise ConfigError(f"{_env(name, raw)}: expected an http(s) URL with a host")
    return raw.rstrip("/")


def _writable_dir(path: Path) -> None:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"TRACKER_DATA_DIR={str(path)!r}: not a folder this user can write")


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
    if name in {"allowed_hosts", "premeeting_crons"}:
        sep = "," if name == "allowed_hosts" else ";"
        return tuple(part.strip() for part in raw.split(sep) if part.strip())
    return raw
