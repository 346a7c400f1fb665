"""The catalogue files validate, and a broken file names the file, the entry and the field."""

import copy

import pytest
import yaml

from tests.places import COMMITMENT_IDS, COMMITMENTS_FILE, CURATED_FILE
from tracker.catalog import load_commitments, load_curated, sync
from tracker.db import open_db
from tracker.errors import CatalogError

ORIGINAL = yaml.safe_load(COMMITMENTS_FILE.read_text())
CURATED = yaml.safe_load(CURATED_FILE.read_text())


def write(tmp_path, data, name="commitments.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def broken(tmp_path, change):
    data = copy.deepcopy(ORIGINAL)
    change(data["commitments"][3])
    with pytest.raises(CatalogError) as info:
        load_commitments(write(tmp_path, data))
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "commitments.yaml") in message
    return message


def test_the_catalogue_has_the_fifteen_fixed_ids_in_both_languages():
    commitments = load_commitments(COMMITMENTS_FILE)
    assert [c.id for c in commitments] == list(COMMITMENT_IDS)
    for c in commitments:
        assert c.title.es != c.title.en
        assert c.summary.es != c.summary.en
        assert c.sources and c.rules.patterns


def test_curated_history_has_an_initial_status_for_every_commitment():
    curated = load_curated(CURATED_FILE, COMMITMENT_IDS)
    assert {s.commitment for s in curated.statuses} == set(COMMITMENT_IDS)
    assert len(curated.events) >= 12


def test_an_id_that_cannot_be_a_permalink_is_named(tmp_path):
    def change(c):
        c["id"] = "Free Ice Cream"

    message = broken(tmp_path, change)
    assert "commitments[3]" in message and "Free Ice Cream" in message and "field id" in message


def test_a_duplicate_id_is_named(tmp_path):
    data = copy.deepcopy(ORIGINAL)
    data["commitments"][4]["id"] = data["commitments"][3]["id"]
    with pytest.raises(CatalogError) as info:
        load_commitments(write(tmp_path, data))
    assert "duplicate ids: welcoming-integration" in str(info.value)


def test_curated_history_naming_a_commitment_not_in_the_catalogue_is_refused(tmp_path):
    data = copy.deepcopy(CURATED)
    data["events"][0]["commitments"] = {"free-ice-cream": "supports"}
    with pytest.raises(CatalogError) as info:
        load_curated(write(tmp_path, data, "curated.yaml"), COMMITMENT_IDS)
    assert "'free-ice-cream' is not in the catalogue" in str(info.value)


def test_a_catalogue_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "commitments.yaml"
    path.write_bytes("commitments: []\n# caf\u00e9".encode("latin-1"))
    with pytest.raises(CatalogError) as info:
        load_commitments(path)
    assert "not UTF-8" in str(info.value) and "\n" not in str(info.value)


def test_missing_spanish_title_is_named(tmp_path):
    def change(c):
        del c["title"]["es"]

    message = broken(tmp_path, change)
    assert f"(id {ORIGINAL['commitments'][3]['id']})" in message
    assert "field title.es" in message and "missing" in message


def test_unknown_field_is_named(tmp_path):
    def change(c):
        c["colour"] = "green"

    message = broken(tmp_path, change)
    assert "field colour: unknown field" in message


def test_not_yaml_is_one_line(tmp_path):
    path = tmp_path / "commitments.yaml"
    path.write_text("commitments: [\n  - id: x\n  bad")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_commitments(path)


def test_curated_status_needs_evidence_that_bears_on_it(tmp_path):
    data = copy.deepcopy(CURATED)
    kept = next(s for s in data["statuses"] if s["status"] == "kept")
    kept["evidence"] = []
    with pytest.raises(CatalogError, match=f"key {kept['key']}.*needs at least one"):
        load_curated(write(tmp_path, data, "curated.yaml"), COMMITMENT_IDS)


def test_sync_is_idempotent_and_never_edits_a_status_event(tmp_path):
    db = open_db(tmp_path / "t.db")
    first = sync(db, COMMITMENTS_FILE, CURATED_FILE)
    assert first["status_events"] == len(CURATED["statuses"])
    counts = (db["evidence"].count, db["status_events"].count)
    assert sync(db, COMMITMENTS_FILE, CURATED_FILE)["status_events"] == 0
    assert (db["evidence"].count, db["status_events"].count) == counts

    data = copy.deepcopy(CURATED)
    data["statuses"][0]["note"]["en"] = "An editor changed their mind."
    result = sync(db, COMMITMENTS_FILE, write(tmp_path, data, "curated.yaml"))
    assert result["changed_statuses"] == [data["statuses"][0]["key"]]
    assert db["status_events"].count == counts[1]
