"""Settings from TRACKER_* environment variables, with a default for every one of them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"TRACKER_{name.upper()}={raw!r}: expected a number") from None
    if value < 0:
        raise ConfigError(f"TRACKER_{name.upper()}={raw!r}: must not be negative")
    return value


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"TRACKER_{name.upper()}={raw!r}: expected a whole number") from None


@dataclass(frozen=True)
class Settings:
    """Every setting of the tracker; `from_env` reads them, tests pass them directly."""

    data_dir: Path = ROOT / "data"
    host: str = "127.0.0.1"
    port: int = 5000
    granicus_url: str = "https://bhamal.granicus.com"
    granicus_view_id: int = 2
    request_delay: float = 1.0
    request_timeout: float = 30.0
    request_retries: int = 3
    max_document_bytes: int = 50 * 1024 * 1024
    user_agent: str = (
        "BirminghamSanctuaryTracker/0.1 "
        "(+https://github.com/birmingham-sanctuary-tracker/tracker; civic accountability project)"
    )
    allowed_hosts: tuple[str, ...] = ()
    weekly_cron: str = "0 6 * * wed"
    premeeting_crons: tuple[str, ...] = ("0 18 * * fri", "0 18 * * mon")
    timezone: str = "America/Chicago"
    stale_days: int = 9
    scheduler: bool = True
    secret_key: str = field(default="", repr=False)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "tracker.db"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from TRACKER_* variables; unknown TRACKER_* names are an error."""
        env = os.environ if environ is None else environ
        known = {f.name for f in fields(cls)}
        values: dict[str, object] = {}
        for key, raw in env.items():
            if not key.startswith("TRACKER_"):
                continue
            name = key[len("TRACKER_") :].lower()
            if name not in known:
                raise ConfigError(f"{key}: unknown setting (known: {', '.join(sorted(known))})")
            values[name] = _parse(name, raw)
        return cls(**values)  # type: ignore[arg-type]

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


def _parse(name: str, raw: str) -> object:
    if name == "data_dir":
        return Path(raw).expanduser().resolve()
    if name in {"port", "granicus_view_id", "max_document_bytes", "stale_days", "request_retries"}:
        return _int(name, raw)
    if name in {"request_delay", "request_timeout"}:
        return _float(name, raw)
    if name == "timezone":
        try:
            ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"TRACKER_TIMEZONE={raw!r}: not a time zone name") from None
        return raw
    if name == "scheduler":
        if raw.lower() not in {"1", "0", "true", "false", "on", "off", "yes", "no"}:
            raise ConfigError(f"TRACKER_SCHEDULER={raw!r}: expected on or off")
        return raw.lower() in {"1", "true", "on", "yes"}
    if name in {"allowed_hosts", "premeeting_crons"}:
        sep = "," if name == "allowed_hosts" else ";"
        return tuple(part.strip() for part in raw.split(sep) if part.strip())
    if name in {"granicus_url"}:
        if not raw.startswith(("http://", "https://")):
            raise ConfigError(f"TRACKER_{name.upper()}={raw!r}: expected an http(s) URL")
        return raw.rstrip("/")
    return raw
