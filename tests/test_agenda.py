"""Tests for tracker/agenda.py: one small test per field, on saved agenda texts."""

from __future__ import annotations

import random
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from tracker.agenda import Agenda, AgendaItem, item_outcome_from_agenda, parse_agenda

FIXTURES = Path(__file__).parent / "fixtures" / "text"


@cache
def agenda(name: str) -> Agenda:
    return parse_agenda((FIXTURES / name).read_text(encoding="utf-8").split("\f"))


def modern() -> Agenda:
    return agenda("agenda-2026-05-19.txt")


def old() -> Agenda:
    return agenda("agenda-2018-12-18.txt")


def item(number: int, source: Agenda | None = None) -> AgendaItem:
    found = [i for i in (source or modern()).items if i.number == number]
    assert len(found) == 1, f"item {number}: {len(found)} found"
    return found[0]


# --- the meeting ---------------------------------------------------------------------------


def test_meeting_date():
    assert modern().meeting_date == date(2026, 5, 19)


def test_meeting_date_with_en_dash_header():
    assert old().meeting_date == date(2018, 12, 18)


def test_meeting_time():
    assert modern().meeting_time == "09:30"


def test_meeting_time_afternoon():
    parsed = parse_agenda(["AGENDA\nJune 2, 2026 - 5:30 P.M.\nITEM 1. A Resolution."])
    assert parsed.meeting_time == "17:30"


def test_meeting_date_falls_back_to_running_line():
    parsed = parse_agenda(["AGENDA\nITEM 1. A Resolution.", "Agenda – June 2, 2026   2\nx"])
    assert parsed.meeting_date == date(2026, 6, 2)
    assert parsed.meeting_time is None


def test_minutes_not_ready_range():
    assert modern().minutes_not_ready == ["2026-02-03/2026-05-12"]


def test_minutes_not_ready_list_sharing_month_and_year():
    assert old().minutes_not_ready == ["2018-10-30", "2018-11-06", "2018-11-13", "2018-11-20"]


def test_fixtures_parse_without_warnings():
    assert modern().warnings == []
    assert old().warnings == []


# --- numbers and markers -------------------------------------------------------------------


def test_numbers_run_in_one_sequence():
    assert [i.number for i in modern().items] == list(range(1, 18))
    assert [i.number for i in old().items] == list(range(1, 9))


@pytest.mark.parametrize(
    ("number", "marker"),
    [
        (1, "ITEM"),
        (2, "CONSENT(ph) ITEM"),
        (4, "CONSENT ITEM"),
        (5, "CONSENT(ph) ITEM"),
        (8, "CONSENT ITEM"),
        (10, "P(ph) ITEM"),
        (11, "P ITEM"),
        (14, "(ph) ITEM"),
        (16, "ADDENDUM ITEM"),
        (17, "UNANIMOUS CONSENT ORDINANCE"),
    ],
)
def test_marker(number, marker):
    assert item(number).marker == marker


def test_consent_flag():
    assert [i.number for i in modern().items if i.consent] == [2, 3, 4, 5, 6, 7, 8]


def test_public_hearing_flag():
    assert [i.number for i in modern().items if i.public_hearing] == [2, 3, 5, 10, 14]


def test_permanent_flag():
    assert [i.number for i in modern().items if i.permanent] == [10, 11, 15]


def test_addendum_flag():
    assert [i.number for i in modern().items if i.addendum] == [16]


def test_unanimous_consent_flag():
    assert [i.number for i in modern().items if i.unanimous_consent] == [17]
    assert not item(17).consent


def test_first_reading_flag():
    assert [i.number for i in modern().items if i.first_reading] == [15]


def test_withdrawn_flag_in_fixture():
    # WITHDRAWN CONSENT ITEM 4., CONSENT(ph) WITHDRAWN ITEM 5., ITEM 9.- WITHDRAWN,
    # ITEM 12. (WITHDRAWN), ITEM 13. REQUESTED TO BE WITHDRAWN
    assert [i.number for i in modern().items if i.withdrawn] == [4, 5, 9, 12, 13]


def test_deferred_and_postponed_flag():
    assert [i.number for i in old().items if i.deferred] == [4, 5]


@pytest.mark.parametrize(
    ("printed", "marker", "withdrawn", "deferred"),
    [
        ("WITHDRAWN CONSENT ITEM 22.", "CONSENT ITEM", True, False),
        ("WITHDRAWN CONSENT               ITEM 22.", "CONSENT ITEM", True, False),
        ("WITHDRAWN P             ITEM 22.", "P ITEM", True, False),
        ("WITHDRAWN ADDENDUM ITEM 22.", "ADDENDUM ITEM", True, False),
        ("ITEM 22.- WITHDRAWN", "ITEM", True, False),
        ("ITEM 22.– WITHDRAWN", "ITEM", True, False),
        ("CONSENT(ph) ITEM 22.-DEFERRED", "CONSENT(ph) ITEM", False, True),
        ("ITEM 22. (WITHDRAWN)", "ITEM", True, False),
        ("ITEM 22. ( WITHDRAWN )", "ITEM", True, False),
        ("ITEM 22. REQUESTED TO BE WITHDRAWN", "ITEM", True, False),
        ("(ph) ITEM 22. REQUESTED TO BE DEFERRED", "(ph) ITEM", False, True),
        ("CONSENT(ph) WITHDRAWN ITEM 22.", "CONSENT(ph) ITEM", True, False),
        ("P(ph) DEFERRED ITEM 22.", "P(ph) ITEM", False, True),
        ("P(ph) ITEM 22. WITHDRAWN", "P(ph) ITEM", True, False),
        ("DEFERRED ITEM 22.", "ITEM", False, True),
        ("POSTPONED CONSENT ITEM 22.", "CONSENT ITEM", False, True),
        ("ITEM 22. - POSTPONED", "ITEM", False, True),
        ("P ITEM 22.", "P ITEM", False, False),
    ],
)
def test_withdrawn_and_deferred_shapes(printed, marker, withdrawn, deferred):
    parsed = parse_agenda(
        [f"{printed} An Ordinance amending Chapter 5. (Submitted by the Mayor)**"]
    )
    (only,) = parsed.items
    assert (only.number, only.marker, only.withdrawn, only.deferred) == (
        22,
        marker,
        withdrawn,
        deferred,
    )
    assert only.text == "An Ordinance amending Chapter 5. (Submitted by the Mayor)"


def test_status_words_in_the_paragraph_set_no_flag():
    parsed = parse_agenda(["ITEM 3. A Resolution on deferred maintenance, withdrawn funds."])
    assert not parsed.items[0].deferred and not parsed.items[0].withdrawn


def test_line_break_between_marker_parts():
    assert item(8).marker == "CONSENT ITEM"
    parsed = parse_agenda(["P(ph)\nITEM\n  7.  An Ordinance."])
    assert (parsed.items[0].number, parsed.items[0].marker) == (7, "P(ph) ITEM")


def test_many_spaces_between_marker_parts():
    parsed = parse_agenda(["CONSENT(ph)\t      ITEM      31.   A Resolution."])
    assert (parsed.items[0].number, parsed.items[0].marker) == (31, "CONSENT(ph) ITEM")


def test_item_word_inside_a_sentence_starts_no_item():
    # Item 6 says "described in\nItem 4 of the contract": a line starting "Item 4", mixed case.
    assert "described in Item 4 of the contract specifications" in item(6).text
    assert len([i for i in modern().items if i.number == 4]) == 1


def test_unnumbered_unanimous_consent_ordinance_gets_next_number():
    parsed = parse_agenda(
        ["ITEM 1. A Resolution.\nUNANIMOUS CONSENT ORDINANCE\nAn Ordinance amending the budget."]
    )
    assert [(i.number, i.marker) for i in parsed.items] == [
        (1, "ITEM"),
        (2, "UNANIMOUS CONSENT ORDINANCE"),
    ]
    assert any("unnumbered UNANIMOUS CONSENT ORDINANCE" in w for w in parsed.warnings)


# --- text ----------------------------------------------------------------------------------


def test_text_starts_after_the_marker():
    assert item(1).text.startswith("A Resolution confirming the appointment")


def test_text_is_whitespace_normalised():
    assert "  " not in item(2).text and "\n" not in item(2).text


def test_text_strips_trailing_stars():
    assert all(not i.text.endswith("*") for i in modern().items)


def test_text_without_status_words():
    assert item(9).text.startswith("A Resolution authorizing the Mayor to execute a Memorandum")
    assert item(13).text.startswith("A Resolution authorizing the Mayor to accept")


def test_text_without_running_lines():
    assert all("Agenda" not in i.text for i in modern().items)


def test_item_spanning_pages_is_joined():
    assert item(6).text.endswith("(Recommended by the Budget and Finance Committee)")


def test_section_heading_ends_the_previous_item():
    assert item(1).text.endswith("Governmental Affairs Committee)")
    assert "CONSIDERATION" not in item(9).text
    assert "INTRODUCTION AND FIRST READING" not in item(14).text
    assert item(17).text.endswith("(Submitted by the Mayor)")


def test_consent_boilerplate_is_in_no_item():
    assert all("non-controversial" not in i.text for i in modern().items)


def test_section():
    assert item(1).section == "NOMINATIONS TO BOARDS AND AGENCIES"
    assert item(2).section == "CONSIDERATION OF CONSENT AGENDA"
    assert item(15).section == "INTRODUCTION AND FIRST READING OF ORDINANCES AND RESOLUTIONS"


# --- fields from the paragraph -------------------------------------------------------------


def test_page():
    assert [item(n).page for n in (1, 2, 3, 6, 7, 10, 11, 17)] == [1, 1, 2, 2, 3, 3, 4, 4]


def test_sponsor_mayor():
    assert item(1).sponsor == "the Mayor"


def test_sponsor_councilor_with_committee():
    assert item(11).sponsor == "Councilor Tate, Chair, Public Safety Committee"


def test_sponsor_wrapped_over_lines():
    assert item(8).sponsor == "Councilor Smitherman"


def test_sponsor_submitted_and_recommended():
    assert item(16).sponsor == "the Budget and Finance Committee"
    assert item(16).recommendation == "Recommended by the Budget and Finance Committee"


def test_sponsor_missing():
    assert item(10).sponsor is None


def test_recommendation():
    assert item(14).recommendation == "Recommended by the Public Safety Committee"


def test_conditional_recommendation():
    assert item(10).recommendation == "Conditional Recommendation by the Planning Commission"


def test_funding_source():
    assert item(6).funding_source == "Capital Improvement Fund"
    assert item(7).funding_source == "General Fund"
    assert item(1).funding_source is None


def test_amount_change():
    assert item(6).amount_change == "AMOUNT CHANGE $48,500.00"
    assert item(6).text.startswith("A Resolution authorizing the Mayor")


def test_amount_change_marker_in_text():
    assert item(8).amount_change == "(change)"
    assert item(7).amount_change is None


def test_history():
    assert item(6, old()).history == ["(Deferred from 12/11/18 to 12/18/18)"]
    assert not item(6, old()).deferred


def test_item_outcome_from_agenda():
    assert item_outcome_from_agenda(item(4)) == "withdrawn"
    assert item_outcome_from_agenda(item(4, old())) == "deferred"
    assert item_outcome_from_agenda(item(7)) is None


# --- running lines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "running",
    [
        "Agenda – May 19, 2026   2",
        "Agenda — May 19, 2026 2",
        "Agenda - May 19, 2026          2",
        "   Agenda-May 19, 2026 2   ",
        "AGENDA –  May 19, 2026   Page 2",
    ],
)
@pytest.mark.parametrize("where", ["top", "bottom", "middle"])
def test_running_line_removed(running, where):
    lines = [
        "A Resolution authorizing the Mayor",
        "to execute an Agreement.",
        "(Submitted by the Mayor)**",
    ]
    at = {"top": 0, "bottom": len(lines), "middle": 1}[where]
    page_two = "\n".join([*lines[:at], running, *lines[at:]])
    parsed = parse_agenda(["ITEM 1. A Resolution.\nCONSENT ITEM 2.", page_two])
    assert parsed.items[1].text == (
        "A Resolution authorizing the Mayor to execute an Agreement. (Submitted by the Mayor)"
    )


# --- warnings, odd text --------------------------------------------------------------------


def test_warning_for_missing_item():
    parsed = parse_agenda(["ITEM 1. A.\nITEM 2. B.\nITEM 4. D.\nITEM 7. G."])
    assert "item 3 missing" in parsed.warnings
    assert "items 5-6 missing" in parsed.warnings


def test_warning_for_duplicate_item():
    parsed = parse_agenda(["ITEM 1. A.\nITEM 2. B.", "ITEM 2. B again."])
    assert "item 2 appears 2 times (pages 1, 2)" in parsed.warnings


def test_warning_for_item_out_of_order():
    parsed = parse_agenda(["ITEM 1. A.\nITEM 3. C.\nITEM 2. B."])
    assert "item 2 after item 3 (page 1)" in parsed.warnings


def test_warning_for_no_items():
    parsed = parse_agenda(["AGENDA\nMay 19, 2026 - 9:30 A.M.\nADJOURNMENT"])
    assert parsed.items == [] and parsed.warnings == ["no items found"]


@pytest.mark.parametrize(
    "pages",
    [[], [""], ["\f\f"], ["ITEM"], ["ITEM ."], ["MINUTES NOT READY: soon"], ["ITEM 999999."]],
)
def test_odd_text_never_raises(pages):
    assert isinstance(parse_agenda(pages), Agenda)


# --- a generated 100-item agenda -----------------------------------------------------------

_KINDS = [
    # (printed prefix tokens, expected marker, flags)
    ([], "ITEM", set()),
    (["CONSENT"], "CONSENT ITEM", {"consent"}),
    (["CONSENT(ph)"], "CONSENT(ph) ITEM", {"consent", "public_hearing"}),
    (["(ph)"], "(ph) ITEM", {"public_hearing"}),
    (["P"], "P ITEM", {"permanent"}),
    (["P(ph)"], "P(ph) ITEM", {"permanent", "public_hearing"}),
    (["ADDENDUM"], "ADDENDUM ITEM", {"addendum"}),
    (["UNANIMOUS CONSENT ORDINANCE"], "UNANIMOUS CONSENT ORDINANCE", {"unanimous_consent"}),
]
_STATUSES = [None] * 6 + ["WITHDRAWN", "DEFERRED", "POSTPONED"]
_PLACES = ["before", "between", "after", "dash", "paren", "requested"]
_SEPARATORS = [" ", "   ", "\t", "\n", "  \n  ", "            "]
_DASHES = ["–", "—", "-"]
_HEADINGS = [
    "COMMUNICATIONS FROM THE MAYOR",
    "CONSIDERATION OF ORDINANCES AND RESOLUTIONS FOR FINAL PASSAGE",
    "INTRODUCTION AND FIRST READING OF ORDINANCES AND RESOLUTIONS",
    "OLD AND NEW BUSINESS",
]
_SENTENCES = [
    "A Resolution determining that the grass and weeds growing upon parcel 22-00-12-3-004-011.000",
    "at 1416 Avenue M Ensley constitute a public nuisance",
    "A Resolution authorizing the Mayor to execute an Agreement as described in Item 4 of the",
    "contract, in an amount not-to-exceed $48,500.00",
    "An Ordinance amending Chapter 10 of the General Code relating to deferred maintenance",
    "of City buildings and withdrawn permits",
    "A Resolution determining that the structure at 817 Cotton Avenue SW is unsafe",
    "Item 4 of the contract specifications applies to the work",
]
_FLAGS = (
    "consent",
    "public_hearing",
    "permanent",
    "addendum",
    "withdrawn",
    "deferred",
    "unanimous_consent",
)


def _printed_marker(rng: random.Random, number: int, tokens: list[str], status: str | None) -> str:
    """A marker as extraction might give it: status word in any of its places, odd spacing."""
    place = rng.choice(_PLACES if tokens else [p for p in _PLACES if p != "between"])
    head = list(tokens)
    if status and place == "before":
        head.insert(0, status)
    elif status and place == "between":
        head.append(status)
    printed = "".join(t + rng.choice(_SEPARATORS) for t in head)
    printed += f"ITEM{rng.choice(_SEPARATORS)}{number}."
    if status:
        printed += {
            "after": f" {status}",
            "dash": f"{rng.choice(_DASHES)} {status}",
            "paren": f" ({status})",
            "requested": f" REQUESTED TO BE {status}",
        }.get(place, "")
    return printed


def _generate(seed: int, count: int = 100) -> tuple[list[str], list[dict]]:
    """Pages of a `count`-item agenda, and what the parser should read from them."""
    rng = random.Random(seed)
    pages: list[list[str]] = [
        ["AGENDA", "REGULAR MEETING OF THE COUNCIL", "May 19, 2026 - 9:30 A.M."]
    ]
    expected: list[dict] = []

    def running_line(page: int) -> str:
        spaces = " " * rng.randint(1, 8)
        return f"Agenda {rng.choice(_DASHES)} May 19, 2026{spaces}{page}"

    def page_break() -> None:
        if rng.random() < 0.3:  # running line at the foot of this page
            pages[-1].append(running_line(len(pages)))
            pages.append([])
        else:  # or at the head of the next
            pages.append([running_line(len(pages) + 1)])

    until_break = rng.randint(2, 4)
    for number in range(1, count + 1):
        tokens, marker, flags = rng.choice(_KINDS)
        status = rng.choice(_STATUSES)
        if rng.random() < 0.1:
            pages[-1].append(rng.choice(_HEADINGS))
        lines = [rng.choice(_SENTENCES) for _ in range(rng.randint(1, 4))]
        lines[-1] += " (Submitted by the Mayor)" + rng.choice(["**", "", " **"])
        printed = _printed_marker(rng, number, tokens, status) + rng.choice(_SEPARATORS)
        pages[-1].append(printed + lines[0])
        expected.append(
            {
                "number": number,
                "marker": marker,
                "page": len(pages),
                "text": " ".join(" ".join(lines).split()).removesuffix("**").rstrip(),
                **{flag: flag in flags for flag in _FLAGS},
                "withdrawn": status == "WITHDRAWN",
                "deferred": status in ("DEFERRED", "POSTPONED"),
            }
        )
        until_break -= 1
        # Every few items a page ends, half the time in the middle of an item.
        split_before = rng.randint(1, len(lines) - 1) if until_break == 0 and len(lines) > 1 else 0
        for index, line in enumerate(lines[1:], start=1):
            if index == split_before and rng.random() < 0.5:
                page_break()
                split_before = -1
            pages[-1].append(line)
        if until_break == 0:
            if split_before != -1:
                page_break()
            until_break = rng.randint(2, 4)
    pages[-1].append("ADJOURNMENT")
    return ["\n".join(page) for page in pages], expected


@pytest.mark.parametrize("seed", [20260519, 7, 1963])
def test_generated_100_item_agenda(seed):
    pages, expected = _generate(seed)
    parsed = parse_agenda(pages)
    assert len(pages) > 25
    got = [
        {
            "number": i.number,
            "marker": i.marker,
            "page": i.page,
            "text": i.text,
            **{flag: getattr(i, flag) for flag in _FLAGS},
        }
        for i in parsed.items
    ]
    assert len(got) == 100
    for want, have in zip(expected, got, strict=True):
        assert have == want
    assert parsed.warnings == []
