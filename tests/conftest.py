"""Shared fixtures: settings on a temporary data dir, the app, its test client, the CLI runner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.places import birmingham_at
from tracker.config import Settings
from tracker.db import open_db
from tracker.web import create_app


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", request_delay=0.0, secret_key="test")


@pytest.fixture
def app(settings):
    return create_app({"SETTINGS": settings, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app, settings):
    """The app's database (catalogue loaded on first start)."""
    database = open_db(settings.db_path)
    yield database
    database.conn.close()


@pytest.fixture
def site(httpserver):
    """The fake Granicus site on 127.0.0.1, serving the committed publisher page."""
    from tests.granicus_site import fixture_site

    return fixture_site(httpserver)


@pytest.fixture
def wp_server():
    """A second server on 127.0.0.1 for the council's WordPress site."""
    from tests.wordpress_site import wordpress_server

    server = wordpress_server()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def wp_site(wp_server):
    """The fake birminghamalcitycouncil.org, its REST API answering."""
    from tests.wordpress_site import WordPressSite

    return WordPressSite(wp_server)


@pytest.fixture
def cfg(tmp_path, site) -> Settings:
    """Settings pointing at the fake site, with no delay between requests."""
    return Settings(
        data_dir=tmp_path / "data",
        jurisdiction_file=birmingham_at(tmp_path / "place", site.base_url),
        request_delay=0,
        request_timeout=5,
    )


@pytest.fixture
def database(cfg):
    db = open_db(cfg.db_path)
    yield db
    db.conn.close()


@pytest.fixture
def runner(settings, monkeypatch):
    """A CLI runner whose TRACKER_DATA_DIR is the test's data dir."""
    monkeypatch.setenv("TRACKER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TRACKER_REQUEST_DELAY", "0")
    monkeypatch.setenv("TRACKER_EDITOR", "Test editors")  # the byline --who defaults to
    return CliRunner()


def _tracked_changes() -> dict[str, bytes] | None:
    """Tracked files that differ from git's index, with their bytes (None: not a git tree)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "-z"],
            cwd=root,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    names = [entry[3:] for entry in done.stdout.decode().split("\0") if len(entry) > 3]
    return {n: (root / n).read_bytes() if (root / n).is_file() else b"" for n in names}


def pytest_sessionstart(session):
    session.config._tracked_before = _tracked_changes()


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: CI must run everything (browsers included). A run
    that rewrote a tracked file fails too (README screenshots: only with UPDATE_SCREENSHOTS=1)."""
    import os

    before = getattr(session.config, "_tracked_before", None)
    if before is not None and os.environ.get("UPDATE_SCREENSHOTS") != "1":
        after = _tracked_changes() or {}
        rewritten = sorted(n for n in after if before.get(n) != after[n])
        if rewritten and exitstatus == 0:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter:
                reporter.write_line(f"the tests rewrote tracked files: {rewritten}", red=True)
            session.exitstatus = 1

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; failing the run", red=True)
        session.exitstatus = 1
