"""Status derivation from the event log: current, as of a date, stalled from dates."""

from datetime import date

import pytest

from tests.places import COMMITMENTS_FILE
from tracker.catalog import commitment_row, load_commitments
from tracker.db import open_db
from tracker.errors import StatusError
from tracker.status import record_event, standing


@pytest.fixture
def bare_db(tmp_path):
    """The 15 commitments, and no events or evidence."""
    db = open_db(tmp_path / "t.db")
    for position, c in enumerate(load_commitments(COMMITMENTS_FILE)):
        db["commitments"].insert(commitment_row(c, position))
    yield db
    db.conn.close()


def row(db, cid="sanctuary-ordinance"):
    return db["commitments"].get(cid)


def add_evidence(db, cid, day, stance="supports", state="accepted"):
    return (
        db["evidence"]
        .insert(
            {
                "commitment_id": cid,
                "kind": "manual",
                "stance": stance,
                "review_state": state,
                "date": day,
                "created_at": "2026-01-01T00:00:00+00:00",
            }
        )
        .last_pk
    )


def test_nothing_recorded_is_not_started_since_the_promise(bare_db):
    c = row(bare_db)
    s = standing(bare_db, c, date.fromisoformat(c["made_on"]))
    assert s.status == "not-started"
    assert s.since == date.fromisoformat(c["made_on"])
    assert s.event is None


def test_promise_nothing_was_ever_recorded_on_stays_not_started_however_old(bare_db):
    c = row(bare_db)
    made = date.fromisoformat(c["made_on"])
    s = standing(bare_db, c, date(2026, 1, 1))
    assert (s.status, s.since, s.last_action) == ("not-started", made, made)
    assert not s.stalled and not s.moved


def test_an_editors_not_started_is_not_a_move(bare_db):
    cid = "sanctuary-ordinance"
    record_event(bare_db, cid, "not-started", date(2017, 1, 31), "No ordinance found.", who="t")
    s = standing(bare_db, row(bare_db, cid), date(2026, 1, 1))
    assert (s.status, s.stalled, s.moved) == ("not-started", False, False)


def test_a_promise_that_moved_and_stopped_is_stalled_a_year_on(bare_db):
    cid = "sanctuary-ordinance"
    add_evidence(bare_db, cid, "2018-03-01")  # accepted: something happened
    c = row(bare_db, cid)
    assert standing(bare_db, c, date(2019, 2, 28)).status == "not-started"
    s = standing(bare_db, c, date(2020, 1, 1))
    assert (s.status, s.since, s.last_action, s.moved) == (
        "stalled",
        date(2019, 3, 1),
        date(2018, 3, 1),
        True,
    )


def test_latest_event_wins_and_as_of_shows_the_past(bare_db):
    cid = "sanctuary-ordinance"
    record_event(bare_db, cid, "in-progress", date(2017, 6, 13), "Presented.", who="t")
    ev = add_evidence(bare_db, cid, "2019-03-01")
    record_event(bare_db, cid, "kept", date(2019, 3, 1), "Adopted.", who="t", evidence_ids=[ev])
    c = row(bare_db, cid)
    assert standing(bare_db, c, date(2017, 6, 12)).status == "not-started"
    in_2017 = standing(bare_db, c, date(2017, 12, 31))
    assert (in_2017.status, in_2017.since) == ("in-progress", date(2017, 6, 13))
    now = standing(bare_db, c, date(2026, 1, 1))
    assert (now.status, now.since, now.note) == ("kept", date(2019, 3, 1), "Adopted.")


def test_in_progress_stalls_a_year_after_the_last_action(bare_db):
    cid = "sanctuary-ordinance"
    record_event(bare_db, cid, "in-progress", date(2017, 6, 13), "Presented.", who="t")
    c = row(bare_db, cid)
    assert standing(bare_db, c, date(2018, 6, 12)).status == "in-progress"
    stalled = standing(bare_db, c, date(2018, 6, 13))
    assert (stalled.status, stalled.since, stalled.last_action) == (
        "stalled",
        date(2018, 6, 13),
        date(2017, 6, 13),
    )


def test_accepted_evidence_is_action_but_a_candidate_is_not(bare_db):
    cid = "sanctuary-ordinance"
    record_event(bare_db, cid, "in-progress", date(2017, 6, 13), "Presented.", who="t")
    add_evidence(bare_db, cid, "2018-04-01", state="candidate")
    c = row(bare_db, cid)
    assert standing(bare_db, c, date(2018, 7, 1)).status == "stalled"
    add_evidence(bare_db, cid, "2018-04-01")
    s = standing(bare_db, c, date(2018, 7, 1))
    assert (s.status, s.last_action) == ("in-progress", date(2018, 4, 1))


def test_kept_never_stalls(bare_db):
    cid = "declare-sanctuary"
    ev = add_evidence(bare_db, cid, "2017-01-31")
    record_event(
        bare_db, cid, "kept", date(2017, 1, 31), "Adopted 6-0.", who="t", evidence_ids=[ev]
    )
    assert standing(bare_db, row(bare_db, cid), date(2026, 1, 1)).status == "kept"


def test_correction_recorded_later_supersedes_same_day(bare_db):
    cid = "municipal-id"
    record_event(bare_db, cid, "in-progress", date(2020, 1, 1), "First reading.", who="a")
    record_event(bare_db, cid, "not-started", date(2020, 1, 1), "Correction: wrong city.", who="b")
    s = standing(bare_db, row(bare_db, cid), date(2020, 2, 1))
    assert (s.status, s.note) == ("not-started", "Correction: wrong city.")
    assert bare_db["status_events"].count == 2


@pytest.mark.parametrize(
    ("status", "kwargs", "fragment"),
    [
        ("kept", {}, "needs at least one piece of evidence"),
        ("broken", {}, "needs at least one piece of evidence"),
        ("stalled", {}, "cannot be set by hand"),
        ("in-progress", {"reason": "bored"}, "reason 'bored' unknown"),
        ("in-progress", {"note": "  "}, "needs a note"),
    ],
)
def test_status_rules_are_enforced(bare_db, status, kwargs, fragment):
    note = kwargs.pop("note", "why")
    with pytest.raises(StatusError, match=fragment):
        record_event(bare_db, "municipal-id", status, date(2020, 1, 1), note, who="t", **kwargs)
    assert bare_db["status_events"].count == 0


def test_evidence_of_another_commitment_is_refused(bare_db):
    ev = add_evidence(bare_db, "declare-sanctuary", "2017-01-31")
    with pytest.raises(StatusError, match="does not belong"):
        record_event(
            bare_db, "municipal-id", "kept", date(2020, 1, 1), "x", who="t", evidence_ids=[ev]
        )


def test_status_rests_only_on_accepted_evidence_dated_by_then(bare_db):
    candidate = add_evidence(bare_db, "municipal-id", "2020-01-01", state="candidate")
    with pytest.raises(StatusError, match="not accepted yet"):
        record_event(
            bare_db,
            "municipal-id",
            "kept",
            date(2020, 1, 1),
            "x",
            who="t",
            evidence_ids=[candidate],
        )
    later = add_evidence(bare_db, "municipal-id", "2021-05-01")
    with pytest.raises(StatusError, match="dated 2021-05-01, after 2020-01-01"):
        record_event(
            bare_db, "municipal-id", "kept", date(2020, 1, 1), "x", who="t", evidence_ids=[later]
        )
    assert bare_db["status_events"].count == 0
