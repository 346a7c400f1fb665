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
    ],
)
def test_bad_settings_are_named_in_one_line(env, fragment):
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_secret_key_generated_once_and_kept(tmp_path):
    first = Settings(data_dir=tmp_path).with_secret()
    second = Settings(data_dir=tmp_path).with_secret()
    assert len(first.secret_key) == 64
    assert first.secret_key == second.secret_key
    assert Path(tmp_path / "secret_key").stat().st_mode & 0o077 == 0
