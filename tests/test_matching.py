"""Tests for tracker/matching.py: the catalogue's rules on clerk-style texts, and the engine."""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.places import COMMITMENT_IDS, COMMITMENTS_FILE
from tracker.catalog import Rules, load_commitments
from tracker.matching import PASSAGE_MAX, Candidate, Matcher

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "match_corpus.yaml"

HSI_MOU = (
    "CONSENT ITEM 14. A Resolution authorizing the Mayor to execute a Memorandum of "
    "Understanding between the City of Birmingham, on behalf of the Birmingham Police "
    "Department, and the U.S. Department of Homeland Security, Immigration and Customs "
    "Enforcement, Homeland Security Investigations (HSI), for the cross-designation of "
    "Birmingham police officers as Customs Officers. (Submitted by the Mayor) (Recommended by "
    "the Public Safety Committee)**"
)
WELCOMING = (
    "ITEM 22. A Resolution authorizing the Mayor to execute a membership agreement with "
    "Welcoming America, Inc., for the City of Birmingham to join America's Welcoming network, "
    "through the Office of Social Justice and Racial Equity. (Submitted by the Mayor)**"
)


@cache
def catalogue() -> tuple:
    return tuple(load_commitments(COMMITMENTS_FILE))


@cache
def matcher() -> Matcher:
    return Matcher.from_commitments(catalogue())


def ids(candidates: list[Candidate]) -> set[str]:
    return {c.commitment_id for c in candidates}


def only(commitment_id: str, rules: dict) -> Matcher:
    """A matcher with one commitment whose rules are `rules` (to test the engine alone)."""
    base = next(c for c in catalogue() if c.id == commitment_id)
    return Matcher.from_commitments([base.model_copy(update={"rules": Rules(**rules)})])


# ------------------------------------------------------------- the catalogue's rules


def test_hsi_cross_designation_mou_is_contrary_to_police_not_immigration_agents():
    found = {c.commitment_id: c for c in matcher().match(HSI_MOU)}
    police = found["police-not-immigration-agents"]
    assert police.stance == "contrary"
    assert "Homeland Security Investigations" in police.terms
    assert all(any(f'"{t}"' in r for t in police.terms) for r in police.rules)
    # Officers lent to ICE are the police promise's evidence; no-city-resources-for-ice is for
    # money, jail beds, property and data.
    assert "no-city-resources-for-ice" not in found
    assert "sanctuary-task-force" not in found  # an ICE task force is not the sanctuary one


def test_a_jail_bed_contract_with_ice_is_about_city_resources_not_officers():
    text = (
        "A Resolution authorizing the County Manager to sign an Intergovernmental Service "
        "Agreement with U.S. Immigration and Customs Enforcement to hold federal detainees in the "
        "county jail at a daily rate per detainee."
    )
    found = {c.commitment_id: c.stance for c in matcher().match(text)}
    assert found.get("no-city-resources-for-ice") == "contrary"
    assert "police-not-immigration-agents" not in found


def test_a_memorandum_the_police_sign_with_ice_is_contrary_to_the_police_promise():
    text = (
        "Approve renewal of a memorandum of understanding between the Police Department and "
        "U.S. Immigration and Customs Enforcement (ICE) for mutual assistance in emergencies."
    )
    found = {c.commitment_id: c.stance for c in matcher().match(text)}
    assert found.get("police-not-immigration-agents") == "contrary"
    assert "no-city-resources-for-ice" not in found


def test_ending_a_jail_contract_with_ice_supports_no_city_resources():
    text = (
        "A resolution asking the county to terminate its detention contract with U.S. Immigration "
        "and Customs Enforcement at the end of the fiscal year."
    )
    found = {c.commitment_id: c.stance for c in matcher().match(text)}
    assert found.get("no-city-resources-for-ice") == "supports"


def test_a_municipal_id_ordinance_is_not_a_sanctuary_ordinance():
    text = (
        "An Ordinance creating a city identification card that any resident may obtain, "
        "regardless of immigration status."
    )
    found = ids(matcher().match(text))
    assert "municipal-id" in found
    assert "sanctuary-ordinance" not in found


def test_a_presidential_executive_order_is_not_a_mayoral_order():
    text = (
        "A resolution condemning the presidential executive order on immigration enforcement "
        "and sanctuary jurisdictions."
    )
    assert "sanctuary-ordinance" not in ids(matcher().match(text))


def test_ending_the_hsi_agreement_supports_police_not_immigration_agents():
    text = (
        "A Resolution requesting that the Mayor give notice of termination of the Memorandum of "
        "Understanding with Homeland Security Investigations under which two Birmingham Police "
        "officers are cross-designated as Customs Officers. (Submitted by Councilor Tate)**"
    )
    found = {c.commitment_id: c for c in matcher().match(text)}
    assert found["police-not-immigration-agents"].stance == "supports"


def test_welcoming_america_membership_supports_welcoming_integration():
    found = {c.commitment_id: c for c in matcher().match(WELCOMING)}
    assert found["welcoming-integration"].stance == "supports"
    assert found["welcoming-integration"].score >= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "A Resolution authorizing the purchase of an ice machine for the Police Department "
        "training academy under an existing agreement.",
        "A Resolution approving an Agreement with the Birmingham Ice Rink at the BJCC for "
        "police officer skating lessons.",
        "CONSENT ITEM 3. A RESOLUTION APPROVING AN AGREEMENT FOR ICE MACHINE MAINTENANCE AT THE "
        "POLICE TRAINING ACADEMY.",
        "NOTICE OF POLICE SERVICE AGREEMENT WITH THE OFFICE OF JUSTICE PROGRAMS (Memorandum)",
        "A Resolution approving the Birmingham Police Department Task Force agreement for the "
        "POLICE ATHLETIC LEAGUE and the SERVICE AWARDS.",
    ],
)
def test_ice_never_matches_ice_machines_rinks_or_inside_police(text):
    assert matcher().match(text) == []


def test_new_sanctuary_baptist_church_street_closure_matches_nothing():
    text = (
        "CONSENT ITEM 31. A Resolution approving the temporary closure of 14th Street North "
        "between 4th and 5th Avenues North on Sunday, June 8, 2025, for the New Sanctuary "
        "Baptist Church homecoming and community picnic for immigrant and refugee families "
        "welcome. (Submitted by Councilor Tate)**"
    )
    found = ids(matcher().match(text))
    assert not found & {"declare-sanctuary", "sanctuary-ordinance", "sanctuary-task-force"}
    plain = (
        "CONSENT ITEM 31. A Resolution approving the temporary closure of 14th Street North for "
        "the New Sanctuary Baptist Church homecoming. (Submitted by Councilor Tate)**"
    )
    assert matcher().match(plain) == []


def test_stormwater_detention_pond_matches_nothing():
    text = (
        "ITEM 9. A Resolution awarding a contract to Dunn Construction Company for the "
        "construction of a stormwater detention pond at the City jail site on 3rd Avenue North, "
        "custody of the site to remain with the City. (Submitted by the Mayor)**"
    )
    assert matcher().match(text) == []


ENGLAND = (
    "Birmingham City Council, Council House, Victoria Square, Birmingham B1 1BB. Motion "
    "moved by the Lord Mayor: that this Council resolves that Birmingham becomes a City of "
    "Sanctuary, a welcoming city for refugees and asylum seekers, and supports the City of "
    "Sanctuary movement (cityofsanctuary.org)."
)


def test_birmingham_england_city_of_sanctuary_matches_nothing():
    assert matcher().match(ENGLAND) == []
    assert matcher().match_passages(ENGLAND + "\n\nRefugees and immigrants welcome.") == []
    # the same news told without the address: the Council House and "the UK" give it away
    news = (
        "At a ceremony in Birmingham Council House the city was recognised as a place where "
        "refugees seeking sanctuary are welcome, like other towns and cities across the UK."
    )
    assert matcher().match(news) == []


def test_287_in_a_parcel_number_is_not_287g():
    text = (
        "CONSENT ITEM 5. A Resolution determining that the grass and weeds growing upon the "
        "parcels at 1328 Princeton Avenue SW, Parcel ID 22-00-32-3-287-010.000, and 287 Pike "
        "Road, Parcel ID 22-00-287-009-011.000, in police precinct 287, constitute a public "
        "nuisance within the jail and detention district. (Submitted by the City Attorney)**"
    )
    assert matcher().match(text) == []
    assert "287(g)" in " ".join(c.passage for c in matcher().match(text + " 287(g) agreement"))


def test_hb_56_is_not_hb_560():
    law = "A Resolution urging the Legislature to repeal HB 56, the 2011 immigration law."
    assert "change-state-law" in ids(matcher().match(law))
    other = "A Resolution supporting HB 560 on immigration of honeybees to Alabama apiaries."
    assert "change-state-law" not in ids(matcher().match(other))


@pytest.mark.parametrize(
    "text",
    [
        HSI_MOU,
        WELCOMING,
        "A Resolution authorizing an agreement with LanguageLine Solutions for telephone "
        "interpretation services for limited English proficient residents.",
        "A Resolution of the Council of the City of Birmingham in support of Deferred Action "
        "for Childhood Arrivals (DACA) and urging Congress to act.",
    ],
)
def test_passage_offsets_point_at_a_matched_term(text):
    for cand in matcher().match(text):
        assert text[cand.start : cand.end] == cand.passage
        assert 0 < len(cand.passage) <= PASSAGE_MAX
        assert any(term in cand.passage for term in cand.terms)


def test_passage_of_a_long_text_is_the_sentence_with_the_term():
    filler = "The Council heard reports from the Department of Public Works on paving. " * 8
    relevant = (
        "The Mayor announced that the City has joined Welcoming America and will open an "
        "Office of Immigrant Affairs. "
    )
    text = filler + relevant + filler
    (cand,) = [c for c in matcher().match(text) if c.commitment_id == "welcoming-integration"]
    assert text[cand.start : cand.end] == cand.passage
    assert len(cand.passage) <= PASSAGE_MAX
    assert relevant.strip() in cand.passage
    assert cand.start >= len(filler) - PASSAGE_MAX


def test_match_passages_points_at_the_right_paragraph_of_long_minutes():
    minutes = (FIXTURES / "text" / "minutes-2020-06-23.txt").read_text(encoding="utf-8")
    paragraph = (
        "ITEM 15.\n"
        "RESOLUTION NO. 1252-20\n"
        "BE IT RESOLVED by the Council of the City of Birmingham that the Mayor be authorized\n"
        "to execute a Memorandum of Agreement with the U.S. Department of Homeland Security,\n"
        "Homeland Security Investigations, for the assignment of Birmingham Police Department\n"
        "officers to the HSI task force."
    )
    cut = minutes.index("ITEM 10.")
    text = minutes[:cut] + paragraph + "\n\n" + minutes[cut:]
    found = {c.commitment_id: c for c in matcher().match_passages(text)}
    police = found["police-not-immigration-agents"]
    assert police.stance == "contrary"
    assert text[police.start : police.end] == police.passage
    assert cut <= police.start and police.end <= cut + len(paragraph)
    assert "Homeland Security" in police.passage
    assert matcher().match_passages(minutes) == []


def test_match_passages_joins_the_paragraphs_of_one_item_not_of_two():
    one_item = (
        "ITEM 4.\n\nBE IT RESOLVED that the Mayor execute an agreement with Homeland Security "
        "Investigations.\n\nThe Chief reported that two officers would be assigned.\n\n"
        "ITEM 5.\n\nBE IT RESOLVED that the City resurface 3rd Avenue North.\n"
    )
    (police,) = [
        c
        for c in matcher().match_passages(one_item)
        if c.commitment_id == "police-not-immigration-agents"
    ]
    assert police.start < one_item.index("ITEM 5.")
    two_items = (
        "ITEM 4.\n\nBE IT RESOLVED that the City lease office space to Homeland Security "
        "Investigations.\n\n"
        "ITEM 5.\n\nBE IT RESOLVED that the City buy uniforms for two officers.\n"
    )
    assert "police-not-immigration-agents" not in ids(matcher().match_passages(two_items))


def test_fts_terms_cover_what_matches():
    m = matcher()
    assert "Welcoming America" in m.fts_terms("welcoming-integration")
    for cid in COMMITMENT_IDS:
        assert m.fts_terms(cid)
    for text in (HSI_MOU, WELCOMING):
        for cand in m.match(text):
            assert any(t.lower() in text.lower() for t in m.fts_terms(cand.commitment_id))
    with pytest.raises(KeyError):
        m.fts_terms("free-ice-cream")


# ------------------------------------------------------------------ the engine


def test_word_boundaries_prefixes_and_separators():
    m = only(
        "legal-defense",
        {
            "threshold": 1.0,
            "patterns": [
                {"any": ["esol", "refugee", "Trust Act", "cross designation"], "weight": 1.0},
            ],
        },
    )
    assert m.match("A resolution on street paving.") == []  # "esol" inside "resolution"
    assert m.match("Services for refugees.")[0].terms == ["refugees"]
    assert m.match("The Trust Action Plan.") == []  # "Act" is not a prefix: too short
    assert m.match("ESOL classes").pop().terms == ["ESOL"]
    assert m.match("the cross-\ndesignation of officers")[0].terms == ["cross-\ndesignation"]


def test_case_sensitive_patterns_and_case_blind_with_any():
    m = only(
        "no-city-resources-for-ice",
        {
            "threshold": 1.0,
            "patterns": [
                {
                    "any": [" ICE "],
                    "with_any": ["agreement"],
                    "case_sensitive": True,
                    "weight": 1.0,
                }
            ],
        },
    )
    assert ids(m.match("AN AGREEMENT WITH ICE FOR BED SPACE")) == {"no-city-resources-for-ice"}
    assert m.match("An agreement for Ice delivery") == []
    assert m.match("AN AGREEMENT ON POLICE NOTICES") == []


def test_local_decoy_voids_only_the_terms_inside_it():
    rules = {
        "threshold": 1.0,
        "patterns": [{"any": ["sanctuary"], "weight": 1.0}],
        "decoys": ["Sanctuary Baptist Church", "Lord Mayor"],
    }
    m = only("declare-sanctuary", rules)
    assert m.match("Street closure for the Sanctuary Baptist Church.") == []
    both = "Closure for Sanctuary Baptist Church. Council affirms the 2017 sanctuary resolution."
    (cand,) = m.match(both)
    assert cand.terms == ["sanctuary"]  # not "Sanctuary", inside the church's name
    # a decoy that holds none of the commitment's phrases voids nothing: one generic word can
    # never cancel a whole commitment (another Birmingham is an exclusion instead)
    (cand,) = m.match("The Lord Mayor spoke on sanctuary.")
    assert cand.terms == ["sanctuary"]
    assert m.inert_decoys == {"declare-sanctuary": ["Lord Mayor"]}


def test_a_decoy_voids_only_its_own_terms_not_the_rest_of_the_commitment():
    """An ice rink hides the ICE inside it, not the ICE agreement on the same agenda line."""
    text = (
        "A Resolution approving the street closure for the Railroad Park ICE skating rink, and "
        "authorizing the Sheriff to execute a 287(g) Memorandum of Agreement with ICE."
    )
    (cand,) = [
        c for c in matcher().match(text) if c.commitment_id == "police-not-immigration-agents"
    ]
    assert "287(g)" in cand.terms
    assert not any("skating" in t for t in cand.terms)
    assert matcher().match("Street closure for the Railroad Park ICE skating rink.") == []


def test_the_catalogue_has_no_inert_decoys():
    # a decoy that holds none of its commitment's phrases would silently do nothing
    assert matcher().inert_decoys == {}


def test_a_city_commission_is_not_another_birmingham():
    text = (
        "A RESOLUTION OF THE CITY COMMISSION OF THE CITY OF TAMARAC, FLORIDA, URGING THE BIDEN "
        'ADMINISTRATION TO EXTEND TEMPORARY PROTECTED STATUS ("TPS") DESIGNATION FOR HONDURANS'
    )
    assert ids(matcher().match(text)) == {"change-state-law"}
    assert matcher().match("Birmingham City Commission: a welcoming community resolution.") == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        (
            "Draft ImmigrationEnforcement_MOU between the Sheriff and the county",
            "ImmigrationEnforcement",
        ),
        ("Resolution re sanctuarycity status for the City", "sanctuarycity"),
        ("Approve ICEAgreement for detention bed space at the jail", "ICE"),
        ("A 287g agreement for the jail", "287g"),
    ],
)
def test_glued_words_are_read_apart(text, term):
    cands = matcher().match(text)
    assert cands, text
    assert any(term in c.terms for c in cands), [c.terms for c in cands]
    for c in cands:  # offsets are those of the original text
        assert text[c.start : c.end] == c.passage


def test_glue_splitting_leaves_ordinary_long_words_alone():
    # words of the rules inside ordinary words are not pulled out of them
    assert matcher().match("A Resolution on the stormwater homeland park drainage easement.") == []
    assert matcher().match("Nonetheless the Councilmember moved the item.") == []


def test_proximity_phrase_finds_the_words_apart_in_order():
    rules = {"threshold": 1.0, "patterns": [{"any": ["immigra ~2 enforce"], "weight": 1.0}]}
    m = only("police-not-immigration-agents", rules)
    for text in (
        "Immigration-Related Enforcement Activities",
        "federal immigration law enforcement",
        "immigration enforcement",
    ):
        (cand,) = m.match(text)
        assert cand.rules[0].startswith("immigra ~2 enforce")
    assert m.match("immigration policy, budget and code enforcement") == []  # 3 words apart
    assert m.match("enforcement of immigration") == []  # order kept
    assert m.match("immigration. Enforcement") == []  # not across a sentence
    assert m.fts_terms("police-not-immigration-agents") == ["immigra", "enforce"]


def test_exclude_if_any_drops_the_text():
    rules = {
        "threshold": 1.0,
        "patterns": [{"any": ["sanctuary city"], "weight": 1.0}],
        "exclude_if_any": ["West Midlands"],
    }
    m = only("declare-sanctuary", rules)
    assert m.match("Birmingham, a sanctuary city.")
    assert m.match("Birmingham, West Midlands, a sanctuary city.") == []


def test_weights_add_up_to_the_threshold_and_stance_follows_the_heavier_side():
    rules = {
        "threshold": 1.0,
        "patterns": [
            {"any": ["refugee"], "weight": 0.6},
            {"any": ["resettlement"], "weight": 0.6},
            {"any": ["deportation"], "weight": 1.5, "stance": "contrary"},
        ],
    }
    m = only("welcoming-integration", rules)
    assert m.match("refugee services") == []
    (cand,) = m.match("refugee resettlement")
    assert (cand.score, cand.stance) == (1.2, "supports")
    (cand,) = m.match("refugee resettlement and deportation")
    assert cand.stance == "contrary" and "deportation" in cand.passage
    assert len(cand.rules) == 3
    # Too close to call (1.5 against 1.4): the matcher says context, never a guessed contrary.
    rules["patterns"][0]["weight"] = 0.8
    (cand,) = only("welcoming-integration", rules).match("refugee resettlement and deportation")
    assert cand.stance == "context" and cand.confidence < 0.6
    assert "stance unclear" in cand.rules[-1]


def test_with_any_must_be_in_the_same_text():
    rules = {
        "threshold": 1.0,
        "patterns": [{"any": ["task force"], "with_any": ["immigrant"], "weight": 1.0}],
    }
    m = only("sanctuary-task-force", rules)
    assert m.match("A task force on potholes.") == []
    assert ids(m.match("A task force for immigrant residents.")) == {"sanctuary-task-force"}


# ------------------------------------------------------------------ the labelled corpus


def load_corpus() -> list[dict]:
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return data["items"] if isinstance(data, dict) else data


@pytest.mark.skipif(not CORPUS.exists(), reason="no labelled corpus yet")
def test_corpus_quality_targets():
    """The targets bench/match_quality.py prints, kept by CI."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    from match_quality import TARGETS, evaluate

    result = evaluate(load_corpus(), matcher())
    assert result.recall >= TARGETS["recall"], result.misses
    assert result.precision >= TARGETS["precision"], result.false_positives
    assert result.contrary_missed == [], "contrary items not proposed as contrary"
    assert result.decoy_candidates == [], "candidates proposed from decoys"


# Every part, all spent now (each holdout reported once); a new clean holdout stays out of here.
REAL_PARTS = (
    "tune",
    "tune2",
    "tune3",
    *(f"holdout{n}" for n in ["", *"23456789", *map(str, range(10, 25))]),
)


def real_texts() -> list[dict]:
    folder = CORPUS.parent / "real_corpus"
    return [
        {"id": i["id"], "text": i["text"]}
        for part in REAL_PARTS
        for i in yaml.safe_load((folder / f"{part}.yaml").read_text(encoding="utf-8"))
    ]


@pytest.mark.skipif(not CORPUS.exists(), reason="no labelled corpus yet")
@pytest.mark.parametrize("corpus", ["synthetic", "real"])
def test_fts_recall_finds_every_corpus_item_the_matcher_proposes(corpus):
    """The caller's FTS5 recall query (quoted fts_terms, porter tokenizer) loses nothing."""
    items = load_corpus() if corpus == "synthetic" else real_texts()
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "create virtual table t using fts5(text, tokenize='porter unicode61 remove_diacritics 2')"
    )
    conn.executemany(
        "insert into t(rowid, text) values (?, ?)", enumerate(i["text"] for i in items)
    )
    m = matcher()
    for cid in COMMITMENT_IDS:
        query = " OR ".join('"' + t.replace('"', '""') + '"' for t in m.fts_terms(cid))
        recalled = {r for (r,) in conn.execute("select rowid from t where t match ?", [query])}
        for n, item in enumerate(items):
            if cid in ids(m.match(item["text"])):
                assert n in recalled, (item.get("id"), cid)


def test_an_all_caps_title_is_read_by_meaning_not_by_case():
    rink = (
        "A RESOLUTION AUTHORIZING THE PURCHASE OF AN ICE RESURFACER FOR THE 4-SHEET ICE FACILITY "
        "AT THE NATIONAL SPORTS CENTER FROM ZAMBONI COMPANY USA"
    )
    assert matcher().match(rink) == []
    agreement = (
        "RESOLUTION AUTHORIZING EXECUTION OF AN MOU WITH U.S. IMMIGRATION & CUSTOMS ENFORCEMENT "
        "AND ICE OFFICERS FOR A JOINT TASK FORCE"
    )
    found = {c.commitment_id: c.stance for c in matcher().match(agreement)}
    assert found.get("police-not-immigration-agents") == "contrary"


def test_underscores_do_not_glue_words_together():
    found = ids(matcher().match("Agenda_Item_7_Immigration_and_Customs_Enforcement_287(g)_MOA"))
    assert "police-not-immigration-agents" in found
    (cand,) = [
        c
        for c in matcher().match("Welcoming_America_membership_agreement.pdf")
        if c.commitment_id == "welcoming-integration"
    ]
    assert "Welcoming_America" in cand.terms


def test_nothing_is_proposed_from_a_routine_102_item_agenda():
    """A whole regular agenda of routine business and decoys (May 19, 2026 structure) is silent.

    The fixture is written by us in the structure of the real agenda (its header says so); its
    ice rink, ice machines, church closures, detention pond, FEMA grant from the Department of
    Homeland Security, unlawful detainer and parcel IDs must raise nothing, item by item or page
    by page.
    """
    from tracker.agenda import parse_agenda

    pages = (
        (FIXTURES / "text" / "agenda-2026-05-19-102.txt").read_text(encoding="utf-8").split("\f")
    )
    agenda = parse_agenda(pages)
    assert [i.number for i in agenda.items] == list(range(1, 103))
    assert {
        (i.number, c.commitment_id) for i in agenda.items for c in matcher().match(i.text)
    } == set()
    assert [c.commitment_id for page in pages for c in matcher().match_passages(page)] == []


def test_a_proximity_decoy_hides_an_acronym_spelled_out_beside_it():
    text = (
        "A Resolution authorizing an Agreement to replace forty internal combustion engine (ICE) "
        "fleet vehicles with battery electric vehicles."
    )
    assert matcher().match(text) == []
    both = text + " A Resolution authorizing an Agreement with ICE for detention bed space."
    assert "no-city-resources-for-ice" in ids(matcher().match(both))


def test_glued_words_in_minutes_keep_their_offsets():
    text = (
        "Minutes of the regular meeting.\n\nThe Council discussed the draft "
        "ImmigrationEnforcement_MOU with the Sheriff's Office and deferred it one week."
    )
    (cand,) = [
        c
        for c in matcher().match_passages(text)
        if c.commitment_id == "police-not-immigration-agents"
    ]
    assert "ImmigrationEnforcement" in cand.terms
    assert text[cand.start : cand.end] == cand.passage


# ------------------------------------------------ wording other councils use (issue 10)


def stances_of(text: str) -> dict[str, str]:
    return {c.commitment_id: c.stance for c in matcher().match(text)}


def test_a_resolution_keeping_city_resources_from_civil_immigration_enforcement_supports():
    text = (
        "RESOLVED, that no resources of the Town shall be used to help federal agents with "
        "civil immigration enforcement unless a court orders it."
    )
    assert stances_of(text).get("no-city-resources-for-ice") == "supports"


def test_discrimination_by_citizenship_is_equal_protection():
    assert "equal-protection" in stances_of("Sec. 4-12. Discrimination because of citizenship.")
    assert "equal-protection" in stances_of("Article III. Rights of noncitizen residents.")
    listed = (
        "The County serves every resident regardless of race, religion, national origin or "
        "immigration status."
    )
    assert "equal-protection" in stances_of(listed)
    # a contractor clause that lists national origin alone is not about status
    clause = "Contractor shall not discriminate on the basis of race, color or national origin."
    assert "equal-protection" not in stances_of(clause)


def test_a_ban_on_profiling_in_police_stops_is_no_stop_and_frisk_evidence():
    text = "The Police Department shall prohibit bias-based profiling by its officers."
    assert stances_of(text).get("no-stop-and-frisk") == "supports"
    stops = "Officers shall not stop or search a person based solely on race or ethnicity."
    assert "no-stop-and-frisk" in stances_of(stops)


def test_telling_ice_of_release_dates_is_detainer_limits_evidence():
    text = (
        "Jail staff shall not share an inmate's release date with immigration authorities "
        "without a judicial warrant."
    )
    assert stances_of(text).get("detainer-limits") == "supports"


def test_driver_licences_for_immigrants_are_state_law_and_their_denial_is_contrary():
    support = "Support for AB 60, which lets undocumented immigrants obtain a driver's license."
    assert stances_of(support).get("change-state-law") == "supports"
    deny = "Resolution supporting a bill to stop issuing drivers licenses to illegal immigrants."
    assert stances_of(deny).get("change-state-law") == "contrary"


def test_legal_representation_for_unaccompanied_children_is_legal_defense():
    text = (
        "Authorize pro bono legal representation for unaccompanied migrant children placed in "
        "the county."
    )
    assert stances_of(text).get("legal-defense") == "supports"


def test_refusing_to_house_unaccompanied_children_is_contrary_to_welcoming():
    text = (
        "The Board will not allow county property to be used for the relocation of "
        "unaccompanied children until and unless the federal government pays for it."
    )
    assert stances_of(text).get("welcoming-integration") == "contrary"


def test_the_quick_pre_check_keeps_word_ends_and_never_drops_a_match():
    m = matcher()
    # "AB" (Assembly Bill) and "SB" end at a word end: a weed abatement item is not scanned
    assert not m._trigger_rx.search("ordering the abatement of weeds; sbarro's lease")
    # nor is every "Parcel ID" item (a rule about IDs is looked for by its rarer words)
    assert not m._trigger_rx.search("weeds at 1212 pike road, parcel id 22-00-14-3-009-017.000")
    for item in load_corpus():
        lower = item["text"].lower().replace("_", " ")
        if m.match(item["text"]):
            assert m._trigger_rx.search(lower), item.get("id")


def test_no_city_employee_shall_assist_ice_supports_and_the_assistance_itself_is_contrary():
    refused = (
        "No officer or employee of the Village shall assist U.S. Immigration and Customs "
        "Enforcement in the arrest of any person for a civil immigration violation."
    )
    assert stances_of(refused).get("no-city-resources-for-ice") == "supports"
    done = (
        "The County Jail staff will assist Immigration and Customs Enforcement with the "
        "transfer of inmates."
    )
    assert stances_of(done).get("no-city-resources-for-ice") == "contrary"


def test_a_sheriffs_contract_that_mentions_ice_is_not_read_as_city_money_for_ice():
    text = (
        "The county's law enforcement contract with the Sheriff stays in place; deputies "
        "cooperate with ICE within the law."
    )
    assert stances_of(text).get("no-city-resources-for-ice") != "contrary"


def test_a_city_identification_program_and_foreign_ids_for_city_services():
    assert "municipal-id" in stances_of("Update on the County Identification program rollout.")
    foreign = (
        "City departments shall accept as valid identification a photo card issued by another "
        "country to its nationals."
    )
    assert stances_of(foreign).get("services-regardless-of-status") == "supports"


def test_opposing_a_state_limit_on_police_cooperation_with_ice_is_contrary_to_the_police_promise():
    text = (
        "A resolution opposing the state's efforts to restrict cooperation between local police "
        "and federal immigration agencies."
    )
    assert stances_of(text).get("police-not-immigration-agents") == "contrary"


def test_ending_a_county_contract_with_ice_is_not_read_as_an_officer_agreement():
    text = (
        "RESOLUTION URGING THE COUNTY TO TERMINATE ITS CONTRACT WITH U.S. IMMIGRATION AND "
        "CUSTOMS ENFORCEMENT FOR JAIL BEDS"
    )
    found = stances_of(text)
    assert found.get("no-city-resources-for-ice") == "supports"
    assert "police-not-immigration-agents" not in found


def test_an_ordinance_on_the_citys_part_in_federal_immigration_law_is_a_sanctuary_ordinance():
    text = "Ordinance relating to federal immigration law: adding Chapter 9 to the City Code."
    assert "sanctuary-ordinance" in stances_of(text)


def test_fts_terms_of_a_proximity_phrase_and_an_ampersand():
    m = only(
        "no-city-resources-for-ice",
        {
            "threshold": 1.0,
            "patterns": [{"any": ["assist ~6 Immigration and Customs Enforcement"], "weight": 1.0}],
        },
    )
    # the word group recalls every text the phrase can match; "assist" alone would fetch most
    assert m.fts_terms("no-city-resources-for-ice") == [
        "Immigration and Customs Enforcement",
        "Immigration Customs Enforcement",  # "IMMIGRATION & CUSTOMS ENFORCEMENT" to the index
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Support for HB 12, ending driver's license suspensions for unpaid traffic fines.",
        "Applicant files for the housing rehabilitation grant are kept confidential.",
        "Information Technology procedures concerning sensitive information and passwords.",
        "Racial equity grant to the Parks Department for pedestrian safety near bus stops.",
        "A Resolution approving the Youth Identification program of the Library Board badges.",
        "A resolution declaring the county a \u201cSecond Amendment Sanctuary County\u201d.",
        "2nd Amendment Sanctuary CityRESOLUTION 2020-4 of the City Council.",
    ],
)
def test_new_wording_keeps_to_immigrants_and_does_not_catch_routine_items(text):
    assert matcher().match(text) == []


def test_a_welcoming_city_resolution_is_welcoming_evidence_not_the_sanctuary_declaration():
    text = "A Resolution affirming that the Town is a welcoming community for immigrant families."
    found = stances_of(text)
    assert found.get("welcoming-integration") == "supports"
    assert "declare-sanctuary" not in found


# --- wording found on the third corpus's tune part, written here in our own words ---------------


@pytest.mark.parametrize(
    ("text", "commitment", "stance"),
    [
        ("An Ordinance adding a chapter on the solicitation of immigration status by city staff",
         "information-privacy", "supports"),
        ("Staff do not ask for citizenship, immigration or residency status at the counter.",
         "information-privacy", "supports"),
        ("An Ordinance restricting the use of County property for civil immigration enforcement.",
         "no-city-resources-for-ice", "supports"),
        ("The Village does not provide facilities for federal immigration agents.",
         "no-city-resources-for-ice", "supports"),
        ("A resolution urging the President to extend protections for refugees from Sudan.",
         "change-state-law", "supports"),
        ("A resolution in support of House Bill 12, requiring cooperation with federal immigration "
         "authorities by every police department.", "change-state-law", "contrary"),
        ("Approving the enhanced application process for the city identity card.",
         "municipal-id", "supports"),
        ("No person shall be detained solely because of their immigration status.",
         "detainer-limits", "supports"),
        ("Deputies will not undertake any immigration-related investigation.",
         "police-not-immigration-agents", "supports"),
        ("Declaring the County an immigrant-friendly community.", "welcoming-integration",
         "supports"),
        ("Final report of the Mayor's Immigration Task Force.", "sanctuary-task-force", "supports"),
    ],
)  # fmt: skip
def test_other_councils_wording_reaches_its_promise(text, commitment, stance):
    assert stances_of(text).get(commitment) == stance


def test_officers_lent_to_ice_are_no_city_property_rule_and_not_a_sanctuary_ordinance():
    moa = (
        "ICE delegates to nominated and trained Sheriff's Office personnel to perform certain "
        "immigration enforcement functions."
    )
    assert "no-city-resources-for-ice" not in stances_of(moa)
    declared = "The Village adopted an ordinance declaring that it is not a sanctuary city."
    found = stances_of(declared)
    assert found.get("declare-sanctuary") == "contrary" and "sanctuary-ordinance" not in found


@pytest.mark.parametrize(
    ("text", "commitment"),
    [
        ("A grant to the library for a pro bono immigration clinic.", "legal-defense"),
        ("Accepting an ITIN in place of a Social Security number on business license applications.",
         "services-regardless-of-status"),
        ("The jail will not honor ICE holds or administrative warrants.", "detainer-limits"),
        ("Translating vital documents for residents who speak Spanish.", "language-access"),
        ("Second reading of the Community Trust Ordinance.", "sanctuary-ordinance"),
        ("A general order ending pretextual stops and consent searches.", "no-stop-and-frisk"),
    ],
)  # fmt: skip
def test_wording_written_for_the_promise_not_found_in_any_corpus(text, commitment):
    assert stances_of(text).get(commitment) == "supports"


def test_a_sign_language_services_contract_is_no_language_access_evidence():
    assert stances_of("A contract for American Sign Language services at council meetings.") == {}


def test_a_record_whose_status_field_says_failed_reads_its_supporting_measure_as_contrary():
    failed = (
        "Type: Ordinance Status: Failed to Pass Intro date: 3/1/2017 Controlling Body: Committee "
        "on Human Relations Final action: Title: Amendment of the Welcoming City Ordinance"
    )
    assert stances_of(failed).get("sanctuary-ordinance") == "contrary"
    assert stances_of(failed.replace("Failed to Pass", "Passed")).get("sanctuary-ordinance") == (
        "supports"
    )


def test_not_a_citizen_describes_a_person_and_refuses_nothing():
    rule = (
        "An applicant for a rental license who is not a United States citizen must provide a "
        "number that establishes lawful presence."
    )
    assert stances_of(rule).get("services-regardless-of-status") == "contrary"


@pytest.mark.parametrize(
    ("text", "commitment"),
    [
        ("The Sheriff's Office receives and accepts I-247N notification requests from ICE.",
         "detainer-limits"),
        ("Official actions shall be taken in the English language, and in no other language.",
         "language-access"),
        ("A memorandum with U.S. Customs and Border Protection for the housing of federal "
         "detainees in the county jail.", "no-city-resources-for-ice"),
        ("No policy may limit the enforcement of federal immigration laws to less than the full "
         "extent permitted by federal law.", "police-not-immigration-agents"),
    ],
)  # fmt: skip
def test_cooperation_written_in_other_words_is_contrary(text, commitment):
    assert stances_of(text).get(commitment) == "contrary"


def test_a_word_broken_at_a_pdf_line_end_is_read_whole_and_cited_as_printed():
    text = (
        "2. Officers will not enforce federal immigra-\ntion law or hold anyone for depor- tation."
    )
    (cand,) = [
        c for c in matcher().match(text) if c.commitment_id == "police-not-immigration-agents"
    ]
    assert cand.stance == "supports"
    assert "immigra-\ntion" in text[cand.start : cand.end]  # offsets point into the original
    assert matcher().match("The immigrant- rights fair and a new ice- rink.") == []


# Written for kinds of wording the fourth corpus showed missing, once it was spent.
HOLDOUT4_WORDING = [
    ("A contract with a nonprofit for free legal clinics for DACA renewal applicants.",
     "legal-defense", "supports"),
    ("Funding agreement with the Immigrant Defenders Law Center.", "legal-defense", "supports"),
    ("The board extended its contract for legal defense of residents facing deportation.",
     "legal-defense", "supports"),
    ("Resolution urging the Secretary to extend TPS for Somalia.", "change-state-law",
     "supports"),
    ("Support for the TRUST Act (Assembly Bill 4).", "change-state-law", "supports"),
    ("Support for the TRUST Act (Assembly Bill 4).", "detainer-limits", "supports"),
    ("Appointments to the Immigrant Affairs Commission.", "sanctuary-task-force", "supports"),
    ("Expanding the benefits of the City Resident Card for all residents.", "municipal-id",
     "supports"),
    ("Officers shall not stop, question, or arrest anyone because of immigration status.",
     "police-not-immigration-agents", "supports"),
    ("A grant to a food bank assisting immigrants affected by the raids.",
     "welcoming-integration", "supports"),
    ("The Sheriff will keep notifying ICE of each inmate's expected release.",
     "information-privacy", "contrary"),
    ("Receive the Sheriff's TRUTH Act report on ICE access to people in the county jail.",
     "detainer-limits", "context"),
    ("Receive the Sheriff's TRUTH Act report on ICE access to people in the county jail.",
     "information-privacy", "context"),
    ("General Order 4.2: Stops and Frisks, revised.", "no-stop-and-frisk",
     "context"),
    ("A bill requiring police to report investigative encounters with the public.",
     "no-stop-and-frisk", "supports"),
]  # fmt: skip


def test_property_kept_from_enforcement_is_a_resource_rule_not_an_officer_rule():
    ban = "An ordinance prohibiting the use of county property for civil immigration enforcement."
    found = stances_of(ban)
    assert found.get("no-city-resources-for-ice") == "supports"
    assert "police-not-immigration-agents" not in found
    subject = "Amending the code regarding the use of town property for immigration enforcement."
    assert stances_of(subject).get("no-city-resources-for-ice") == "supports"


SPENT_WORDING = [
    ("Resolution reaffirming the public safety function of local law enforcement.",
     "police-not-immigration-agents", "supports"),
    ("Under the county's assistance rules, non-citizens without a listed status are "
     "ineligible for aid.", "services-regardless-of-status", "contrary"),
    ("No applicant shall be ineligible for aid because of immigration status.",
     "services-regardless-of-status", "supports"),
    ("Contractors on public works shall use the E-Verify program for every new hire.",
     "equal-protection", "context"),
]  # fmt: skip


def test_a_green_card_and_a_truth_act_report_are_not_what_they_resemble():
    assert "municipal-id" not in stances_of("Copy of a Permanent Resident Card of the applicant.")
    report = "Annual TRUTH Act report: Immigration and Customs Enforcement access to inmates."
    assert "no-city-resources-for-ice" not in stances_of(report)


# Written for kinds of wording the fifth corpus showed missing or misread, once it was spent.
HOLDOUT5_WORDING = [
    ("Deputies shall inquire into the immigration status of every person they arrest.",
     "information-privacy", "contrary"),
    ("Deputies shall inquire into the immigration status of every person they arrest.",
     "police-not-immigration-agents", "contrary"),
    ("No deputy shall inquire into the immigration status of a person.",
     "information-privacy", "supports"),
    ("The commission voted to continue complying with federal immigration holds at the jail.",
     "detainer-limits", "contrary"),
    ("A resolution declaring English as the official and common language of the county.",
     "language-access", "contrary"),
    ("The board voted to repeal the rule that county business be done in English only.",
     "language-access", "supports"),
    ("The commissioners voted to bar refugees from resettling in the county.",
     "welcoming-integration", "contrary"),
    ("The board voted to continue accepting refugees for resettlement.",
     "welcoming-integration", "supports"),
    ("A resolution calling for the Green Light Law to be repealed.", "change-state-law",
     "contrary"),
    ("Agencies shall verify immigration status as a condition of providing public services.",
     "services-regardless-of-status", "contrary"),
    ("The commissioners approved a jail enforcement agreement with the Sheriff and ICE.",
     "police-not-immigration-agents", "contrary"),
    ("Nominations to the Commission for Immigrant Affairs.", "sanctuary-task-force",
     "supports"),
    ("City officers cannot work with ICE agents unless a judge signs a warrant.",
     "police-not-immigration-agents", "supports"),
    ("A resolution in favour of the President's executive action on immigration.",
     "change-state-law", "supports"),
    ("The budget sets aside $150,000 for municipal IDs.", "municipal-id", "supports"),
    ("The Riverton ID is open to all residents regardless of immigration status.",
     "municipal-id", "supports"),
    ("Staff may request a person's immigration status only where the law requires it.",
     "information-privacy", "supports"),
    ("The Town Council declared the Town a 4th Amendment workplace.",
     "no-city-resources-for-ice", "supports"),
]  # fmt: skip


# Written for kinds of wording the sixth corpus showed missing or misread, once it was spent.
HOLDOUT6_WORDING = [
    ("An ordinance barring landlords from renting to illegal immigrants.", "equal-protection",
     "contrary"),
    ("Business licences under the Employer Sanctions Act require proof of status.",
     "services-regardless-of-status", "contrary"),
    ("(4) Whether the applicant is a citizen of the United States.",
     "services-regardless-of-status", "contrary"),
    ("Continuing medical services for residents cut off by the Personal Responsibility and "
     "Work Opportunity Reconciliation Act.", "services-regardless-of-status", "supports"),
    ("Approve the charter of the Welcoming Immigrants Ad Hoc Committee.",
     "sanctuary-task-force", "supports"),
    ("Minutes of the Immigrant Rights Commission, March meeting.", "sanctuary-task-force",
     "supports"),
    ("A proclamation: whereas generations of immigrants built this town.",
     "welcoming-integration", "supports"),
    ("Officers shall not act to discover the immigration status of a person.",
     "information-privacy", "supports"),
    ("Departments shall translate vital written materials for residents with limited "
     "English.", "language-access", "supports"),
    ("The Sheriff is refusing to hold inmates for federal immigration authorities without a "
     "warrant.", "detainer-limits", "supports"),
    ("A resolution adopting a traffic stop policy for the Police Department.",
     "no-stop-and-frisk", "context"),
]  # fmt: skip


# Written for kinds of wording the seventh corpus showed missing or misread, once it was spent.
HOLDOUT7_WORDING = [
    ("An item that would end the county's deportation defense program.", "legal-defense",
     "contrary"),
    ("The Illegal Immigration Relief Act Ordinance of the Borough.",
     "services-regardless-of-status", "contrary"),
    ("Intergovernmental Service Agreement. Per diem: $61.20 per detainee day.",
     "no-city-resources-for-ice", "contrary"),
    ("The act precludes any city from refusing to assist federal immigration enforcement.",
     "police-not-immigration-agents", "contrary"),
    ("Town Meeting Article 12: declare the town a sanctuary community.", "declare-sanctuary",
     "supports"),
    ("The Select Board supports the Safe Communities Act now before the Legislature.",
     "change-state-law", "supports"),
    ("The supervisors voted to oppose the state's sanctuary law.", "change-state-law",
     "contrary"),
    ("Calling on ICE to cease mass deportations of immigrant families.", "change-state-law",
     "supports"),
    ("The Village does not use resources to detain anyone for a civil immigration "
     "violation.", "no-city-resources-for-ice", "supports"),
    ("The county will exit the agreement with ICE for jail beds next year.",
     "no-city-resources-for-ice", "supports"),
    ("A resolution urging towns to ban ICE from government property.",
     "no-city-resources-for-ice", "supports"),
    ("The city will neither make inquiries about nor report on anyone's citizenship.",
     "information-privacy", "supports"),
    ("The Town never considers citizenship status when providing services.",
     "services-regardless-of-status", "supports"),
    ("Clerks shall consider immigration status before granting housing assistance.",
     "services-regardless-of-status", "contrary"),
    ("Council debate on the Community Safety Act and NYPD stops.", "no-stop-and-frisk",
     "supports"),
    ("A budget line for a legal fund for immigrants facing deportation.", "legal-defense",
     "supports"),
    ("Referral: Regional Immigration Defense Program (Public Defender).", "legal-defense",
     "supports"),
    ("Para leer este documento en otro formato, póngase en contacto con la ciudad.",
     "language-access", "supports"),
    ("A Resolution of No Consent to Refugee Resettlement in the County.",
     "welcoming-integration", "contrary"),
]  # fmt: skip

# Kinds of wording the spent parts still missed on 2026-12-04 that are not one council's words:
# a PDF's middle dot between words, quotes inside a phrase, misspelt names, a federal statute, a
# land-use rule, a federal operation condemned.
GENERAL_WORDING = [
    ("The council adopts the Limited \u00b7English Proficiency Plan for the city.",
     "language-access", "supports"),
    ("Urging Congress to extend Temporary Protective Status to Haitians.", "change-state-law",
     "supports"),
    ("Litigation over the federal funding condition in 8 U.S.C. § 1373.",
     "information-privacy", "context"),
    ("Zoning Code amendments for private detention facilities that house detained immigrants.",
     "no-city-resources-for-ice", "context"),
    ("A moratorium on permits for immigration detention facilities in the city.",
     "no-city-resources-for-ice", "supports"),
    ("The mayor will join Cities for Action, a coalition on immigrant residents.",
     "welcoming-integration", "supports"),
    ("Approve the detention services agreement with Immigration and Customs Enforcement.",
     "no-city-resources-for-ice", "contrary"),
    ("The commissioners declared that the county is not a \u201csanctuary county\u201d.",
     "declare-sanctuary", "contrary"),
    ("A memorandum with U.S. Immigrations and Customs Enforcement to train officers as "
     "immigration agents.", "police-not-immigration-agents", "contrary"),
    ("A resolution condemning Operation Metro Surge.", "change-state-law", "supports"),
    ("Denouncing the unlawful actions of Immigration and Customs Enforcement agents in the "
     "county.", "change-state-law", "supports"),
    ("Approving a contract with the Immigration and Naturalization Service to provide space for "
     "federal prisoners.", "no-city-resources-for-ice", "contrary"),
    ("The Borough hereby establishes an Identification Card Program for anyone who can prove "
     "identity and residency.", "municipal-id", "supports"),
    ("The sheriff will house I.C.E. detainees in the county jail for a daily fee.",
     "no-city-resources-for-ice", "contrary"),
    ("The county is ending its contract to house immigrant detainees.",
     "no-city-resources-for-ice", "supports"),
    ("The council allowed city police to extend an agreement with Immigration and Customs "
     "Enforcement.", "police-not-immigration-agents", "contrary"),
    ("The police department will not participate in the Immigration and Customs Enforcement "
     "operation.", "police-not-immigration-agents", "supports"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "commitment", "stance"),
    [
        *HOLDOUT4_WORDING,
        *SPENT_WORDING,
        *HOLDOUT5_WORDING,
        *HOLDOUT6_WORDING,
        *HOLDOUT7_WORDING,
        *GENERAL_WORDING,
    ],
)
def test_kinds_of_wording_the_spent_holdouts_showed_reach_their_promise(text, commitment, stance):
    # Written in our own words for kinds of wording a corpus showed missing or misread, once spent.
    assert stances_of(text).get(commitment) == stance


@pytest.mark.parametrize(
    ("text", "commitment_id"),
    [
        # after holdout20's e041 (a council referral, in our words)
        ("Future consideration of an ordinance restricting the use of City resources to assist "
         "or cooperate with immigration authorities.", "no-city-resources-for-ice"),
        ("Staff shall not let immigration agents into non-public areas of City Hall without a "
         "judicial warrant.", "no-city-resources-for-ice"),
        ("A program to help county jails comply with federal requests to hold undocumented "
         "immigrants.", "detainer-limits"),
    ],
)  # fmt: skip
def test_the_promises_own_words_in_other_spellings(text, commitment_id):
    assert commitment_id in ids(matcher().match(text))


def test_a_library_that_holds_a_workshop_for_immigrants_holds_no_one():
    assert matcher().match("The library will hold a workshop for immigrants on Saturday.") == []
