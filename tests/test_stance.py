"""Stance that reads the sentence: a refused, forbidden, ended or opposed contrary act supports
the promise; a denied declaration is contrary; a near tie is "context", never a guessed contrary.

Runs the catalogue's real rules (data/commitments.yaml) on clerk-style sentences, including the
issue's own examples.
"""

from __future__ import annotations

from functools import cache

import pytest

from tests.places import COMMITMENTS_FILE
from tracker.catalog import load_commitments
from tracker.matching import Matcher


@cache
def matcher() -> Matcher:
    return Matcher.from_commitments(load_commitments(COMMITMENTS_FILE))


def stances(text: str) -> dict[str, str]:
    return {c.commitment_id: c.stance for c in matcher().match(text)}


def candidate(text: str, commitment_id: str):
    """The one candidate the matcher proposes for this commitment (fails if none or several)."""
    (cand,) = [c for c in matcher().match(text) if c.commitment_id == commitment_id]
    return cand


REFUSALS = [
    # (text, the commitment it must be proposed for)
    (
        "A Resolution urging the Chief of Police not to enter into any 287(g) agreement with "
        "U.S. Immigration and Customs Enforcement.",
        "police-not-immigration-agents",
    ),
    (
        "The Sheriff shall not enter into an agreement under Section 287(g) of the Immigration "
        "and Nationality Act.",
        "police-not-immigration-agents",
    ),
    (
        "Members of the Department shall refrain from participating in any 287(g) task force.",
        "police-not-immigration-agents",
    ),
    (
        "Participation in a 287(g) program is not permitted under this general order.",
        "police-not-immigration-agents",
    ),
    (
        "A Resolution terminating the Intergovernmental Service Agreement with Immigration and "
        "Customs Enforcement for detention beds at the City Jail.",
        "no-city-resources-for-ice",
    ),
    (
        "The City's 287(g) agreement with Immigration and Customs Enforcement is hereby "
        "terminated.",
        "police-not-immigration-agents",  # a 287(g) agreement lends officers, not city money
    ),
    (
        "A Resolution opposing legislation that would withhold federal funds from sanctuary "
        "cities.",
        "declare-sanctuary",
    ),
]


@pytest.mark.parametrize(("text", "commitment_id"), REFUSALS)
def test_a_refused_contrary_act_supports_and_is_never_contrary(text, commitment_id):
    found = stances(text)
    assert found.get(commitment_id) == "supports", found
    assert "contrary" not in found.values(), found


def test_the_rule_lines_say_which_word_refused_the_act():
    cand = candidate(
        "Participation in a 287(g) program is not permitted.", "police-not-immigration-agents"
    )
    assert any('read as supports: refused by "not permitted"' in r for r in cand.rules)


def test_the_same_act_without_the_refusal_stays_contrary():
    assert (
        stances("Participation in a 287(g) program is permitted under this general order.")[
            "police-not-immigration-agents"
        ]
        == "contrary"
    )
    found = stances(
        "A Resolution authorizing the Mayor to execute a 287(g) Memorandum of Agreement with "
        "U.S. Immigration and Customs Enforcement."
    )
    assert found["police-not-immigration-agents"] == "contrary"
    assert "no-city-resources-for-ice" not in found  # officers, not city money or property


def test_a_denied_declaration_is_contrary():
    found = stances("The City of Hoover does not constitute a sanctuary jurisdiction.")
    assert found == {"declare-sanctuary": "contrary"}
    assert stances("A Resolution declaring that Cullman is not a sanctuary city.") == {
        "declare-sanctuary": "contrary"
    }


def test_undoing_the_declaration_is_still_contrary():
    found = stances("A Resolution rescinding the Sanctuary City resolution of January 31, 2017.")
    assert found["declare-sanctuary"] == "contrary"


@pytest.mark.parametrize(
    "text",
    [
        "An Ordinance prohibiting discrimination on the basis of immigration status.",
        "City employees shall not inquire about the immigration status of any person.",
        "No City funds or personnel shall be used for civil immigration enforcement.",
    ],
)
def test_a_negation_inside_a_supporting_rule_does_not_turn_it_contrary(text):
    found = stances(text)
    assert found and set(found.values()) == {"supports"}, found


def test_an_abbreviation_does_not_end_the_clause_that_holds_the_refusal():
    # "U.S." must not cut "not to enter ... with U.S. Immigration and Customs Enforcement".
    found = stances(
        "A Resolution asking the Sheriff not to sign any agreement with U.S. Immigration and "
        "Customs Enforcement for the housing of federal detainees."
    )
    assert found == {"no-city-resources-for-ice": "supports"}


def test_a_card_for_all_regardless_of_status_is_not_a_status_check():
    text = (
        "Five years ago, New Haven became the first municipality in the nation to offer "
        "identification cards to all residents regardless of immigration status."
    )
    assert stances(text).get("municipal-id") == "supports"


@pytest.mark.parametrize(
    "text",
    [
        'NOT ADOPTED RESOLUTION NO. 2017-100 "RESOLUTION OF THE CITY COUNCIL IN SUPPORT OF '
        'CREATING A WELCOMING COMMUNITY FOR ALL RESIDENTS."',
        "A Resolution declaring the City a Welcoming City was voted down 4-3.",
    ],
)
def test_a_supporting_measure_the_council_declined_is_contrary_and_says_why(text):
    cand = candidate(text, "welcoming-integration")
    assert cand.stance == "contrary"
    assert any("read as contrary: the measure failed" in line for line in cand.rules)


def test_the_next_sentence_can_say_the_ordinance_was_not_considered():
    text = (
        "In February 2017, the Town was approached to adopt a Welcoming City Ordinance. As "
        "proposed, the ordinance was not considered due to the Town's belief that it was ambiguous."
    )
    assert stances(text)["sanctuary-ordinance"] == "contrary"


def test_a_prohibition_that_is_itself_the_contrary_act_stays_contrary():
    # "prohibiting" here forbids renting to immigrants; it refuses nothing the promise opposes
    text = (
        "An ordinance amending Title 6 of the Metropolitan Code of Laws prohibiting the harboring "
        "of illegal aliens and prohibiting landowners from leasing or renting dwelling units to "
        "illegal aliens."
    )
    assert stances(text)["equal-protection"] == "contrary"


@pytest.mark.parametrize(
    ("text", "commitment_id", "stance"),
    [
        (
            "A RESOLUTION OF THE CITY COUNCIL OF THE CITY OF TUKWILA, WASHINGTON, OPPOSING THE "
            "SEPARATION OF MIGRATING CHILDREN FROM THEIR FAMILIES.",
            "change-state-law",
            "supports",
        ),
        (
            "Rejecting the Trump Administration's Policy of separating children from their "
            "families at the border, calling on congress to immediately halt this inhumane policy.",
            "change-state-law",
            "supports",
        ),
        (
            "Ratify Acceptance of FY 2018 Operation Stonegarden Grant Funding and Agreement",
            "police-not-immigration-agents",
            "contrary",
        ),
        (
            "Last fall the Board of Supervisors voted to reject the Operation Stonegarden funds.",
            "police-not-immigration-agents",
            "supports",
        ),
        (
            "RESOLUTION REQUESTING AN IMMEDIATE PAUSE ON REFUGEE RESETTLEMENT IN ST. CROIX COUNTY",
            "welcoming-integration",
            "contrary",
        ),
    ],
)
def test_real_wording_reads_the_right_way(text, commitment_id, stance):
    assert stances(text)[commitment_id] == stance


def test_people_who_cannot_prove_status_are_served_not_checked():
    text = (
        "A Resolution urging the Alabama Legislature to enact legislation authorizing the "
        "issuance of driving privilege cards to residents who cannot establish lawful presence."
    )
    assert "contrary" not in stances(text).values()


def test_an_amicus_brief_in_support_of_a_sanctuary_law_is_not_opposition():
    text = (
        "CITY COUNCIL RESOLUTION REAFFIRMING SUPPORT FOR STATE SENATE BILL 54 (CALIFORNIA VALUES "
        "ACT) AND AUTHORIZING SIGNING ONTO THE AMICUS CURIAE BRIEF"
    )
    assert "contrary" not in stances(text).values()


def test_a_list_clause_cut_from_its_lead_in_is_context_not_contrary():
    # The ordinance's "No officer shall:" is on another line the scrape did not keep.
    clause = (
        "(d) Perform the functions of an immigration officer, whether under 8 U.S.C. § 1357(g) "
        "or any other law."
    )
    cand = candidate(clause, "police-not-immigration-agents")
    assert cand.stance == "context"
    assert any("opening words are missing" in line for line in cand.rules)
    # a numbered agenda title is no list clause: its contrary act stays contrary
    title = "4. Authorizing the Sheriff to enter into a 287(g) agreement with ICE."
    assert stances(title)["police-not-immigration-agents"] == "contrary"


def test_a_negation_inside_a_condition_refuses_nothing_in_the_main_clause():
    # The sheriff keeps telling ICE when people leave the jail; the "no" belongs to the "where".
    text = (
        "When ICE asks about an inmate and no warrant is presented, the Sheriff will continue "
        "notifying ICE of that inmate's release date."
    )
    assert stances(text)["detainer-limits"] == "contrary"
    # the refusal outside the condition still refuses
    refused = (
        "The Sheriff shall not, unless a warrant is presented, continue notifying ICE of an "
        "inmate's release date."
    )
    assert stances(refused)["detainer-limits"] == "supports"


def test_an_act_named_only_as_the_subject_of_a_report_is_context_not_contrary():
    text = (
        "Presentation of the Police Department's annual report regarding its role in "
        "cooperation with U.S. Immigration and Customs Enforcement."
    )
    cand = candidate(text, "police-not-immigration-agents")
    assert cand.stance == "context"
    assert any('the subject of "regarding"' in line for line in cand.rules)
    # a verb of doing after the marker makes it the act again
    doing = "A Resolution regarding entering into a 287(g) agreement with ICE for the jail."
    assert stances(doing)["police-not-immigration-agents"] == "contrary"
    # and a measure's own title says what the measure does
    title = "An ordinance relating to a 287(g) agreement with Immigration and Customs Enforcement."
    assert stances(title)["police-not-immigration-agents"] == "contrary"


def test_an_act_defied_with_despite_is_not_the_bodys_act():
    kept = (
        "The commissioners kept the county's immigrant-friendly policy despite threats to defund "
        "so-called sanctuary cities."
    )
    assert stances(kept)["declare-sanctuary"] == "supports"
    done = "Despite the objections, the council approved the 287(g) agreement with ICE."
    assert stances(done)["police-not-immigration-agents"] == "contrary"


def test_whether_or_not_refuses_nothing():
    text = (
        "The ordinance secures the city's services to those lawfully present, whether or not they "
        "are citizens, and denies them to any illegal alien."
    )
    assert stances(text)["services-regardless-of-status"] == "contrary"


@pytest.mark.parametrize(
    "text",
    [
        "The Mayor will meet ICE officials to discuss the 287(g) program next week.",
        "Directing the Manager to notify the Board if the County is asked to enter into a 287(g) "
        "agreement.",
    ],
)
def test_an_agreement_only_discussed_or_supposed_is_context(text):
    assert stances(text)["police-not-immigration-agents"] == "context"


@pytest.mark.parametrize(
    "text",
    [
        "A resolution backing a 287(g) agreement with ICE was quietly tabled by the committee.",
        "Type: Resolution Status: Tabled Title: Entering into a 287(g) agreement with ICE.",
        "WORK SESSION STAFF REPORT Re: a 287(g) agreement with Immigration and Customs "
        "Enforcement for the jail.",
    ],
)
def test_a_contrary_measure_shelved_or_only_reported_on_is_context(text):
    cand = candidate(text, "police-not-immigration-agents")
    assert cand.stance == "context"
    assert any("shelved" in line or "informs" in line for line in cand.rules)


def test_one_records_status_does_not_reread_the_rest_of_the_minutes():
    minutes = (
        "ITEM 4. Work session update on the sanctuary task force. Status: Tabled\n\n"
        "ITEM 5. A Resolution authorizing the Sheriff to enter into a 287(g) agreement with ICE. "
        "Adopted 6-3."
    )
    (cand,) = [
        c
        for c in matcher().match_passages(minutes)
        if c.commitment_id == "police-not-immigration-agents"
    ]
    assert cand.stance == "contrary"


def test_a_contrary_measure_voted_down_supports_and_one_reported_for_approval_stays_contrary():
    down = "A resolution to enter into a 287(g) agreement with ICE was voted down 5-2."
    assert stances(down)["police-not-immigration-agents"] == "supports"
    report = "Staff report: approve a 287(g) agreement with ICE for the county jail."
    assert stances(report)["police-not-immigration-agents"] == "contrary"


def test_withdrawing_from_287g_supports_and_a_decision_pushed_back_is_context():
    withdrew = "The new Sheriff withdrew the county from its 287(g) agreement with ICE."
    assert stances(withdrew)["police-not-immigration-agents"] == "supports"
    later = "A decision on keeping the jail's contract with ICE was pushed back to March."
    cand = candidate(later, "no-city-resources-for-ice")
    assert cand.stance == "context"


@pytest.mark.parametrize(
    "text",
    [
        "Town Meeting voters shot down an article declaring the town a sanctuary city.",
        "The second article asked the town to declare itself a sanctuary city. It failed 80-41.",
    ],
)
def test_a_supporting_measure_shot_down_or_failing_next_sentence_is_contrary(text):
    assert stances(text)["declare-sanctuary"] == "contrary"


def test_a_contract_end_date_is_no_termination():
    term = (
        "Execute a five-year amendment, beginning March 1, 2026 and terminating June 30, 2031, to "
        "the agreement with ICE for housing detainees at the city jail."
    )
    found = stances(term)
    assert found["no-city-resources-for-ice"] == "contrary"
    assert "police-not-immigration-agents" not in found  # no "ending such an agreement" either
    ended = "A resolution terminating the agreement with ICE for housing detainees at the jail."
    assert stances(ended)["no-city-resources-for-ice"] == "supports"


@pytest.mark.parametrize(
    ("text", "commitment_id", "word"),
    [
        ("The board urges the Sheriff to opt out of the Secure Communities program.",
         "information-privacy", "opt out"),
        ("A vote on a resolution to block all county cooperation with Immigration and Customs "
         "Enforcement.", "police-not-immigration-agents", "block"),
        ("The county will stop honoring hold requests from ICE at the county jail.",
         "no-city-resources-for-ice", "stop"),
        ("Sheriff Smith spoke of the 287(g) program and said the county does not participate "
         "in it.", "police-not-immigration-agents", "does not participate"),
    ],
)  # fmt: skip
def test_opting_out_blocking_stopping_and_taking_no_part_refuse_the_act(text, commitment_id, word):
    cand = candidate(text, commitment_id)
    assert cand.stance == "supports"
    assert any(word in line for line in cand.rules)


def test_a_traffic_stop_refuses_nothing():
    text = "After a traffic stop, officers notified ICE and held the man in the jail for ICE."
    assert stances(text)["no-city-resources-for-ice"] == "contrary"


@pytest.mark.parametrize(
    "text",
    [
        "Sheriff Smith gave an overview of the 287(g) program and its Task Force Model.",
        "Report on the ICE Secure Communities program. Accept this report.",
    ],
)
def test_an_overview_or_a_report_is_context_not_contrary(text):
    assert "contrary" not in stances(text).values()


def test_a_withdrawn_record_neither_does_nor_refuses_the_act():
    text = (
        "File Type: Resolution Status: Withdrawn Title: A resolution ensuring that the county is "
        "cooperating with United States Immigration and Customs Enforcement."
    )
    cand = candidate(text, "police-not-immigration-agents")
    assert cand.stance == "context"
    assert any('shelved ("withdrawn")' in line for line in cand.rules)


@pytest.mark.parametrize(
    "text",
    [
        # HSI's standard overtime agreement: whether it is immigration work is an editor's call
        "Memorandum of Understanding between Homeland Security Investigations and the Police "
        "Department for the reimbursement of joint operations expenses from the Treasury "
        "Forfeiture Fund.",
        # a reporter's "so-called" is no opposition by the council
        "The City Council passed a so-called sanctuary ordinance that keeps city resources out "
        "of federal immigration enforcement.",
        "Similar to the 287(g) program, Secure Communities raises questions about community "
        "trust in the police.",
        # a detainer procedure is detainer-limits business, not officers working for ICE
        "From the Chief of Police: proposed modified procedures for Immigration and Customs "
        "Enforcement detainer requests.",
    ],
)
def test_wording_that_names_ice_work_without_doing_it_is_never_contrary(text):
    assert "contrary" not in stances(text).values()


def test_a_contrary_measure_that_failed_supports():
    text = "A resolution opposing the resettlement of refugees failed before the County Commission."
    assert stances(text)["welcoming-integration"] == "supports"
    assert "failed" in " ".join(candidate(text, "welcoming-integration").rules)


@pytest.mark.parametrize(
    ("text", "commitment_id"),
    [
        ("The council did not adopt a resolution declaring the city a sanctuary city.",
         "declare-sanctuary"),
        ("The commission refused to terminate its 287(g) agreement.",
         "police-not-immigration-agents"),
        ("The county failed to end its contract with ICE for detention beds.",
         "no-city-resources-for-ice"),
    ],
)  # fmt: skip
def test_a_body_that_did_not_do_the_supporting_act_is_read_as_contrary(text, commitment_id):
    # "did not adopt", "refused to terminate", "failed to end": the act the promise wants was
    # refused, so the body kept the contrary one.
    assert stances(text)[commitment_id] == "contrary"


def test_declining_to_undo_the_declaration_still_supports_it():
    text = "The council declined to rescind its sanctuary city resolution."
    assert stances(text)["declare-sanctuary"] == "supports"


@pytest.mark.parametrize(
    ("text", "commitment_id", "stance"),
    [
        ("The Sheriff announced he has ended the jail's 287(g) program.",
         "police-not-immigration-agents", "supports"),
        ("The county scrapped its contract with ICE to house detainees at the jail.",
         "no-city-resources-for-ice", "supports"),
        # a fiscal year that ended ends no contract
        ("For the fiscal year ended June 30, the County received $1.2 million from ICE for "
         "housing detainees at the jail.", "no-city-resources-for-ice", "contrary"),
    ],
)  # fmt: skip
def test_ended_and_scrapped_refuse_the_act_a_fiscal_year_ended_does_not(
    text, commitment_id, stance
):
    assert stances(text)[commitment_id] == stance
