"""The about pages: methodology (rules and their history), corrections log, source health."""

import json
from datetime import UTC, date, datetime

import time_machine
import yaml
from bs4 import BeautifulSoup

from tests.places import COMMITMENT_IDS, COMMITMENTS_FILE, CURATED_FILE
from tracker.catalog import load_commitments, sync
from tracker.db import utcnow
from tracker.evidence import review
from tracker.rules import rule_changes
from tracker.runs import Run
from tracker.status import record_event

OPERATIVE = "hereby resolves that the City of Birmingham is a 'Sanctuary City'"


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    soup = BeautifulSoup(response.data, "lxml")
    assert not soup.select("[style]"), "no inline styles: the CSP forbids them"
    levels = [int(h.name[1]) for h in soup.select("main h1, main h2, main h3, main h4")]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    return soup


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


# ---------------------------------------------------------------- methodology


def test_methodology_lists_every_commitment_with_its_rules(client):
    soup = page(client, "/methodology")
    sections = soup.select("section.rule-set")
    assert [s["id"] for s in sections] == [f"rules-{cid}" for cid in COMMITMENT_IDS]
    for section, c in zip(sections, load_commitments(COMMITMENTS_FILE), strict=True):
        assert section.h3.a.get_text(strip=True) == c.title.en
        assert section.h3.a["href"] == f"/commitments/{c.id}"
        rows = section.select("table.rules tbody tr")
        assert len(rows) == len(c.rules.patterns)
        first = rows[0].select("td")[0]
        assert [li.get_text() for li in first.select("li")] == c.rules.patterns[0].any
        assert section.select_one("table.rules caption")
        history = section.select("ol.rule-history > li")
        assert len(history) == 1 and "first version" in text(history[0])
        assert "in use now" in text(history[0])
    police = soup.select_one("#rules-police-not-immigration-agents")
    assert "Against the promise" in text(police.select_one("table.rules"))


def test_methodology_says_the_full_text_was_not_found_and_quotes_only_sourced_words(client):
    soup = page(client, "/methodology")
    resolution = soup.select_one("#resolution")
    assert "full text of the resolution has not been found" in text(resolution)
    quotes = resolution.select("figure.quote")
    assert quotes, "the press quotes are shown"
    assert OPERATIVE in text(quotes[0].blockquote)
    for figure in quotes:
        assert figure.blockquote["lang"] == "en"
        assert figure.figcaption.a["href"].startswith("https://")
    missing = text(resolution.select_one("ul.not-found"))
    for gap in ("official number", "Task Force", "municipal ID", "detainers", "after 2024"):
        assert gap in missing
    assert "records" in text(resolution)
    scale = soup.select("table.status-scale tbody tr")
    assert [r.th.select_one(".status")["class"][1] for r in scale] == [
        "status-not-started",
        "status-in-progress",
        "status-stalled",
        "status-partial",
        "status-kept",
        "status-broken",
    ]
    assert "12 months" in text(soup.select_one("#status"))
    assert "never sets a status" in text(soup.select_one("#matching"))


def test_a_rule_change_shows_a_second_version_with_what_changed(client, db, tmp_path):
    data = yaml.safe_load(COMMITMENTS_FILE.read_text())
    municipal = next(c for c in data["commitments"] if c["id"] == "municipal-id")
    municipal["rules"]["patterns"][0]["any"].append("Magic City resident card")
    removed = municipal["rules"]["decoys"].pop(0) if municipal["rules"].get("decoys") else None
    changed = tmp_path / "commitments.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    with time_machine.travel(datetime(2027, 3, 2, 15, tzinfo=UTC), tick=False):
        sync(db, changed, CURATED_FILE)

    section = page(client, "/methodology").select_one("#rules-municipal-id")
    versions = section.select("ol.rule-history > li")
    assert len(versions) == 2
    assert "first version" in text(versions[0]) and "in use now" not in text(versions[0])
    second = versions[1]
    assert "March 2, 2027" in text(second) and "in use now" in text(second)
    items = second.select("ul.rule-changes > li")
    changes = {text(li).split(":")[0]: li for li in items if ":" in text(li)}
    assert "Magic City resident card" in [
        x.get_text() for x in changes["Phrases added"].select("li")
    ]
    if removed:
        assert removed in [x.get_text() for x in changes["Decoys removed"].select("li")]
    assert len(section.select("table.rules tbody tr")) == len(municipal["rules"]["patterns"])
    others = page(client, "/methodology").select_one("#rules-legal-defense")
    assert len(others.select("ol.rule-history > li")) == 1


def test_rule_changes_name_the_threshold_and_every_part():
    old = {"threshold": 1.0, "patterns": [{"any": ["a", "b"], "with_any": ["x"]}], "decoys": ["d"]}
    new = {"threshold": 1.5, "patterns": [{"any": ["b", "c"]}], "exclude_if_any": ["e"]}
    diff = rule_changes(old, new)
    assert diff["threshold"] == (1.0, 1.5)
    assert {p["part"]: (p["added"], p["removed"]) for p in diff["parts"]} == {
        "any": (["c"], ["a"]),
        "with_any": ([], ["x"]),
        "decoys": ([], ["d"]),
        "exclude_if_any": (["e"], []),
    }
    same = rule_changes(old, {**old, "patterns": [{**old["patterns"][0], "weight": 2}]})
    assert same["other"] and not same["parts"]


# ---------------------------------------------------------------- corrections


def candidate(db, commitment_id="language-access") -> int:
    return (
        db["evidence"]
        .insert(
            {
                "commitment_id": commitment_id,
                "kind": "match",
                "match_key": "item:999",
                "stance": "supports",
                "review_state": "candidate",
                "score": 1.6,
                "date": "2026-09-15",
                "title": "Item 12, Regular Meeting",
                "snippet": "A contract for Spanish interpretation services.",
                "created_at": utcnow(),
            }
        )
        .last_pk
    )


def test_corrections_empty_log_says_so_and_how_to_report(client):
    soup = page(client, "/corrections")
    assert "No corrections so far." in text(soup.select_one("main"))
    assert "ever deleted" in text(soup.select_one(".lede"))
    report = soup.select_one("#report-heading").find_parent("section")
    assert "source" in text(report)


def test_a_retroactive_status_event_appears_with_old_and_new_status(client, db):
    # A forward-dated change is ordinary history, not a correction.
    record_event(db, "municipal-id", "in-progress", date(2024, 5, 1), "Introduced.", who="editor-a")
    assert "No corrections so far." in text(page(client, "/corrections").main)
    record_event(
        db,
        "welcoming-integration",
        "in-progress",
        date(2020, 4, 28),
        "Joining a network is a first step, not part of the promise delivered.",
        who="editor-b",
    )
    entries = page(client, "/corrections").select("ol.corrections article")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.h3.a["href"] == "/commitments/welcoming-integration"
    before, after = entry.select("dl.before-after dd")
    assert before.select_one(".status-partial") and "April 28, 2020" in text(before)
    assert after.select_one(".status-in-progress") and "April 28, 2020" in text(after)
    assert "first step" in text(entry) and "editor-b" in text(entry)


def test_an_event_whose_note_says_correction_is_listed(client, db):
    record_event(
        db,
        "municipal-id",
        "not-started",
        date(2024, 5, 1),
        "Correction: the item of May 2024 was about library cards, not an ID.",
        who="editor-a",
    )
    entry = page(client, "/corrections").select_one("ol.corrections article")
    assert "library cards" in text(entry)
    before, after = entry.select("dl.before-after dd")
    assert before.select_one(".status-not-started")  # the curated 2017 status
    assert after.select_one(".status-not-started")


def test_a_reversed_review_appears_and_a_first_review_does_not(client, db):
    eid = candidate(db)
    review(db, eid, "accepted", who="maria", note="Contract for interpreters.")
    assert "No corrections so far." in text(page(client, "/corrections").main)
    review(db, eid, "rejected", who="jordan", note="The contract is the county's, not the city's.")
    entry = page(client, "/corrections").select_one("ol.corrections article")
    assert entry.h3.a["href"] == "/commitments/language-access"
    before, after = entry.select("dl.before-after dd")
    assert "Accepted" in text(before) and "Rejected" in text(after)
    assert "county's" in text(entry) and "jordan" in text(entry)


def test_corrections_are_newest_first(client, db):
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=UTC), tick=False):
        record_event(
            db, "legal-defense", "not-started", date(2017, 3, 6), "Correction: old.", who="a"
        )
    eid = candidate(db)
    with time_machine.travel(datetime(2026, 2, 5, tzinfo=UTC), tick=False):
        review(db, eid, "rejected", who="b", note="No.")
    with time_machine.travel(datetime(2026, 3, 5, tzinfo=UTC), tick=False):
        review(db, eid, "accepted", who="c", note="Yes after all.")
    entries = page(client, "/corrections").select("ol.corrections article")
    assert ["correction-review", "correction-status"] == [e["class"][1] for e in entries]


# ---------------------------------------------------------------- sources


def dead_pid() -> int:
    """The pid of a process that has exited: a run it started was killed."""
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def scrape_run(db, failed=None, errors=(), finish=True):
    run = Run(db, "scrape", "granicus", job="weekly")
    run.requests, run.bytes = 12, 2_500_000
    for url, reason in errors:
        run.error(url, reason)
    if not finish:  # killed: its process is gone and it never finished
        db["scrape_runs"].update(run.id, {"pid": dead_pid()})
        return run
    return run.finish(failed=failed)


def test_sources_before_any_scrape(client):
    soup = page(client, "/sources")
    main = text(soup.main)
    assert "has succeeded yet" in main
    granicus = soup.select_one("#source-granicus")
    assert "Never" in text(granicus) and granicus.select_one("a[href^='https://']")
    assert "No run has been recorded yet." in main
    assert "Every archived document has text." in main
    curated = [int(td.get_text()) for td in soup.select("#source-curated tbody td")]
    assert curated[0] >= 10 and curated[1] == len(COMMITMENT_IDS)
    jobs = text(soup.select_one("ul.next-runs"))
    assert "Weekly" in jobs and "Pre-meeting" in jobs


def test_sources_show_last_success_last_failure_and_why(client, db):
    with time_machine.travel(datetime(2026, 11, 4, 12, 5, tzinfo=UTC), tick=False):
        scrape_run(db)
    with time_machine.travel(datetime(2026, 11, 11, 12, 5, tzinfo=UTC), tick=False):
        scrape_run(db, finish=False)
    with time_machine.travel(datetime(2026, 11, 18, 12, 5, tzinfo=UTC), tick=False):
        errors = [
            (f"https://bhamal.granicus.com/p{i}", "HTTP 503 after 3 retries") for i in range(7)
        ]
        scrape_run(db, failed="listing unavailable: HTTP 503 after 3 retries", errors=errors)
        Run(db, "match")  # running now: not interrupted
    with time_machine.travel(datetime(2026, 11, 18, 13, tzinfo=UTC), tick=False):
        soup = page(client, "/sources")
    health = soup.select_one("#source-granicus dl.source-health")
    values = {text(dt): dd for dt, dd in zip(health.select("dt"), health.select("dd"), strict=True)}
    assert "November 4, 2026" in text(values["Last successful scrape"])
    assert "Succeeded" in text(values["Last successful scrape"])
    failure = values["Last failure"]
    assert "November 18, 2026" in text(failure) and "listing unavailable" in text(failure)
    assert len(failure.select("ul.run-errors a")) == 5 and "2 more" in text(failure)
    assert "November 11, 2026" in text(values["Last interrupted run"])
    assert "failed" in text(soup.select_one("#fresh-heading").parent)

    runs = soup.select("table.runs tbody tr")
    assert [text(r.select_one("td:nth-of-type(4)")) for r in runs] == [
        "Running",
        "Failed listing unavailable: HTTP 503 after 3 retries",
        "Interrupted",
        "Succeeded",
    ]
    failed = runs[1].select("td")
    assert text(failed[0]) == "Weekly schedule" and text(failed[-1]) == "7"
    assert text(failed[-2]) == "2.5"


def test_sources_go_stale_after_the_configured_days(client, db):
    with time_machine.travel(datetime(2026, 11, 4, 12, tzinfo=UTC), tick=False):
        scrape_run(db)
    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False):
        soup = page(client, "/sources")
    box = soup.select_one(".health")
    assert "health-stale" in box["class"] and "out of date" in text(box)
    assert "November 4, 2026" in text(box)


def test_documents_without_text_are_listed(client, db):
    db["sources"].insert(
        {"id": "granicus", "name": "Granicus", "base_url": "https://x", "kind": "granicus"}
    )
    db["meetings"].insert(
        {
            "id": "2026-09-15-regular",
            "source_id": "granicus",
            "title": "Regular Meeting",
            "date": "2026-09-15",
            "status": "passed",
        }
    )
    for kind, status, error in [
        ("agenda", "ok", None),
        ("minutes", "encrypted", "PDF is encrypted"),
        ("agenda", "pending", None),
    ]:
        db["documents"].insert(
            {
                "meeting_id": "2026-09-15-regular",
                "kind": kind,
                "url": f"https://x/{kind}.pdf",
                "sha256": (kind[0] + status[0]) * 32,
                "version": 1 if status != "pending" else 2,
                "fetched_at": utcnow(),
                "extract_status": status,
                "extract_error": error,
            }
        )
    soup = page(client, "/sources")
    rows = soup.select("table.no-text tbody tr")
    assert len(rows) == 1
    row = rows[0]
    assert "Regular Meeting" in text(row.th) and "September 15, 2026" in text(row.th)
    assert [text(td) for td in row.select("td")[:3]] == [
        "Minutes",
        "Encrypted: the text cannot be read",
        "PDF is encrypted",
    ]
    assert "me" * 6 in text(row)
    counts = [text(td) for td in soup.select("#source-granicus tbody td")]
    assert counts[:2] == ["1", "3"]
    if "records.document" in client.application.view_functions:
        assert row.select_one(f"a[href='/documents/{'me' * 32}']")


# ---------------------------------------------------------------- Spanish


def test_about_pages_in_spanish(client, db):
    with time_machine.travel(datetime(2026, 11, 4, 12, tzinfo=UTC), tick=False):
        scrape_run(db)
        pages = {
            url: page(client, f"/es{url}") for url in ("/methodology", "/corrections", "/sources")
        }
    for soup in pages.values():
        assert soup.html["lang"] == "es"
    titles = [s.h3.a.get_text(strip=True) for s in pages["/methodology"].select("section.rule-set")]
    assert titles == [c.title.es for c in load_commitments(COMMITMENTS_FILE)]
    links = [s.h3.a["href"] for s in pages["/methodology"].select("section.rule-set")]
    assert all(href.startswith("/es/commitments/") for href in links)
    assert OPERATIVE in text(pages["/methodology"].select_one("figure.quote"))
    assert "4 de noviembre de 2026" in text(pages["/sources"].main)


def test_runs_table_json_errors_count(client, db):
    run = Run(db, "process")
    run.error(None, "broken PDF")
    run.finish()
    row = page(client, "/sources").select_one("table.runs tbody tr")
    assert text(row.select("td")[-1]) == "1"
    assert json.loads(db["scrape_runs"].get(run.id)["errors"])[0]["url"] is None
