from pathlib import Path

import pytest

from tests.places import birmingham_at
from tracker.config import Settings
from tracker.errors import ConfigError


def test_defaults_serve_locally_with_embedded_data_dir():
    s = Settings.from_env({})
    assert (s.host, s.port) == ("127.0.0.1", 5000)
    assert s.db_path == s.data_dir / "tracker.db"
    granicus, site = s.place.sources  # Granicus first: it leads where both list a meeting
    assert (granicus.kind, granicus.url, granicus.options["view_id"]) == (
        "granicus",
        "https://bhamal.granicus.com",
        2,
    )
    assert (site.id, site.kind, site.url) == (
        "council-site",
        "wordpress",
        "https://www.birminghamalcitycouncil.org",
    )
    assert site.options["body"] == granicus.options["body"]  # one body name on both sites
    assert str(s.tz) == "America/Chicago"
    assert s.request_delay == 1.0


def test_environment_overrides(tmp_path):
    s = Settings.from_env(
        {
            "TRACKER_DATA_DIR": str(tmp_path),
            "TRACKER_PORT": "8080",
            "TRACKER_REQUEST_DELAY": "0",
            "TRACKER_JURISDICTION": str(
                birmingham_at(tmp_path / "place", "http://127.0.0.1:9999/")
            ),
            "TRACKER_TIMEZONE": "America/New_York",
            "PATH": "/bin",
        }
    )
    assert s.data_dir == tmp_path
    assert s.db_path == tmp_path / "tracker.db"
    assert s.archive_dir == tmp_path / "archive"
    assert s.port == 8080
    assert s.request_delay == 0
    assert s.place.sources[0].url == "http://127.0.0.1:9999"
    assert str(s.tz) == "America/New_York"  # TRACKER_TIMEZONE over the file's zone


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"TRACKER_PORT": "fivethousand"}, "TRACKER_PORT"),
        ({"TRACKER_REQUEST_DELAY": "-1"}, "from 0 to"),
        ({"TRACKER_PUBLIC_URL": "tracker.example.org"}, "http(s) URL"),
        ({"TRACKER_JURISDICTION": "/nonexistent/jurisdiction.yaml"}, "file not found"),
        ({"TRACKER_DATADIR": "/tmp"}, "unknown setting"),
        ({"TRACKER_TIMEZONE": "America/Birmingham"}, "not a time zone name"),
        # Issue 15, item 11: each of these was accepted and failed later, or meant otherwise.
        ({"TRACKER_STALE_DAYS": "1000000000"}, "TRACKER_STALE_DAYS='1000000000': expected"),
        ({"TRACKER_STALE_DAYS": "0"}, "from 1 to 3650"),
        ({"TRACKER_PORT": "99999"}, "from 1 to 65535"),
        ({"TRACKER_PORT": "0"}, "from 1 to 65535"),
        ({"TRACKER_REQUEST_DELAY": "nan"}, "TRACKER_REQUEST_DELAY='nan'"),
        ({"TRACKER_REQUEST_DELAY": "inf"}, "TRACKER_REQUEST_DELAY='inf'"),
        ({"TRACKER_REQUEST_TIMEOUT": "nan"}, "TRACKER_REQUEST_TIMEOUT='nan'"),
        ({"TRACKER_REQUEST_DEADLINE": "-1"}, "TRACKER_REQUEST_DEADLINE"),
        ({"TRACKER_MAX_DOCUMENT_BYTES": "-5"}, "TRACKER_MAX_DOCUMENT_BYTES='-5'"),
        ({"TRACKER_REQUEST_RETRIES": "-1"}, "TRACKER_REQUEST_RETRIES='-1'"),
        ({"TRACKER_REQUEST_RETRIES": "1.5"}, "expected a whole number"),
        ({"TRACKER_PAGE_CACHE_MB": "-1"}, "TRACKER_PAGE_CACHE_MB='-1'"),
        ({"TRACKER_SESSION_HOURS": "0"}, "TRACKER_SESSION_HOURS"),
        ({"TRACKER_WEEKLY_CRON": "0 6 30 2 *"}, "never fires"),
        ({"TRACKER_PREMEETING_CRONS": "0 18 * * fri;0 0 31 4 *"}, "never fires"),
        ({"TRACKER_WEEKLY_CRON": "every wednesday"}, "schedule weekly 'every wednesday'"),
        ({"TRACKER_SCHEDULER": "sometimes"}, "expected on or off"),
        ({"TRACKER_DATA_DIR": "/etc/passwd"}, "not a folder this user can write"),
        ({"TRACKER_DATA_DIR": "/proc/tracker"}, "not a folder this user can write"),
        ({"TRACKER_DATA_DIR": ""}, "expected a path"),
        ({"TRACKER_HOST": ""}, "TRACKER_HOST"),
        ({"TRACKER_HOST": "local host"}, "TRACKER_HOST"),
        ({"TRACKER_PUBLIC_URL": "javascript:alert(1)"}, "http(s) URL"),
        ({"TRACKER_PUBLIC_URL": "https://editor@tracker.example.org"}, "http(s) URL"),
        ({"TRACKER_PUBLIC_URL": "https://tracker.example.org:99999"}, "http(s) URL"),
        ({"TRACKER_PUBLIC_URL": "https://[::1"}, "http(s) URL"),
        ({"TRACKER_PUBLIC_URL": "https://tracker.example.org/?x=1"}, "http(s) URL"),
        ({"TRACKER_ALLOWED_HOSTS": "https://granicus.com/"}, "is not a host name"),
        ({"TRACKER_ALLOWED_HOSTS": "a.example, b example"}, "is not a host name"),
        ({"TRACKER_USER_AGENT": ""}, "TRACKER_USER_AGENT"),
        ({"TRACKER_USER_AGENT": "Tracker\r\nX-Injected: 1"}, "control character"),
        ({"TRACKER_EDITOR": "Ana\nBen"}, "control character"),
    ],
)
def test_bad_settings_are_named_in_one_line(env, fragment):
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        (
            {"TRACKER_ALLOWED_HOSTS": "a.example, 127.0.0.1:8080"},
            "allowed_hosts",
            ("a.example", "127.0.0.1:8080"),
        ),
        (
            {"TRACKER_PUBLIC_URL": "https://tracker.example.org/"},
            "public_url",
            "https://tracker.example.org",
        ),
        ({"TRACKER_HOST": "::1"}, "host", "::1"),
        ({"TRACKER_STALE_DAYS": "3650"}, "stale_days", 3650),
        ({"TRACKER_PORT": "65535"}, "port", 65535),
    ],
)
def test_good_settings_at_the_edges_are_kept(env, field, value):
    assert getattr(Settings.from_env(env), field) == value


def test_every_bad_setting_stops_the_server_in_one_line(tmp_path):
    """The real start: `python run.py` refuses before it listens or schedules anything."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    for name, value in [
        ("TRACKER_STALE_DAYS", "1000000000"),
        ("TRACKER_WEEKLY_CRON", "0 6 30 2 *"),
    ]:
        env = {**os.environ, "TRACKER_DATA_DIR": str(tmp_path / "data"), name: value}
        result = subprocess.run(
            [sys.executable, "run.py"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, name
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"Error: {name}=") or "never fires" in line, line
        assert "Serving" not in result.stdout


def test_secret_key_generated_once_and_kept(tmp_path):
    first = Settings(data_dir=tmp_path).with_secret()
    second = Settings(data_dir=tmp_path).with_secret()
    assert len(first.secret_key) == 64
    assert first.secret_key == second.secret_key
    assert Path(tmp_path / "secret_key").stat().st_mode & 0o077 == 0
