"""Another council by data alone: Riverton's files (tests/fixtures/riverton/) and a fixture
Granicus view, scraped, matched and served by the same code as Birmingham."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from bs4 import BeautifulSoup

from tests.granicus_site import GranicusSite, Meeting, listing_html
from tracker.config import Settings
from tracker.db import open_db
from tracker.evidence import match_run
from tracker.scrape import scrape
from tracker.web import create_app

DENVER = ZoneInfo("America/Denver")
FILES = Path(__file__).parent / "fixtures" / "riverton"
ITEMS = [
    ("CONSENT", "A Resolution approving a contract for paving Elm Street. **"),
    ("", "A Resolution establishing a community garden on the city lot at 4 Oak Lane. **"),
    ("", "A Resolution authorizing the tree removal of 40 oaks along River Road. **"),
]


@pytest.fixture
def riverton(tmp_path, httpserver):
    """Riverton's files copied beside a fixture site; its source pointed at that site."""
    folder = tmp_path / "riverton"
    shutil.copytree(FILES, folder)
    today = date.today()
    meetings = [
        Meeting(day=today - timedelta(days=21), clip_id=71, minutes=True, items=ITEMS),
        Meeting(day=today + timedelta(days=6), event_id=701, items=ITEMS[:2]),
    ]
    site = GranicusSite(httpserver, listing_html(meetings, tz=DENVER))
    for m in meetings:
        site.add_meeting(m)
    place = yaml.safe_load((folder / "jurisdiction.yaml").read_text())
    place["sources"][0]["base_url"] = site.base_url
    (folder / "jurisdiction.yaml").write_text(yaml.safe_dump(place, allow_unicode=True))
    settings = Settings(
        data_dir=tmp_path / "data",
        jurisdiction_file=folder / "jurisdiction.yaml",
        request_delay=0,
        secret_key="riverton",
        scheduler=False,
    )
    return settings, site


def test_another_council_is_scraped_matched_and_served_from_its_files(riverton):
    settings, site = riverton
    db = open_db(settings.db_path)
    app = create_app({"SETTINGS": settings, "TESTING": True})  # loads Riverton's catalogue
    (run,) = scrape(db, settings, progress=False)
    assert run.outcome == "ok", run.errors
    assert run.source_id == "riverton-granicus" and run.meetings_seen == 2
    # Its own view id on its own base URL; the listing's times read in its own zone.
    assert site.requests_to(r"ViewPublisher\.php\?view_id=7")
    times = {r["time"] for r in db.query("select time from meetings")}
    assert times == {"09:30"}
    assert match_run(db, settings).outcome == "ok"
    proposed = {
        (r["commitment_id"], r["stance"])
        for r in db.query("select commitment_id, stance from evidence where kind = 'match'")
    }
    assert ("community-gardens", "supports") in proposed
    assert ("tree-canopy", "contrary") in proposed
    ids = [r["id"] for r in db.query("select id from commitments order by position")]
    assert ids == ["community-gardens", "tree-canopy", "no-park-sales"]

    client = app.test_client()
    overview = BeautifulSoup(client.get("/").data, "lxml")
    assert overview.h1.get_text(strip=True) == (
        "What the Riverton City Commission promised, and where it stands"
    )
    assert "Birmingham" not in overview.get_text()
    assert "Commission Room, Riverton Civic Center" in overview.get_text()
    spanish = BeautifulSoup(client.get("/es/").data, "lxml")
    assert "Comisión Municipal de Riverton" in spanish.h1.get_text()
    assert client.get("/commitments/tree-canopy").status_code == 200
    assert client.get("/commitments/declare-sanctuary").status_code == 404
    sources = BeautifulSoup(client.get("/sources").data, "lxml").get_text()
    assert "Riverton Granicus" in sources and "America/Denver" in sources
    methodology = BeautifulSoup(client.get("/methodology").data, "lxml")
    assert methodology.find(id="resolution") is None  # Birmingham's own story stays its own
    db.conn.close()
