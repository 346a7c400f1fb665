"""The item is the unit of evidence: a Birmingham-style agenda and its minutes, scraped from a
local Granicus site, processed and matched; candidates judged per (item, commitment).

Also issue 15.6: reviews survive re-processing, rule changes and a revised agenda.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import yaml
from bs4 import BeautifulSoup

from tests import birmingham_meeting as bm
from tests.granicus_site import GranicusSite, Meeting, listing_html
from tests.places import COMMITMENTS_FILE
from tracker import topics
from tracker.evidence import match_all, review
from tracker.process import process_documents
from tracker.scrape import scrape
from tracker.web import create_app

PAST = 7001
UPCOMING = 7002
NEXT_WEEK = date.today() + timedelta(days=7)
UPCOMING_ITEMS = [bm.ITEMS[0], bm.ITEMS[5], bm.ITEMS[9]]  # weeds, 287(g), legal aid


@pytest.fixture
def site(httpserver) -> GranicusSite:
    """One past meeting with agenda and minutes, one meeting next week with its agenda."""
    meetings = [
        Meeting(day=NEXT_WEEK, event_id=UPCOMING, items=UPCOMING_ITEMS),
        Meeting(day=bm.DAY, clip_id=PAST, minutes=True, items=bm.ITEMS),
    ]
    granicus = GranicusSite(httpserver, listing_html(meetings))
    granicus.add("agenda", "event_id", UPCOMING, bm.agenda_pdf(UPCOMING_ITEMS, NEXT_WEEK))
    granicus.add("agenda", "clip_id", PAST, bm.agenda_pdf())
    granicus.add("minutes", "clip_id", PAST, bm.minutes_pdf())
    return granicus


@pytest.fixture
def matched(cfg, database):
    scrape(database, cfg, progress=False)
    match_all(database, COMMITMENTS_FILE)
    return database


def candidates(db, meeting_day: date = bm.DAY) -> list[dict]:
    return list(
        db.query(
            "select * from evidence where kind = 'match' and date = ? order by id",
            [meeting_day.isoformat()],
        )
    )


def test_each_item_is_proposed_once_per_commitment_with_both_passages(matched):
    rows = [r for r in candidates(matched) if r["unit_kind"] == "item"]
    pairs = [(r["item_number"], r["commitment_id"]) for r in rows]
    assert len(pairs) == len(set(pairs)), "an item proposed twice for one commitment"
    legal = next(r for r in rows if r["item_number"] == 10)
    assert legal["commitment_id"] == "legal-defense"
    assert "Legal Aid Society" in legal["snippet"]
    assert "Legal Aid Society" in legal["minutes_snippet"]
    assert legal["outcome"] == "adopted"
    assert legal["page"] >= 1 and legal["minutes_page"] >= 1
    assert (
        legal["minutes_document_sha256"]
        and legal["minutes_document_sha256"] != (legal["document_sha256"])
    )
    municipal = next(r for r in rows if r["commitment_id"] == "municipal-id")
    assert municipal["item_number"] == 8 and municipal["outcome"] == "deferred"


def test_no_candidate_about_an_unrelated_item_and_precision_per_pair(matched):
    rows = candidates(matched)
    on_items = [r for r in rows if r["unit_kind"] == "item"]
    unrelated = [
        (r["item_number"], r["commitment_id"]) for r in on_items if r["item_number"] in bm.UNRELATED
    ]
    assert unrelated == []
    right = [r for r in on_items if r["commitment_id"] in bm.RELEVANT.get(r["item_number"], ())]
    wrong = [(r["item_number"], r["commitment_id"]) for r in on_items if r not in right]
    alone = [r for r in rows if r["unit_kind"] == "minutes"]
    right += [r for r in alone if r["commitment_id"] in bm.INTRODUCED]
    wrong += [
        ("minutes", r["commitment_id"]) for r in alone if r["commitment_id"] not in bm.INTRODUCED
    ]
    precision = len(right) / (len(right) + len(wrong))
    assert precision >= 0.85, f"precision {precision:.2f}; wrong pairs: {wrong}"
    found = {(r["item_number"], r["commitment_id"]) for r in on_items}
    for number, ids in bm.RELEVANT.items():
        assert found & {(number, c) for c in ids}, f"item {number} missed"


def test_minutes_records_are_bounded_by_the_minutes_structure(matched):
    records = list(matched.query("select * from minutes_records order by ordinal"))
    linked = {r["item_number"]: r for r in records if r["item_number"]}
    # Every matter the clerk recorded is tied to its agenda item: consent ones by "(Item N)".
    assert set(linked) == {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
    assert "Vulcan Paving" in linked[2]["text"] and "Railroad Park" not in linked[2]["text"]
    assert "Magic City Ice Rinks" in linked[4]["text"] and "Language" not in linked[4]["text"]
    for record in records:
        assert "Minutes \u2013 December" not in record["text"]  # running headers
        assert "Nays:" not in record["text"]
    # A matter introduced at the meeting is its own record, on no agenda item.
    (introduced,) = [r for r in records if r["item_number"] is None]
    assert "refugees from Afghanistan" in introduced["text"]
    assert "Migrants Day" not in introduced["text"] and "adjourned" not in introduced["text"]
    alone = [r for r in candidates(matched) if r["unit_kind"] == "minutes"]
    assert [r["commitment_id"] for r in alone] == ["welcoming-integration"]
    assert "refugees from Afghanistan" in alone[0]["snippet"]


def test_passages_are_cut_at_sentences_without_headers_or_stray_tokens(matched):
    for row in candidates(matched):
        for passage in (row["snippet"], row["minutes_snippet"]):
            if not passage:
                continue
            assert "Minutes \u2013" not in passage and "None" not in passage.split()
            assert passage.startswith(("\u2026 ", "A ", "An ", "BE IT", "WHEREAS", "The ")), passage
            assert passage.endswith((".", "\u2026", "**", ")")), passage


def test_items_of_immigration_no_commitment_claims_wait_in_the_unassigned_queue(matched):
    rows, total = topics.queue(matched)
    assert total == 1
    (row,) = rows
    assert row["item_number"] in bm.UNASSIGNED and "Migrants" in row["terms"]
    assert row["confidence"] < 0.5
    # "recognizing ... International Migrants Day": its words point to the welcoming city.
    assert row["suggested"][0]["commitment_id"] == "welcoming-integration"
    assert "recognizing" in row["suggested"][0]["words"]
    evidence_id = topics.attach(
        matched, row["id"], "welcoming-integration", "supports", "Editor A", "Migrants Day."
    )
    attached = matched["evidence"].get(evidence_id)
    assert attached["review_state"] == "accepted" and attached["item_number"] == 13
    match_all(matched, COMMITMENTS_FILE)  # a re-match neither reopens nor duplicates it
    assert topics.queue(matched)[1] == 0
    assert matched["evidence"].count_where("match_key = ?", [row["evidence_key"]]) == 1


def _one(db, number: int, commitment: str) -> dict:
    rows = [
        r for r in candidates(db) if r["item_number"] == number and r["commitment_id"] == commitment
    ]
    assert len(rows) == 1, rows
    return rows[0]


def test_reviews_survive_reprocessing_and_rule_changes(cfg, matched, tmp_path):
    # Only columns today's main has too: this test fails there (issue 15.6) and passes here.
    (accepted,) = [
        r
        for r in candidates(matched)
        if r["commitment_id"] == "legal-defense" and r["item_id"] is not None
    ]
    review(matched, accepted["id"], "accepted", who="Editor A", note="Legal aid contract.")
    from_minutes = [r for r in candidates(matched) if r["item_id"] is None]
    assert from_minutes, "the resolution introduced at the meeting is proposed"
    for row in from_minutes:
        review(matched, row["id"], "rejected", who="Editor A", note="Not a programme.")
    before = {r["id"]: r["review_state"] for r in candidates(matched)}

    process_documents(matched, cfg, progress=False)  # pages and records get new row ids
    data = yaml.safe_load(COMMITMENTS_FILE.read_text())
    legal = next(c for c in data["commitments"] if c["id"] == "legal-defense")
    legal["rules"]["threshold"] = legal["rules"].get("threshold", 1) + 0.01
    changed = tmp_path / "commitments.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True))
    report = match_all(matched, changed)

    after = {r["id"]: r["review_state"] for r in candidates(matched)}
    assert after == before, "a reviewed unit came back as a new candidate, or was lost"
    assert report.new == 0
    for row in candidates(matched):  # reviewed rows point at rows that exist
        if row["item_id"]:
            assert matched["items"].count_where("id = ?", [row["item_id"]]) == 1


def test_a_revised_agendas_identical_item_is_not_a_new_candidate(site, cfg, database):
    scrape(database, cfg, progress=False)
    match_all(database, COMMITMENTS_FILE)
    rows = [r for r in candidates(database, NEXT_WEEK) if r["commitment_id"] == "legal-defense"]
    (first,) = rows
    review(database, first["id"], "accepted", who="Editor A", note="On next week's agenda.")
    # The clerk re-posts the agenda with an item added at the top: every number shifts.
    revised = [bm.ITEMS[1], *UPCOMING_ITEMS]
    site.add("agenda", "event_id", UPCOMING, bm.agenda_pdf(revised, NEXT_WEEK))
    (run,) = scrape(database, cfg, progress=False)
    assert run.changed_documents == 1
    report = match_all(database, COMMITMENTS_FILE)
    rows = [r for r in candidates(database, NEXT_WEEK) if r["commitment_id"] == "legal-defense"]
    assert [(r["id"], r["review_state"]) for r in rows] == [(first["id"], "accepted")]
    assert report.new == 0


def test_public_pages_show_candidates_apart_and_never_as_findings(cfg, matched):
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    client = app.test_client()
    page = BeautifulSoup(client.get("/commitments/municipal-id").data, "lxml")
    proposed = _one(matched, 8, "municipal-id")
    evidence = page.select_one("section[aria-labelledby=evidence-heading]")
    accepted_ids = [a["id"] for a in evidence.select("article.evidence")]
    assert f"evidence-{proposed['id']}" not in accepted_ids  # a guess is not a finding
    assert evidence.select(".unreviewed-card") == []
    suggested = page.select_one("section.unreviewed")
    cards = suggested.select("article.evidence")
    assert cards, "the municipal ID ordinance is suggested"
    text = suggested.get_text(" ")
    assert "may be related — not yet checked" in text
    assert "Against the promise" not in text and "For the promise" not in text
    assert cards[0].h3.get_text(strip=True) == "Item 8, Regular City Council Meeting"
    spanish = BeautifulSoup(client.get("/es/commitments/municipal-id").data, "lxml")
    card = spanish.select_one("section.unreviewed article.evidence")
    assert card.h3.get_text(strip=True) == "Punto 8, Sesión ordinaria del Concejo Municipal"
    assert "posiblemente relacionado — aún sin revisar" in card.get_text(" ")
    assert "En contra de la promesa" not in card.get_text(" ")


def test_low_confidence_candidates_stay_off_public_pages(cfg, matched):
    shown = _one(matched, 8, "municipal-id")
    matched["evidence"].update(shown["id"], {"confidence": 0.2})
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    page = BeautifulSoup(app.test_client().get("/commitments/municipal-id").data, "lxml")
    ids = [a["id"] for a in page.select("article.evidence")]
    assert f"evidence-{shown['id']}" not in ids
    why = json.loads(shown["why"])
    assert why["terms"]  # it stays in the editors' queue, with its reason


def test_an_editor_attaches_an_unassigned_item_from_the_desk(cfg, matched):
    from tests.test_desk import login, make_desk, token

    client = make_desk(cfg).test_client()
    assert client.get("/desk/unassigned").status_code == 302  # editors only
    login(client)
    page = BeautifulSoup(client.get("/desk/unassigned").data, "lxml")
    (card,) = page.select("article.unassigned")
    assert card.h2.get_text(strip=True) == "Item 13, Regular City Council Meeting"
    assert "Migrants" in card.get_text() and "low confidence" in card.get_text()
    suggestion = card.select_one(".suggestion").get_text(" ", strip=True)
    assert "Its words point to:" in suggestion and "helps immigrants" in suggestion
    chosen = card.select_one("select[name=commitment] option[selected]")
    assert chosen["value"] == "welcoming-integration"  # the editor checks it, then attaches
    action = card.form["action"]
    answer = client.post(
        action,
        data={
            "csrf_token": token(client, "/desk/unassigned"),
            "decision": "attach",
            "commitment": "welcoming-integration",
            "stance": "context",
            "note": "A day recognising migrants: context for the welcoming city.",
        },
    )
    assert answer.status_code == 302
    (row,) = matched.query(
        "select * from evidence where commitment_id = 'welcoming-integration' and item_number = 13"
    )
    assert (row["review_state"], row["reviewer"], row["stance"]) == (
        "accepted",
        "Alice A.",
        "context",
    )
    page = BeautifulSoup(client.get("/desk/unassigned").data, "lxml")
    assert page.select("article.unassigned") == []
    public = BeautifulSoup(client.get("/commitments/welcoming-integration").data, "lxml")
    accepted = public.select_one("section[aria-labelledby=evidence-heading]")
    assert accepted.select_one(f"#evidence-{row['id']}") is not None


def test_the_desk_can_move_a_candidate_to_another_promise(cfg, matched):
    from tracker.evidence import attach

    wrong = _one(matched, 8, "municipal-id")
    target = attach(
        matched, wrong["id"], "equal-protection", "supports", "Editor A", "Regardless of status."
    )
    moved = matched["evidence"].get(target)
    assert (moved["commitment_id"], moved["review_state"]) == ("equal-protection", "accepted")
    assert moved["match_key"] == wrong["match_key"]
    assert matched["evidence"].get(wrong["id"])["review_state"] == "rejected"
    match_all(matched, COMMITMENTS_FILE)
    assert matched["evidence"].get(target)["review_state"] == "accepted"


def test_the_minutes_passage_of_an_item_is_marked_in_the_archived_minutes(cfg, matched):
    legal = _one(matched, 10, "legal-defense")
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    url = f"/documents/{legal['minutes_document_sha256']}?evidence={legal['id']}"
    page = BeautifulSoup(app.test_client().get(url).data, "lxml")
    mark = page.select_one("mark#passage")
    assert mark is not None and "Legal Aid Society" in mark.get_text()


def test_an_item_gone_after_a_parser_change_leaves_its_record_and_queue_entry(cfg, matched):
    # Re-processing the same agenda with a parser that no longer finds item 13: the item goes,
    # the minutes record and the unassigned entry that pointed at it stay, pointing at nothing.
    from tracker.agenda import parse_agenda
    from tracker.process import _pages, _store_items

    doc = next(
        matched.query(
            "select * from documents where kind = 'agenda' and meeting_id like '2021-12-07%'"
        )
    )
    items = [i for i in parse_agenda(_pages(matched, doc["id"])).items if i.number != 13]
    with matched.conn:
        _store_items(matched, doc, items)
    assert matched["items"].count_where("document_id = ? and number = 13", [doc["id"]]) == 0
    (record,) = matched.query("select * from minutes_records where text like '%Migrants Day%'")
    assert record["item_id"] is None
    (entry,) = matched.query("select * from unassigned")
    assert entry["item_id"] is None and entry["state"] == "open"


def test_review_show_prints_both_passages(cfg, matched, monkeypatch):
    from click.testing import CliRunner

    from tracker.cli import main

    legal = _one(matched, 10, "legal-defense")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(cfg.data_dir))
    result = CliRunner().invoke(main, ["review", "show", str(legal["id"])])
    assert result.exit_code == 0, result.output
    assert "item: 10" in result.output and "outcome: adopted" in result.output
    assert f"minutes: {legal['minutes_snippet']}" in result.output


def test_migration_0004_rekeys_reviews_made_on_row_ids(tmp_path):
    """A database of before this change: an accepted candidate keyed item:<row id>. After the
    migration it is keyed by the item's words, and a re-match keeps it instead of proposing the
    item again."""
    import sqlite_utils

    from tracker.db import migrations

    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="0004_item_evidence")
    db["sources"].insert({"id": "granicus", "name": "G", "base_url": "x", "kind": "granicus"})
    meeting = "2021-12-07-regular-city-council-meeting"
    db["meetings"].insert(
        {
            "id": meeting,
            "source_id": "granicus",
            "title": "Regular City Council Meeting",
            "date": "2021-12-07",
            "status": "passed",
        }
    )
    db["documents"].insert(
        {
            "id": 1,
            "meeting_id": meeting,
            "kind": "agenda",
            "url": "u",
            "final_url": "u",
            "sha256": "ab" * 32,
            "version": 1,
            "fetched_at": "2021-12-01T00:00:00+00:00",
            "extract_status": "ok",
            "parsed_at": "2021-12-01T00:00:00+00:00",
        }
    )
    text = bm.ITEMS[4][1]  # the interpretation contract
    item_id = (
        db["items"]
        .insert({"meeting_id": meeting, "document_id": 1, "number": 5, "text": text, "page": 1})
        .last_pk
    )
    db["commitments"].insert({"id": "language-access", "title_en": "x", "position": 1})
    old = (
        db["evidence"]
        .insert(
            {
                "commitment_id": "language-access",
                "kind": "match",
                "match_key": f"item:{item_id}",
                "stance": "supports",
                "review_state": "accepted",
                "item_id": item_id,
                "date": "2021-12-07",
                "title": "Item 5, Regular City Council Meeting",
                "created_at": "2021-12-02T00:00:00+00:00",
            }
        )
        .last_pk
    )
    migrations.apply(db)

    row = db["evidence"].get(old)
    assert row["match_key"].startswith(f"item:{meeting}:") and row["review_state"] == "accepted"
    assert (row["unit_kind"], row["item_number"], row["title"]) == (
        "item",
        5,
        "Regular City Council Meeting",
    )
    report = match_all(db, COMMITMENTS_FILE)
    assert report.new == 0 and report.kept_reviewed == 1
    assert db["evidence"].count_where("commitment_id = 'language-access'") == 1


def test_minutes_the_parser_cannot_split_are_still_read_page_by_page(matched):
    # As if the minutes were in a layout the parser does not know: no records at all.
    matched.execute("delete from minutes_records")
    match_all(matched, COMMITMENTS_FILE)
    pages = [r for r in candidates(matched) if r["match_key"].startswith("minutes:") and r["page"]]
    legal = [r for r in pages if r["commitment_id"] == "legal-defense" and r["item_id"] is None]
    assert legal and "Legal Aid Society" in legal[0]["snippet"]
    assert (legal[0]["title"], legal[0]["unit_kind"]) == ("Regular City Council Meeting", "minutes")


def test_each_text_is_scored_once_and_another_models_scores_are_dropped(matched):
    from tracker import relevance

    model = relevance.load()
    scored = matched["relevance_cache"].count
    assert scored > 0
    assert {r["model"] for r in matched["relevance_cache"].rows} == {model.fingerprint}
    matched["relevance_cache"].insert(
        {"digest": "0" * 40, "model": "an older model", "probability": 0.9}
    )
    match_all(matched, COMMITMENTS_FILE)  # nothing new to score; the older model's row goes
    assert matched["relevance_cache"].count == scored


def test_the_desk_says_a_model_entry_is_a_statistical_guess_and_why(cfg, matched):
    from tests.test_desk import login, make_desk

    (row,) = topics.queue(matched)[0]
    guess = {k: v for k, v in row.items() if k != "id"}
    guess.update(
        evidence_key="item:guess",
        reason=topics.MODEL,
        confidence=topics.MODEL_CONFIDENCE,
        terms=json.dumps(["legal services", "families"]),
        suggested=json.dumps([{"commitment_id": "legal-defense", "words": ["legal services"]}]),
    )
    matched["unassigned"].insert(guess)
    client = make_desk(cfg).test_client()
    login(client)
    page = BeautifulSoup(client.get("/desk/unassigned").data, "lxml")
    cards = {
        c.select_one(".meta").get_text(" ", strip=True): c
        for c in page.select("article.unassigned")
    }
    (model_meta,) = [m for m in cards if "very low confidence (0.1)" in m]
    assert "statistical model" in model_meta and "legal services, families" in model_meta
    chosen = cards[model_meta].select_one("select[name=commitment] option[selected]")
    assert chosen["value"] == "legal-defense"
    (word_meta,) = [m for m in cards if m != model_meta]
    assert "words found:" in word_meta and "statistical" not in word_meta


def test_an_item_the_model_is_sure_of_is_a_desk_only_candidate_with_an_open_stance(cfg, matched):
    from tests.test_desk import login, make_desk

    # As if item 1 of next week's agenda (no minutes yet) read so: no rule claims it, and the
    # relevance model is sure of it.
    reform = "A Resolution calling for the reform of United States immigration law and policy."
    (item,) = matched.query(
        "select i.id from items i join meetings m on m.id = i.meeting_id "
        "where m.date = ? and i.number = 1",
        [NEXT_WEEK.isoformat()],
    )
    matched["items"].update(item["id"], {"text": reform})
    match_all(matched, COMMITMENTS_FILE)
    (row,) = [r for r in candidates(matched, NEXT_WEEK) if r["item_number"] == 1]
    assert (row["commitment_id"], row["stance"]) == ("change-state-law", "context")
    assert row["confidence"] == topics.MODEL_CANDIDATE_CONFIDENCE
    assert json.loads(row["why"])["rules"][0].startswith("relevance model")
    assert not matched["unassigned"].count_where("item_id = ?", [item["id"]])
    app = create_app({"SETTINGS": cfg, "TESTING": True})
    page = app.test_client().get("/commitments/change-state-law").data.decode()
    assert f"evidence-{row['id']}" not in page  # a likeness is never shown to the public
    client = make_desk(cfg).test_client()
    login(client)
    desk = client.get("/desk/").data.decode()
    assert f'id="candidate-{row["id"]}"' in desk and "relevance model: 0.9" in desk
    assert "confidence 0.3 · change-state-law" in desk  # the editor sees how weak it is
