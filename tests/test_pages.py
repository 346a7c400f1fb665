"""What the public pages say, taken at face value: honest statuses, meetings, citations,
as-of pages and the data debt, each as a reader (or a journalist) would notice it."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup

from tracker.evidence import add_manual
from tracker.status import record_event


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "lxml")


def overview_row(soup, cid):
    return [td.get_text(" ", strip=True) for td in soup.select(f"tr#{cid} td")]


# --- 1. statuses ----------------------------------------------------------------------------


def test_a_promise_nothing_was_done_on_is_not_started_never_stalled(client):
    # equal-protection: the editors' record says "not started" on January 31, 2017, and nothing
    # has been recorded since; nine years on it is still not started, not "stalled".
    soup = page(client, "/")
    made_by, status, since, last = overview_row(soup, "equal-protection")
    assert status.endswith("Not started")
    assert last == "None since January 31, 2017"
    standing = page(client, "/commitments/equal-protection").select_one(".standing")
    assert "Not started" in standing.get_text() and "Stalled" not in standing.get_text()
    assert "No recorded action since January 31, 2017." in standing.get_text()


def test_a_promise_that_moved_then_stopped_is_stalled(client):
    # no-stop-and-frisk: in progress since the pledge of 2017, nothing since.
    status = overview_row(page(client, "/"), "no-stop-and-frisk")[1]
    assert status.endswith("Stalled")


def test_the_chart_and_its_table_count_the_same_statuses_as_the_list(client):
    soup = page(client, "/")
    table = {
        r.th.get_text(strip=True): int(r.td.get_text())
        for r in soup.select("figure.chart table tbody tr")
    }
    listed = [
        r.select_one(".status").get_text(" ", strip=True).split(" ", 1)[1]
        for r in soup.select("table.commitments tbody tr")
    ]
    assert table["Not started"] == listed.count("Not started") >= 5
    assert table["Stalled"] == listed.count("Stalled")
    bars = {rect["class"][1]: float(rect["width"]) for rect in soup.select("figure.chart rect.bar")}
    # the bars are drawn from the same counts: as long as each other as their numbers
    unit = bars["bar-kept"] / table["Kept"]
    assert bars["bar-not-started"] == pytest.approx(unit * table["Not started"])
    assert bars["bar-stalled"] == pytest.approx(unit * table["Stalled"])


def test_curated_history_shows_no_install_date_under_an_old_decision(client):
    soup = page(client, "/commitments/declare-sanctuary")
    entry = soup.select_one("ol.timeline li").get_text(" ", strip=True)
    assert entry.startswith("January 31, 2017")
    assert "Recorded by" not in entry  # the day the file was loaded says nothing of 2017
    assert "entered from public records and press reports" in entry


def test_the_status_text_is_not_repeated_word_for_word_in_its_own_history(client, db):
    with db.conn:
        record_event(
            db,
            "language-access",
            "in-progress",
            date(2025, 5, 20),
            "Interpretation at council meetings approved.",
            who="Ana",
        )
    soup = page(client, "/commitments/language-access")
    assert soup.get_text().count("Interpretation at council meetings approved.") == 1
    newest = soup.select_one("ol.timeline li").get_text(" ", strip=True)
    assert "The status shown above." in newest and "Recorded by Ana on" in newest
    older = soup.select("ol.timeline li")[1].get_text(" ", strip=True)
    assert "Not started" in older and len(older) > 80  # an older event keeps its note


def test_a_manual_note_appears_once(client, db, settings):
    note = "Records request answered: the city has no municipal ID program."
    with db.conn:
        add_manual(
            db,
            settings,
            commitment_id="municipal-id",
            url="https://example.org/records-response",
            day=date(2024, 3, 1),
            note=note,
            who="Ana",
            stance="contrary",
        )
    soup = page(client, "/commitments/municipal-id")
    assert soup.get_text().count(note) == 1
