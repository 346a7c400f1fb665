"""Rule notes in Spanish: every note of the shipped catalogue has one, /es/methodology shows it,
and a translation is never a rule change (the rule history stays one version)."""

import copy
from datetime import UTC, datetime

import pytest
import time_machine
import yaml
from bs4 import BeautifulSoup

from tests.places import COMMITMENTS_FILE, CURATED_FILE
from tracker.catalog import load_commitments, rules_sha256, sync
from tracker.errors import CatalogError

ORIGINAL = yaml.safe_load(COMMITMENTS_FILE.read_text(encoding="utf-8"))


def page(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "lxml")


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def write(tmp_path, data):
    path = tmp_path / "commitments.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def note_cells(soup: BeautifulSoup, commitment_id: str) -> list:
    rows = soup.select(f"#rules-{commitment_id} table.rules tbody tr")
    return [row.select("td")[-1] for row in rows]


def test_every_rule_note_in_the_catalogue_has_a_spanish_text():
    patterns = [p for c in load_commitments(COMMITMENTS_FILE) for p in c.rules.patterns]
    notes = [p for p in patterns if p.note]
    assert len(notes) >= 136
    missing = [p.note for p in notes if not p.note_es]
    assert missing == []
    # A Spanish text is a translation, not the English copied over, and quotes in one style.
    assert [p.note for p in notes if p.note_es == p.note] == []
    assert [p.note_es for p in notes if '"' in p.note_es] == []


def test_a_spanish_note_is_not_a_rule_change(tmp_path):
    shipped = {c.id: rules_sha256(c) for c in load_commitments(COMMITMENTS_FILE)}
    untranslated = copy.deepcopy(ORIGINAL)
    for c in untranslated["commitments"]:
        for p in c["rules"]["patterns"]:
            p.pop("note_es", None)
    before = {c.id: rules_sha256(c) for c in load_commitments(write(tmp_path, untranslated))}
    assert before == shipped  # the fingerprints of a database from before the translations

    reworded = copy.deepcopy(ORIGINAL)
    reworded["commitments"][0]["rules"]["patterns"][0]["note_es"] = "otra traducción"
    after = {c.id: rules_sha256(c) for c in load_commitments(write(tmp_path, reworded))}
    assert after == shipped

    # The English note is part of the rules (it labels a match's reasons): changing it still counts.
    changed = copy.deepcopy(ORIGINAL)
    changed["commitments"][0]["rules"]["patterns"][0]["note"] = "the name of the promise"
    first = ORIGINAL["commitments"][0]["id"]
    assert rules_sha256(load_commitments(write(tmp_path, changed))[0]) != shipped[first]


def test_translating_the_notes_keeps_one_rule_version_on_the_methodology_page(client, db, tmp_path):
    untranslated = copy.deepcopy(ORIGINAL)
    for c in untranslated["commitments"]:
        for p in c["rules"]["patterns"]:
            p.pop("note_es", None)
    with time_machine.travel(datetime(2027, 1, 5, 12, tzinfo=UTC), tick=False):
        sync(db, write(tmp_path, untranslated), CURATED_FILE)
    with time_machine.travel(datetime(2027, 2, 5, 12, tzinfo=UTC), tick=False):
        sync(db, COMMITMENTS_FILE, CURATED_FILE)
    soup = page(client, "/es/methodology")
    for section in soup.select("section.rule-set"):
        versions = section.select("ol.rule-history > li")
        assert len(versions) == 1, section["id"]
        assert "5 de febrero de 2027" not in text(versions[0])
    assert text(note_cells(soup, "declare-sanctuary")[0]) == "el nombre corriente de la promesa"


def test_the_spanish_methodology_shows_the_notes_in_spanish(client):
    soup = page(client, "/es/methodology")
    tables = soup.select("table.rules")
    assert tables
    for table in tables:
        assert "(en inglés)" not in text(table)
        notes = [row.select("td")[-1] for row in table.select("tbody tr")]
        assert not [td for td in notes if td.get("lang") == "en" or td.select('[lang="en"]')]
    cells = note_cells(soup, "police-not-immigration-agents")
    assert "mantener a los agentes fuera de las redadas" in [text(td) for td in cells]
    # Quoted council wording keeps its words, in the Spanish page's quotation marks.
    assert any("“POLICE”" in text(td) for td in cells)
    english = note_cells(page(client, "/methodology"), "police-not-immigration-agents")
    assert "keeping officers out of raids" in [text(td) for td in english]
    assert not any("(in English)" in text(td) for td in english)


def test_a_note_without_spanish_is_shown_marked_as_english(client, db, tmp_path):
    data = copy.deepcopy(ORIGINAL)
    municipal = next(c for c in data["commitments"] if c["id"] == "municipal-id")
    del municipal["rules"]["patterns"][0]["note_es"]
    sync(db, write(tmp_path, data), CURATED_FILE)
    cells = note_cells(page(client, "/es/methodology"), "municipal-id")
    untranslated = cells[0].select_one('[lang="en"]')
    assert untranslated.get_text() == municipal["rules"]["patterns"][0]["note"]
    assert "(en inglés)" in text(cells[0])
    assert "(en inglés)" not in text(cells[1])


def test_a_spanish_note_without_its_english_note_is_named(tmp_path):
    data = copy.deepcopy(ORIGINAL)
    del data["commitments"][3]["rules"]["patterns"][1]["note"]
    with pytest.raises(CatalogError) as info:
        load_commitments(write(tmp_path, data))
    message = str(info.value)
    assert "\n" not in message and "(id welcoming-integration)" in message
    assert "rules.patterns.1" in message and "give the note in English too" in message
