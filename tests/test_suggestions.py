"""Suggested promises for the unassigned queue: an item about immigration that no rule claims
still reaches an editor with the promise its words point to, never as a candidate."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.places import COMMITMENTS_FILE
from tracker.catalog import load_commitments, rules_sha256
from tracker.topics import Suggester, terms

CATALOGUE = load_commitments(COMMITMENTS_FILE)
SUGGESTER = Suggester(CATALOGUE)


def first(text: str) -> tuple[str, tuple[str, ...]] | None:
    found = SUGGESTER.suggest(text)
    return (found[0].commitment_id, found[0].words) if found else None


def test_an_item_no_rule_claims_gets_the_promise_its_words_point_to():
    text = (
        "Authorize the County Counsel to provide pro bono legal representation to unaccompanied "
        "immigrant children placed in the county."
    )
    assert terms(
        text
    )  # it speaks of immigrants (whether a rule also claims it is beside the point)
    assert first(text) == ("legal-defense", ("counsel", "legal", "representation"))


def test_the_promise_with_most_distinct_hint_words_comes_first_and_at_most_two_are_given():
    text = (
        "Report on jail custody of immigrant inmates and the information shared with federal "
        "agencies about their release dates."
    )
    found = SUGGESTER.suggest(text)
    assert [s.commitment_id for s in found] == ["detainer-limits", "information-privacy"]
    assert set(found[0].words) >= {"jail", "custody", "inmates"}


def test_a_hint_in_capitals_is_an_acronym_and_a_longer_one_is_a_word_prefix():
    assert first("The municipal ID programme for immigrant residents") == (
        "municipal-id",
        ("id",),
    )
    assert first("An idea from immigrant residents") is None  # "ID" is not "id" in "idea"
    assert first("Immigrant detainees and detainers") == (
        "detainer-limits",
        ("detainees", "detainers"),
    )


def test_a_text_with_none_of_any_promise_hints_gets_no_suggestion():
    assert SUGGESTER.suggest("Immigrant") == []
    assert Suggester([]).suggest("legal representation for immigrants") == []


def test_hints_are_outside_the_rules_fingerprint(tmp_path: Path):
    data = yaml.safe_load(COMMITMENTS_FILE.read_text(encoding="utf-8"))
    for c in data["commitments"]:
        c["hints"] = ["something else entirely"]
    changed = tmp_path / "commitments.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = {c.id: rules_sha256(c) for c in CATALOGUE}
    after = {c.id: rules_sha256(c) for c in load_commitments(changed)}
    assert before == after


def test_the_queue_knows_misspelt_and_shortened_programme_names():
    # Clerks write "Protective" for Protected and "Child" for Childhood Arrivals.
    assert terms("Urging Congress to extend Temporary Protective Status to Haitians")
    assert terms("Youth in the Deferred Action for Child Arrivals program")
    assert not terms("A temporary protective order for the park")
