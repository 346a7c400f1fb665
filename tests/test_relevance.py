"""The unassigned queue's second look: the relevance model (tracker.relevance) reads an item no
rule claims and no immigration word marks, and can still send it to an editor, saying which words
weighed most; it also ranks the promises offered first. Trained by bench/train_relevance.py."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.places import COMMITMENTS_FILE
from tracker import relevance
from tracker.catalog import load_commitments
from tracker.errors import CatalogError
from tracker.evidence import PUBLIC_MIN_CONFIDENCE
from tracker.matching import Matcher
from tracker.topics import MODEL, MODEL_CANDIDATE_CONFIDENCE, MODEL_CONFIDENCE, WORDS, Screener

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = load_commitments(COMMITMENTS_FILE)
# In our words, after holdout6's w105 ("FY24-25 Agreement with the Secure Families Collaborative"):
# a legal-defense contract that names no immigration word.
SECURE_FAMILIES = (
    "FY24-25 Agreement with the Secure Families Collaborative for legal representation of "
    "residents in removal proceedings."
)
# In our words, after holdout14's n008 (a 2002 "RESOLUTION CALLING FOR THE REFORM OF U.S.
# IMMIGRATION LAW AND POLICY"): no rule claims it, the model is sure of it and of its promise.
REFORM = "A Resolution calling for the reform of United States immigration law and policy."


@cache
def trainer():
    sys.path.insert(0, str(ROOT / "bench"))
    import train_relevance

    return train_relevance


def test_the_run_time_arithmetic_is_scikit_learns():
    # Plain Python at run time, scikit-learn only to train: both must give one probability.
    train = trainer()
    items = [i for i in train.corpus_files()["tune"]]
    vectorizer, model, promises = train.fit(items)
    ours = relevance.Model(train.to_json(vectorizer, model, promises, items))
    texts = [i["text"] for i in items] + ["Repaving 14th Street North", ""]
    x = vectorizer.transform(texts)
    theirs = model.predict_proba(x)[:, 1]
    per_promise = promises.predict_proba(x)
    for text, expected, row in zip(texts, theirs, per_promise, strict=True):
        reading = ours.read(text)
        assert reading.probability == pytest.approx(expected, abs=1e-4)
        assert ours.probability(text) == reading.probability  # the one-pass screen
        softmax = {cid: p for cid, p, _ in reading.promises}
        assert softmax == pytest.approx(dict(zip(promises.classes_, row, strict=True)), abs=1e-4)


def test_the_shipped_model_is_the_one_todays_corpora_train():
    # A corpus item added or relabelled without retraining fails here: run
    # `python bench/train_relevance.py` and commit data/relevance_model.json.
    train = trainer()
    items = [i for its in train.corpus_files().values() for i in its]
    fresh = train.to_json(*train.fit(items), items)
    shipped = json.loads(relevance.MODEL_FILE.read_text(encoding="utf-8"))
    assert shipped["trained_on"] == fresh["trained_on"]
    assert shipped["idf"].keys() == fresh["idf"].keys()
    for term, weight in fresh["relevant"]["weights"].items():
        assert shipped["relevant"]["weights"][term] == pytest.approx(weight, abs=1e-3)


def test_an_item_that_names_no_immigration_word_can_still_reach_an_editor():
    screener = Screener.shipped(CATALOGUE)
    entry = screener.screen(SECURE_FAMILIES)
    assert entry is not None and entry.reason == MODEL
    assert entry.confidence == MODEL_CONFIDENCE < 0.2
    assert "legal" in entry.words and "the" not in entry.words  # no empty word as a reason
    assert entry.suggested[0].commitment_id == "legal-defense"
    assert screener.screen("Authorize a contract for repaving 14th Street North.") is None


def test_a_topic_word_still_decides_and_the_model_ranks_the_promises():
    screener = Screener.shipped(CATALOGUE)
    text = "Pro bono legal representation for unaccompanied immigrant children in the county."
    entry = screener.screen(text)
    assert entry.reason == WORDS and "immigrant" in entry.words
    first = entry.suggested[0]
    assert first.commitment_id == "legal-defense"
    assert {"legal", "representation"} <= set(first.words)  # the hint words say why


def test_without_a_model_the_queue_takes_topic_words_only():
    screener = Screener(CATALOGUE, model=None)
    assert screener.screen("Agreement with the Secure Families Collaborative") is None
    entry = screener.screen("Pro bono legal representation for immigrant children")
    assert entry.reason == WORDS and entry.suggested[0].commitment_id == "legal-defense"


def test_a_known_text_is_not_scored_again():
    screener = Screener.shipped(CATALOGUE)
    known: dict[str, float] = {}
    text = SECURE_FAMILIES
    assert screener.screen(text, known) is not None and len(known) == 1
    (digest,) = known
    known[digest] = 0.0  # a cached score is believed: the text is not read again
    assert screener.screen(text, known) is None


def test_a_broken_model_file_is_named_in_one_line(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        relevance.load(bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
    bad.write_text('{"idf": {}}', encoding="utf-8")
    with pytest.raises(CatalogError, match="not a relevance model"):
        relevance.load(bad)
    assert relevance.load(tmp_path / "absent.json") is None


def test_a_model_sure_of_the_item_and_its_promise_proposes_it_with_an_open_stance():
    screener = Screener.shipped(CATALOGUE)
    assert Matcher.from_commitments(CATALOGUE).match(REFORM) == []  # no rule claims it
    (cand,), entry = screener.second_look(REFORM, [])
    assert entry is None  # a candidate, so not also a queue entry
    assert (cand.commitment_id, cand.stance) == ("change-state-law", "context")
    assert cand.confidence == MODEL_CANDIDATE_CONFIDENCE < PUBLIC_MIN_CONFIDENCE  # desk only
    (why,) = cand.rules
    assert why.startswith("relevance model: 0.9") and "reads no stance" in why
    assert cand.terms and all(t in REFORM for t in cand.terms)  # its words, as written


def test_rules_come_first_and_an_unsure_model_leaves_the_item_to_the_queue():
    screener = Screener.shipped(CATALOGUE)
    text = "Pro bono legal representation for unaccompanied immigrant children in the county."
    ruled = Matcher.from_commitments(CATALOGUE).match(text)
    assert ruled and screener.second_look(text, ruled) == (ruled, None)
    # Sure it bears on a promise, not sure which: it waits for an editor to say.
    letters = "The Council will hear letters from residents on immigration enforcement."
    reading = screener.model.read(letters)
    assert reading.probability >= relevance.SURE and reading.promises[0][1] < relevance.PROMISE_SURE
    found, entry = screener.second_look(letters, [])
    assert found == [] and entry.reason == WORDS
    # Without a model there is no model candidate: the topic word queues it.
    found, entry = Screener(CATALOGUE, model=None).second_look(REFORM, [])
    assert found == [] and entry.reason == WORDS and "immigration" in entry.words


def test_the_promises_an_items_hints_name_are_offered_before_the_models_ranking():
    # A model of our own (one word, "immigrant", weighing for welcoming-integration) against
    # an item whose hint words name legal-defense: the hints come first, the model's next.
    model = relevance.Model(
        {
            "idf": {"immigrant": 1.0, "counsel": 1.0},
            "relevant": {"intercept": 0.0, "weights": {"immigrant": 1.0}},
            "promises": {
                "welcoming-integration": {"intercept": 1.0, "weights": {"immigrant": 3.0}},
                "legal-defense": {"intercept": 0.0, "weights": {}},
            },
        }
    )
    text = "Free counsel for every immigrant resident."
    assert model.read(text).promises[0][0] == "welcoming-integration"
    entry = Screener(CATALOGUE, model).screen(text)
    assert [s.commitment_id for s in entry.suggested] == ["legal-defense", "welcoming-integration"]
    assert entry.suggested[0].words == ("counsel",)  # the hint word says why
    assert entry.suggested[1].words == ("immigrant",)  # the model's word says why


def test_a_reason_names_what_the_item_is_about_not_council_business():
    # "has voted" and "City" weigh in this model of our own, but say nothing to an editor.
    model = relevance.Model(
        {
            "idf": {"has voted": 1.0, "city": 1.0, "reform": 1.0},
            "relevant": {
                "intercept": 0.0,
                "weights": {"has voted": 5.0, "city": 4.0, "reform": 1.0},
            },
            "promises": {},
        }
    )
    assert model.read("The City has voted for reform.").words == ("reform",)
