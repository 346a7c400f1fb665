"""The static mirror: `python run.py build-static DIR` writes every public page in both
languages and the data files with relative links; a crawl finds no broken link, a mirrored
page matches the live one, and a route registered later is mirrored without a hand list."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Blueprint, Response

from tests.scraped import LANGUAGE, build, copy_of
from tests.test_web_hostile import waitress_server
from tracker.cli import main
from tracker.web import create_app
from tracker.web.mirror import build_static


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_httpserver):
    return build(tmp_path_factory.mktemp("mirror") / "data", make_httpserver)


@pytest.fixture(scope="module")
def mirrored(built, tmp_path_factory):
    """The mirror, built by the command line."""
    from click.testing import CliRunner

    settings = copy_of(built, tmp_path_factory.mktemp("copy"))
    out = tmp_path_factory.mktemp("out") / "site"
    env = {"TRACKER_DATA_DIR": str(settings.data_dir), "TRACKER_SCHEDULER": "off"}
    result = CliRunner().invoke(main, ["build-static", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "files" in result.output
    return settings, out


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def links_of(path: Path) -> list[tuple[str, str]]:
    soup = BeautifulSoup(path.read_bytes(), "lxml")
    out = []
    for tag in soup.find_all(["a", "link", "script", "img", "form"]):
        attr = (
            "action" if tag.name == "form" else ("src" if tag.name in ("script", "img") else "href")
        )
        if tag.get(attr):
            out.append((tag.name, tag[attr]))
    return out


def resolve(page: Path, link: str) -> tuple[Path, str]:
    parts = urlsplit(link)
    return (page.parent / unquote(parts.path)).resolve(), parts.fragment


def test_a_crawl_of_the_mirror_finds_no_broken_link(mirrored):
    _settings, out = mirrored
    pages = html_files(out)
    assert len(pages) > 50
    checked = 0
    for page in pages:
        for _tag, link in links_of(page):
            parts = urlsplit(link)
            if parts.scheme or link.startswith("#") or _tag == "form":
                continue  # another site, or a place on this page
            assert not link.startswith("/"), f"{page}: {link} is not relative"
            target, fragment = resolve(page, link)
            assert target.is_file(), f"{page.relative_to(out)} links to missing {link}"
            if fragment and target.suffix == ".html":
                soup = BeautifulSoup(target.read_bytes(), "lxml")
                assert soup.find(id=fragment), f"{page}: {link}: no #{fragment}"
            checked += 1
    assert checked > 1000


def test_every_public_page_is_there_in_both_languages(mirrored):
    settings, out = mirrored
    from tracker import opendata
    from tracker.db import open_db

    db = open_db(settings.db_path, migrate=False)
    ids, meetings = opendata.commitment_ids(db), opendata.meeting_ids(db)
    shas = opendata.document_shas(db)
    db.conn.close()
    for prefix in ("", "es/"):
        for name in ("index", "meetings", "methodology", "corrections", "sources", "audit", "data",
                     "search"):  # fmt: skip
            assert (out / f"{prefix}{name}.html").is_file(), f"{prefix}{name}"
        for cid in ids:
            assert (out / f"{prefix}commitments/{cid}.html").is_file()
        for mid in meetings:
            assert (out / f"{prefix}meetings/{mid}.html").is_file()
        for sha in shas:
            assert (out / f"{prefix}documents/{sha}.html").is_file()
    soup = BeautifulSoup((out / "es/index.html").read_bytes(), "lxml")
    assert soup.html["lang"] == "es"
    for sha in shas:
        assert (out / f"documents/{sha}/raw.pdf").read_bytes().startswith(b"%PDF-")
    for cid in ids:
        assert (out / f"commitments/{cid}/evidence.zip").is_file()
    for table in ("commitments", "status_events", "evidence", "meetings", "items"):
        assert (out / f"data/{table}.csv").is_file()
    assert (out / "data/tracker.db").read_bytes().startswith(b"SQLite format 3")
    assert not (out / "desk").exists() and not list(out.glob("health*"))


@pytest.fixture
def live(mirrored, monkeypatch):
    """The record the mirror was built from, served live by `python run.py serve` under the
    same public address (permalinks and citations carry it)."""
    settings, _out = mirrored
    monkeypatch.setenv("TRACKER_PUBLIC_URL", settings.base_url)
    with waitress_server(settings) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("url", [f"/commitments/{LANGUAGE}", "/es/", "/meetings"])
def test_a_mirrored_page_matches_the_live_one(mirrored, live, url):
    _settings, out = mirrored
    name = {"/es/": "es/index.html"}.get(url, url.lstrip("/") + ".html")
    mirror = BeautifulSoup((out / name).read_bytes(), "lxml")
    page = BeautifulSoup(requests.get(live + url, timeout=10).content, "lxml")
    assert mirror.main.get_text(" ", strip=True) == page.main.get_text(" ", strip=True)
    assert mirror.title.string == page.title.string
    mirror_links = [a["href"] for a in mirror.select("a[href]")]
    live_links = [a["href"] for a in page.select("a[href]")]
    assert len(mirror_links) == len(live_links)
    checked = {}
    for ours, theirs in zip(mirror_links, live_links, strict=True):
        internal = theirs.removeprefix("http://127.0.0.1:5000")
        if urlsplit(internal).scheme:
            assert ours == theirs  # links to other sites are left alone
            continue
        if internal.startswith("#") or internal in checked or internal.endswith("/sources"):
            continue  # /sources says how long ago the last scrape was, to the second
        # the mirror's link leads to a file holding what the live link shows
        target, _ = resolve(out / name, ours)
        assert target.is_file(), ours
        answer = requests.get(live + internal.split("#")[0], timeout=10)
        if target.suffix == ".html":
            want = BeautifulSoup(answer.content, "lxml").main.get_text(" ", strip=True)
            got = BeautifulSoup(target.read_bytes(), "lxml").main.get_text(" ", strip=True)
        else:
            want, got = answer.content, target.read_bytes()
        assert got == want, f"{ours} for {theirs}"
        checked[internal] = ours
    assert len(checked) > 10


def test_the_api_lists_are_whole_in_the_mirror(mirrored, live):
    _settings, out = mirrored
    mirrored_items = json.loads((out / "api/v1/items.json").read_text())
    rows, url = [], f"{live}/api/v1/items?per_page=1000"
    while url:
        body = requests.get(url, timeout=10).json()
        rows.extend(body["data"])
        url = body["next"] and body["next"].replace("http://127.0.0.1:5000", live)
    assert mirrored_items["data"] == rows and mirrored_items["next"] is None
    detail = json.loads((out / f"api/v1/commitments/{LANGUAGE}.json").read_text())
    assert detail["commitment"]["status"] == "partial"
    spec = json.loads((out / "api/v1/openapi.json").read_text())
    assert spec["openapi"] == "3.1.0"


def test_a_route_registered_later_is_mirrored_in_both_languages(built, tmp_path):
    """Feeds and calendars come from another part of the code: the mirror finds them in the
    url_map by their arguments, with no list to update."""
    settings = copy_of(built, tmp_path)
    app = create_app({"SETTINGS": settings})
    feeds = Blueprint("feedtest", __name__)

    @feeds.get("/feedtest/<commitment_id>.atom")
    def feed(commitment_id: str):
        return Response(f"<feed>{commitment_id}</feed>", mimetype="application/atom+xml")

    @feeds.get("/feedtest/odd/<whatever>")
    def odd(whatever: str):
        return Response("?")

    @feeds.get("/feedtest/confirm/<token>")
    def confirm(token: str):
        return Response("someone's own link")

    app.register_blueprint(feeds)
    report = build_static(app, tmp_path / "site")
    assert not report.failed
    assert (tmp_path / "site/feedtest" / f"{LANGUAGE}.atom").read_text() == (
        f"<feed>{LANGUAGE}</feed>"
    )
    assert (tmp_path / "site/es/feedtest" / f"{LANGUAGE}.atom").is_file()
    assert "/feedtest/odd/<whatever>" in report.skipped_routes  # said, not guessed
    assert not (tmp_path / "site/feedtest/confirm").exists()
    assert "/feedtest/confirm/<token>" not in report.skipped_routes


def test_a_rebuild_replaces_the_old_mirror_whole(built, tmp_path):
    settings = copy_of(built, tmp_path)
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.html").write_text("from an older build")
    build_static(create_app({"SETTINGS": settings}), out)
    assert not (out / "stale.html").exists() and (out / "index.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]


def test_the_scheduler_rebuilds_the_mirror_after_a_scrape(cfg, tmp_path):
    """TRACKER_STATIC_DIR: each scheduled scrape is followed by a fresh mirror."""
    from tracker.scheduler import run_job

    out = tmp_path / "public"
    settings = replace(cfg, static_dir=out, secret_key="test", scheduler=False)
    run_job(settings, "weekly", False)
    meetings = list((out / "meetings").glob("*.html"))
    assert meetings, os.listdir(out)
    assert (out / "es/index.html").is_file()


def test_worker_processes_write_the_same_mirror(mirrored, tmp_path):
    settings, out = mirrored
    report = build_static(create_app({"SETTINGS": settings}), tmp_path / "site", workers=2)
    assert not report.failed
    ours = {p.relative_to(tmp_path / "site") for p in (tmp_path / "site").rglob("*")}
    theirs = {p.relative_to(out) for p in out.rglob("*")}
    assert ours == theirs
    for name in ("index.html", f"es/commitments/{LANGUAGE}.html", "api/v1/items.json"):
        assert (tmp_path / "site" / name).read_bytes() == (out / name).read_bytes()


def test_a_static_dir_that_cannot_be_written_is_refused_at_start(tmp_path):
    from tracker.config import Settings
    from tracker.errors import ConfigError

    env = {"TRACKER_DATA_DIR": str(tmp_path / "data")}
    ok = Settings.from_env({**env, "TRACKER_STATIC_DIR": str(tmp_path / "public")})
    assert ok.static_dir == (tmp_path / "public").resolve()
    with pytest.raises(ConfigError, match="TRACKER_STATIC_DIR"):
        Settings.from_env({**env, "TRACKER_STATIC_DIR": str(tmp_path / "no" / "such" / "dir")})
