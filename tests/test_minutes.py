"""Tests for tracker/minutes.py: one small test per field, on saved minutes texts, and linking."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from tracker.agenda import AgendaItem, parse_agenda
from tracker.minutes import Link, Minutes, Vote, link_outcomes, parse_minutes

FIXTURES = Path(__file__).parent / "fixtures" / "text"


def _pages(name: str) -> list[str]:
    return (FIXTURES / name).read_text(encoding="utf-8").split("\f")


@cache
def minutes(name: str = "minutes-2026-05-19.txt") -> Minutes:
    return parse_minutes(_pages(name))


def june_2020() -> Minutes:
    return minutes("minutes-2020-06-23.txt")


def vote(index: int, source: Minutes | None = None) -> Vote:
    return (source or minutes()).votes[index]


@cache
def links() -> dict[int, Link]:
    items = parse_agenda(_pages("agenda-2026-05-19.txt")).items
    return {link.item_number: link for link in link_outcomes(items, minutes())}


def _vote_text(
    motion: str, tally: str = "Ayes: Abbott, Hoyt and President Parker\nNays: None"
) -> str:
    return f"Present on Roll Call: Abbott\nHoyt\n\n{motion}\n{tally}\n"


# --- the meeting ---------------------------------------------------------------------------


def test_meeting_date():
    assert minutes().meeting_date == date(2026, 5, 19)
    assert june_2020().meeting_date == date(2020, 6, 23)


def test_present_strips_titles_and_notes():
    assert minutes().present == [
        "Alexander",
        "Gunn",
        "O'Quinn",
        "Smith",
        "Smitherman",
        "Tate",
        "Vasa",
        "Woods",
    ]


def test_present_with_councilmembers_title():
    assert june_2020().present[:3] == ["Parker", "Abbott", "Alexander"]
    assert len(june_2020().present) == 9


def test_present_comma_separated_on_one_line():
    parsed = parse_minutes(
        ["Present on Roll Call: Councilors Gunn, Tate and President Alexander\n"]
    )
    assert parsed.present == ["Gunn", "Tate", "Alexander"]


def test_absent():
    assert minutes().absent == ["Williams"]
    assert june_2020().absent == []


def test_fixtures_parse_without_warnings():
    assert minutes().warnings == []
    assert june_2020().warnings == []


def test_vote_count():
    # Procedural motions (unanimous consent to consider, adjournment) are not votes on matters.
    assert len(minutes().votes) == 9
    assert len(june_2020().votes) == 9


# --- fields of a vote ----------------------------------------------------------------------


def test_item_number_from_heading():
    assert vote(0).item_number == 1
    assert vote(6).item_number == 14


def test_item_number_from_addendum_heading():
    assert vote(7).item_number == 16


def test_item_number_from_text():
    assert vote(4).item_number == 11  # "The ordinance (Item No. 11) was read …"
    assert vote(5).item_number == 12  # "Item No. 12 was withdrawn …"


def test_item_number_missing():
    assert vote(2).item_number is None
    assert vote(2).item_numbers == []


def test_resolution_number_printed_before_vote():
    assert vote(1, june_2020()).resolution_number == "1247-20"


def test_ordinance_number_printed_before_vote():
    assert vote(3).resolution_number == "26-41"


def test_resolution_number_missing():
    assert vote(4).resolution_number is None


def test_consent_block():
    assert [v.consent_block for v in minutes().votes] == [False, True] + [False] * 7


def test_consent_block_item_numbers_listed():
    assert vote(0, june_2020()).item_numbers == [3, 4, 5, 6]


def test_consent_block_item_numbers_not_listed():
    assert vote(1).item_numbers == []


def test_consent_block_resolution_numbers_per_item():
    assert vote(0, june_2020()).resolution_numbers == {3: "1240-20", 4: "1241-20"}
    assert vote(0, june_2020()).resolution_number is None


def test_mover():
    assert vote(0).mover == "O'Quinn"
    assert vote(1).mover == "Tate"


def test_seconder():
    assert vote(0).seconder == "Vasa"
    assert vote(7).seconder == "Tate"  # "seconded by Councilor Tate and carried."


def test_seconder_in_a_sentence_of_its_own():
    assert vote(7, june_2020()).seconder == "Hoyt"  # "The motion was seconded by …"


def test_ayes():
    assert vote(1).ayes == [
        "Gunn",
        "O'Quinn",
        "Smith",
        "Smitherman",
        "Tate",
        "Vasa",
        "Woods",
        "Alexander",
    ]


def test_ayes_across_a_page_break():
    assert vote(3).ayes[-2:] == ["Woods", "Alexander"]
    assert vote(3).page == 2


def test_ayes_one_name_per_line():
    assert vote(2, june_2020()).ayes == ["Hoyt", "Williams", "Woods"]


def test_nays():
    assert vote(4).nays == ["Gunn", "O'Quinn", "Smith", "Woods", "Alexander"]
    assert vote(1).nays == []


def test_abstaining():
    assert vote(2).abstaining == ["Smitherman"]
    assert vote(1, june_2020()).abstaining == ["Smitherman"]


def test_page():
    assert [v.page for v in minutes().votes] == [1, 2, 2, 2, 3, 3, 3, 3, 3]


def test_text_is_the_passage():
    text = vote(5).text
    assert text == "Item No. 12 was withdrawn at the request of the Administration."


def test_text_runs_through_the_roll_call():
    assert vote(2).text.startswith("The resolution was read by the City Clerk, whereupon")
    assert vote(2).text.endswith("Abstaining: Smitherman")


def test_context_holds_the_resolution_body():
    assert "Hispanic Interest Coalition of Alabama" in vote(2).context


# --- outcomes ------------------------------------------------------------------------------


def test_outcomes():
    assert [v.outcome for v in minutes().votes] == [
        "deferred",
        "adopted",
        "adopted",
        "adopted",
        "failed",
        "withdrawn",
        "tabled",
        "referred",
        "adopted",
    ]


def test_outcome_failed_by_counts():
    assert vote(2, june_2020()).outcome == "failed"


def test_outcome_failed_by_text():
    parsed = parse_minutes(
        [_vote_text("Councilor Tate moved the adoption of the resolution. The motion failed.", "")]
    )
    assert parsed.votes[0].outcome == "failed"


def test_outcome_tie_is_failed():
    parsed = parse_minutes(
        [_vote_text("Councilor Tate moved its adoption:", "Ayes: Tate, Woods\nNays: Gunn, Smith")]
    )
    assert parsed.votes[0].outcome == "failed"


def test_outcome_tabled_by_voice():
    assert vote(5, june_2020()).outcome == "tabled"


def test_outcome_referred_with_roll_call():
    assert vote(6, june_2020()).outcome == "referred"


def test_outcome_deferred_until_date():
    assert vote(7, june_2020()).outcome == "deferred"
    assert vote(7, june_2020()).item_number == 13


def test_outcome_withdrawn_at_request():
    assert vote(8, june_2020()).outcome == "withdrawn"
    assert vote(8, june_2020()).item_number == 14


def test_outcome_amended_then_adopted_as_amended():
    amend, adopt = vote(3, june_2020()), vote(4, june_2020())
    assert (amend.outcome, adopt.outcome) == ("amended", "adopted")
    assert amend.item_number == adopt.item_number == 10
    assert adopt.resolution_number == "1249-20"


def test_unanimous_consent_motion_is_not_a_vote():
    assert vote(8).outcome == "adopted"
    assert vote(8).text.startswith("The ordinance was read by the City Clerk")
    assert vote(8).resolution_number == "26-42"


# --- odd text ------------------------------------------------------------------------------


def test_roll_call_without_motion_is_kept_with_a_warning():
    parsed = parse_minutes(["Present on Roll Call: Abbott\n\nAyes: Abbott, Hoyt\nNays: None\n"])
    assert parsed.votes[0].ayes == ["Abbott", "Hoyt"]
    assert parsed.votes[0].outcome == "adopted"
    assert any("roll call with no motion" in w for w in parsed.warnings)


def test_running_line_removed():
    pages = [
        _vote_text("Councilor Tate moved its adoption:", "Ayes: Abbott,"),
        "MAY 19, 2026     2\nHoyt and President Parker\nNays: None",
    ]
    assert parse_minutes(pages).votes[0].ayes == ["Abbott", "Hoyt", "Parker"]


@pytest.mark.parametrize(
    "pages", [[], [""], ["Ayes:"], ["Present on Roll Call:"], ["Nays: None\f"], ["\u00a0" * 5]]
)
def test_odd_text_never_raises(pages):
    assert isinstance(parse_minutes(pages), Minutes)


# --- links to agenda items -----------------------------------------------------------------


def test_link_by_item_number():
    assert links()[10] == Link(10, "adopted", 1.0, "26-41", 3, "item-number")
    assert links()[11].outcome == "failed"
    assert links()[14].outcome == "tabled"


def test_link_consent_block_by_membership():
    for number in (2, 3, 6, 8):
        assert (links()[number].method, links()[number].confidence) == ("consent-block", 0.8)
        assert links()[number].vote_index == 1


def test_link_skips_consent_items_withdrawn_on_the_agenda():
    assert 4 not in links() and 5 not in links()


def test_link_by_similarity():
    link = links()[7]  # pulled from the consent agenda, voted on with no item number
    assert (link.method, link.vote_index, link.outcome) == ("similarity", 2, "adopted")
    assert 0.5 <= link.confidence <= 0.7


def test_link_by_similarity_carries_resolution_number():
    assert links()[17].resolution_number == "26-42"
    assert links()[17].method == "similarity"


def test_items_without_a_vote_stay_unlinked():
    assert not {9, 13, 15} & set(links())


def test_link_consent_block_listed():
    items = [
        AgendaItem(number=n, marker="CONSENT ITEM", consent=True, text="A Resolution.", page=1)
        for n in (3, 4, 5)
    ]
    got = link_outcomes(items, june_2020())
    assert [(x.item_number, x.method, x.confidence, x.resolution_number) for x in got] == [
        (3, "consent-block", 0.9, "1240-20"),
        (4, "consent-block", 0.9, "1241-20"),
        (5, "consent-block", 0.9, None),
    ]


def test_link_later_vote_on_same_item_wins():
    item = AgendaItem(number=10, marker="ITEM", text="A Resolution.", page=1)
    got = link_outcomes([item], june_2020())
    assert got == [Link(10, "adopted", 1.0, "1249-20", 4, "item-number")]


def test_link_by_similarity_refuses_look_alike_items():
    weeds = "A Resolution determining that the grass and weeds upon the parcel at {} are a nuisance"
    items = [
        AgendaItem(number=n, marker="ITEM", text=weeds.format(f"{n}00 Avenue M Ensley"), page=1)
        for n in (2, 3)
    ]
    body = "BE IT RESOLVED that the grass and weeds upon the parcel are a public nuisance."
    clerk = (
        "The resolution was read by the City Clerk, whereupon Councilor Tate moved its adoption:"
    )
    parsed = parse_minutes([_vote_text(f"{body}\n{clerk}")])
    assert link_outcomes(items[:1], parsed)[0].method == "similarity"
    assert link_outcomes(items, parsed) == []  # either could be the one: too close to call


# --- per-matter records ------------------------------------------------------------------------


@cache
def records():
    from tracker.minutes import minutes_records

    return minutes_records(_pages("minutes-2026-05-19.txt"))[1]


@cache
def record_links() -> dict[int, int]:
    from tracker.minutes import link_records

    items = parse_agenda(_pages("agenda-2026-05-19.txt")).items
    return {o: n for o, (n, _, _) in link_records(items, minutes(), records()).items()}


def test_records_open_at_the_matters_heading_and_end_before_the_roll_call():
    first = records()[0]
    assert first.text.startswith("ITEM 1.") and first.item_numbers == (1,)
    assert "minutes of January 27" not in first.text and "Ayes:" not in first.text
    assert first.outcome == "deferred"


def test_a_consent_block_gives_one_record_per_resolution_printed_in_it():
    consent = [r for r in records() if r.consent_block]
    assert [r.resolution_number for r in consent] == ["0815-26", "0816-26", "0817-26", "0818-26"]
    assert all(r.outcome == "adopted" for r in consent)
    assert "Consent Agenda items were introduced" not in consent[0].text
    roofing = consent[2]
    assert "Southern Roofing" in roofing.text and "Washington" not in roofing.text


def test_records_drop_running_headers_even_across_a_page_break():
    weeds = records()[1]
    assert "MAY 19, 2026" not in weeds.text and "cost of abatement" in weeds.text


def test_records_are_linked_by_number_by_the_clerks_sentence_and_by_their_words():
    by_text = {r.text[:40]: record_links().get(r.ordinal) for r in records()}
    linked = record_links()
    numbered = {r.item_numbers[0]: r.ordinal for r in records() if r.item_numbers}
    assert linked[numbered[10]] == 10 and linked[numbered[14]] == 14
    assert linked[numbered[11]] == 11  # "The ordinance (Item No. 11) was read"
    hica = next(r for r in records() if "HICA" in r.text)
    assert linked[hica.ordinal] == 7  # removed from the consent agenda: by its words
    budget = next(r for r in records() if r.resolution_number == "26-42")
    assert linked[budget.ordinal] == 17
    assert len(set(linked.values())) == len(linked), by_text  # no item twice
