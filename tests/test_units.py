"""Tests for tracker/units.py (stable keys, passages) and tracker/topics.py (what is a topic)."""

from tracker import topics
from tracker.units import ELLIPSIS, excerpt, item_keys, record_keys

BODY = (
    "WHEREAS, on January 31, 2017 the Council declared Birmingham a welcoming city. "
    "BE IT RESOLVED by the Council of the City of Birmingham that the Birmingham Police "
    "Department shall not enter into any agreement under Section 287(g) of the Immigration and "
    "Nationality Act with U.S. Immigration and Customs Enforcement. The resolution was read by "
    "the City Clerk, whereupon Councilor Williams moved its adoption.\n"
    "Ayes: Abbott, Alexander\nNays: None\n"
)


def test_an_items_key_is_its_words_not_its_number_or_spacing():
    first = item_keys("2021-12-07-regular", ["A Resolution  on\nrefugees.", "Weeds."])
    revised = item_keys("2021-12-07-regular", ["Paving.", "a resolution on refugees."])
    assert first[0] == revised[1] and first[0].startswith("item:2021-12-07-regular:")
    assert item_keys("other-meeting", ["A Resolution on refugees."])[0] != first[0]


def test_two_identical_items_of_one_agenda_get_two_keys():
    one, two = item_keys("m", ["Weeds at 1 Main St.", "Weeds at 1 Main St."])
    assert one != two


def test_a_record_key_is_not_an_item_key():
    assert record_keys("m", ["Text."])[0].startswith("minutes:m:")


def test_excerpt_cuts_at_sentences_around_the_matched_words_with_ellipses():
    passage = excerpt(BODY, ["287(g)"], limit=260)
    assert passage.startswith(f"{ELLIPSIS} BE IT RESOLVED") and passage.endswith(
        f"Enforcement. {ELLIPSIS}"
    )
    assert "U.S. Immigration" in passage  # "U.S." is not a sentence end


def test_excerpt_leaves_out_the_tally_and_headings():
    text = "RESOLUTION NO. 1806-21\n(Item 6)\n\n" + BODY
    passage = excerpt(text, ["Councilor Williams"])
    assert "None" not in passage.split() and "Ayes" not in passage
    assert "RESOLUTION NO." not in passage and "(Item 6)" not in passage


def test_excerpt_of_one_long_sentence_cuts_at_words():
    words = " ".join(f"word{n}" for n in range(200)) + " refugee " + "tail " * 100
    passage = excerpt(words, ["refugee"], limit=120)
    assert "refugee" in passage and len(passage) <= 124
    assert passage.startswith(ELLIPSIS) and passage.endswith(ELLIPSIS)
    assert all(
        w.startswith(("word", "tail", "refugee")) for w in passage.strip(ELLIPSIS + " ").split()
    )


def test_topics_are_immigration_words_and_names_are_not():
    assert topics.terms("Recognizing International Migrants Day") == ["Migrants"]
    assert topics.terms("Support for TPS holders and DACA recipients") == ["TPS", "DACA"]
    assert topics.terms("Banners for the Sanctuary Baptist Church revival") == []
    assert topics.terms("Closure for the Railroad Park ICE skating rink") == []
    assert topics.terms("Sidewalks for the tps route, daca street") == []
    assert topics.terms("A bird sanctuary at Ruffner Mountain") == []
    assert topics.terms("A resolution declaring Birmingham a sanctuary city") == ["sanctuary"]
