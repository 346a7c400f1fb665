"""Matching stored as evidence, editors' reviews, status changes and manual evidence."""

import json

import yaml
from bs4 import BeautifulSoup

from tests.places import COMMITMENTS_FILE, CURATED_FILE
from tracker.cli import main
from tracker.evidence import match_all
from tracker.scrape import scrape
from tracker.web import create_app

INTERPRETATION = "%Spanish interpretation services%"


def scraped(database, cfg):
    scrape(database, cfg, progress=False)
    return database


def language_candidates(db):
    return list(
        db.query(
            "select e.* from evidence e join items i on i.id = e.item_id "
            "where e.commitment_id = 'language-access' and i.text like ?",
            [INTERPRETATION],
        )
    )


def test_match_proposes_the_relevant_item_with_its_reason_and_nothing_routine(cfg, database):
    db = scraped(database, cfg)
    report = match_all(db, COMMITMENTS_FILE)
    assert report.new > 0
    found = language_candidates(db)
    assert found, "the interpretation contract is proposed for language-access"
    first = found[0]
    assert first["review_state"] == "candidate" and first["stance"] == "supports"
    assert json.loads(first["why"])["terms"]
    assert first["document_sha256"] and first["page"] >= 1
    assert "interpretation" in first["snippet"].lower()
    routine = list(
        db.query(
            "select e.id from evidence e join items i on i.id = e.item_id "
            "where i.text like '%grass and weeds%' or i.text like '%mobile food%'"
        )
    )
    assert routine == []


def test_rematch_is_idempotent_and_never_overturns_a_review(cfg, database, runner, monkeypatch):
    db = scraped(database, cfg)
    match_all(db, COMMITMENTS_FILE)
    count = db["evidence"].count
    again = match_all(db, COMMITMENTS_FILE)
    assert (again.new, db["evidence"].count) == (0, count)

    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    accepted, rejected = language_candidates(db)[:2]
    ok = runner.invoke(
        main, ["review", "accept", str(accepted["id"]), "--note", "Contract for interpreters."]
    )
    assert ok.exit_code == 0, ok.output
    no = runner.invoke(main, ["review", "reject", str(rejected["id"]), "--note", "Duplicate."])
    assert no.exit_code == 0, no.output
    match_all(db, COMMITMENTS_FILE)
    states = {e["id"]: e["review_state"] for e in language_candidates(db)}
    assert states[accepted["id"]] == "accepted" and states[rejected["id"]] == "rejected"
    assert db["audit_log"].count == 2


def test_changed_rules_rescore_pending_candidates_but_keep_reviewed(cfg, database, tmp_path):
    db = scraped(database, cfg)
    match_all(db, COMMITMENTS_FILE)
    reviewed, pending = language_candidates(db)[:2]
    db["evidence"].update(reviewed["id"], {"review_state": "accepted", "reviewer": "t"})
    data = yaml.safe_load(COMMITMENTS_FILE.read_text())
    language = next(c for c in data["commitments"] if c["id"] == "language-access")
    language["rules"]["exclude_if_any"] = ["interpretation"]
    changed = tmp_path / "commitments.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True))
    report = match_all(db, changed)
    assert report.dropped >= 1
    remaining = {e["id"] for e in language_candidates(db)}
    assert reviewed["id"] in remaining and pending["id"] not in remaining
    assert db["rule_versions"].count_where("commitment_id = 'language-access'") == 2


def test_review_list_and_show(cfg, database, runner, monkeypatch):
    db = scraped(database, cfg)
    match_all(db, COMMITMENTS_FILE)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    listing = runner.invoke(main, ["review", "list", "--commitment", "language-access"])
    assert listing.exit_code == 0 and "language-access" in listing.output
    first_id = language_candidates(db)[0]["id"]
    shown = runner.invoke(main, ["review", "show", str(first_id)])
    assert "matched terms" in shown.output and "sha256" in shown.output
    missing = runner.invoke(main, ["review", "show", "999999"])
    assert missing.exit_code == 1 and "no evidence with id 999999" in missing.output


def test_status_set_needs_evidence_for_kept_and_then_shows_on_the_site(
    cfg, database, runner, monkeypatch
):
    db = scraped(database, cfg)
    match_all(db, COMMITMENTS_FILE)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    refused = runner.invoke(
        main, ["status", "set", "language-access", "kept", "--date", "2026-05-19", "--note", "x"]
    )
    assert refused.exit_code == 1
    assert "needs at least one piece of evidence" in refused.output
    evidence_id = language_candidates(db)[0]["id"]
    runner.invoke(main, ["review", "accept", str(evidence_id), "--note", "Interpreters hired."])
    done = runner.invoke(
        main,
        [
            "status",
            "set",
            "language-access",
            "partial",
            "--date",
            "2026-05-19",
            "--evidence",
            str(evidence_id),
            "--note",
            "Council meetings interpreted.",
        ],
    )
    assert done.exit_code == 0, done.output
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    soup = BeautifulSoup(app.test_client().get("/commitments/language-access").data, "lxml")
    assert "Partly kept" in soup.select_one(".standing").get_text()
    assert "Council meetings interpreted." in soup.select_one(".standing").get_text()


def test_add_evidence_archives_the_file_and_makes_it_evidence(cfg, runner, monkeypatch, tmp_path):
    from tests.pdfs import make_pdf
    from tracker.db import open_db

    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    letter = tmp_path / "response.pdf"
    letter.write_bytes(make_pdf([["Records request response: no municipal ID program exists."]]))
    result = runner.invoke(
        main,
        [
            "add-evidence",
            "--stance",
            "context",
            "--commitment",
            "municipal-id",
            "--url",
            "https://example.org/records/123",
            "--file",
            str(letter),
            "--date",
            "2024-03-01",
            "--note",
            "City answered a records request: no municipal ID.",
            "--stance",
            "context",
        ],
    )
    assert result.exit_code == 0, result.output
    db = open_db(cfg.db_path)
    row = next(db.query("select * from evidence where kind = 'manual'"))
    assert row["review_state"] == "accepted" and row["stance"] == "context"
    doc = db["documents"].get(row["document_id"])
    assert (cfg.archive_dir / doc["sha256"][:2] / doc["sha256"][2:]).exists()
    assert (
        "municipal ID program"
        in next(db.query("select text from pages where document_id = ?", [doc["id"]]))["text"]
    )
    bad = runner.invoke(
        main,
        [
            "add-evidence",
            "--stance",
            "context",
            "--commitment",
            "no-such",
            "--url",
            "https://x.org",
            "--date",
            "2024-01-01",
            "--note",
            "n",
        ],
    )
    assert bad.exit_code == 1 and "no commitment with id 'no-such'" in bad.output


def test_a_reviewed_row_is_never_rescored_even_if_a_rematch_read_it_as_pending(cfg, database):
    from tracker.evidence import _update_pending

    db = scraped(database, cfg)
    match_all(db, COMMITMENTS_FILE)
    evidence_id = language_candidates(db)[0]["id"]
    # an editor accepts it after the matcher read it as a candidate …
    db["evidence"].update(evidence_id, {"review_state": "accepted", "reviewer": "ed"})
    # … and the matcher's write for that stale reading changes nothing
    _update_pending(db, evidence_id, {"score": 0.1, "review_state": "candidate"})
    row = db["evidence"].get(evidence_id)
    assert (row["review_state"], row["reviewer"]) == ("accepted", "ed") and row["score"] != 0.1


def test_test_clips_are_not_matched(cfg, database):
    db = scraped(database, cfg)
    match_all(db, COMMITMENTS_FILE)
    hidden = list(
        db.query(
            "select e.id from evidence e join items i on i.id = e.item_id "
            "join meetings m on m.id = i.meeting_id where m.hidden = 1"
        )
    )
    assert db["meetings"].count_where("hidden = 1 and id in (select meeting_id from items)")
    assert hidden == []


def test_a_command_line_review_of_curated_evidence_survives_reloading_the_yaml(
    cfg, database, runner, monkeypatch
):
    from tracker.catalog import sync

    sync(database, COMMITMENTS_FILE, CURATED_FILE)
    curated = next(database.query("select * from evidence where kind = 'curated' limit 1"))
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    result = runner.invoke(
        main, ["review", "reject", str(curated["id"]), "--note", "Source misread."]
    )
    assert result.exit_code == 0, result.output
    sync(database, COMMITMENTS_FILE, CURATED_FILE)
    assert database["evidence"].get(curated["id"])["review_state"] == "rejected"


def test_commitment_page_shows_matches_on_upcoming_agendas(cfg, database):
    from datetime import date

    import time_machine

    db = scraped(database, cfg)
    match_all(db, COMMITMENTS_FILE)
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    with time_machine.travel(date(2026, 5, 15), tick=False):
        soup = BeautifulSoup(app.test_client().get("/commitments/language-access").data, "lxml")
    dates = [t["datetime"] for t in soup.select(".unreviewed article.evidence time")]
    assert "2026-05-19" in dates  # the next Tuesday's agenda, not yet held
