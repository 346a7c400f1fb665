"""The JSON API under /api/v1/: lists, filters, pages, as_of, ETag/304, CORS, and its OpenAPI
description, which validates and describes every example and every live answer."""

from __future__ import annotations

from datetime import date

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema_path import SchemaPath
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.scraped import LANGUAGE, build, copy_of
from tests.test_web_hostile import waitress_server
from tracker.web import create_app
from tracker.web.openapi import spec


@pytest.fixture(scope="module")
def built(tmp_path_factory, make_httpserver):
    return build(tmp_path_factory.mktemp("api") / "data", make_httpserver)


@pytest.fixture
def api(built, tmp_path):
    return create_app({"SETTINGS": copy_of(built, tmp_path), "TESTING": True}).test_client()


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    return response.get_json()


def schema_validator(document: dict, name: str) -> OAS31Validator:
    """A validator of one component schema, resolving $refs inside the document."""
    path = SchemaPath.from_dict(document) / "components" / "schemas" / name
    with path.resolve() as resolved:
        return OAS31Validator(resolved.contents, _resolver=resolved.resolver)


def assert_valid(document: dict, name: str, body: dict) -> None:
    errors = list(schema_validator(document, name).iter_errors(body))
    assert not errors, f"{name}: {[e.message for e in errors][:3]}"


def test_openapi_description_validates_and_every_example_fits_its_schema(api):
    document = get(api, "/api/v1/openapi.json")
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    assert document["openapi"] == "3.1.0"
    seen = 0
    for path, item in document["paths"].items():
        for _code, answer in item["get"]["responses"].items():
            for media in answer.get("content", {}).values():
                name = media["schema"]["$ref"].rsplit("/", 1)[1]
                for example in media["examples"].values():
                    assert_valid(document, name, example["value"])
                    seen += 1
        assert path.startswith("/api/v1/")
    assert seen >= 9


def test_a_wrong_example_fails_its_schema(api):
    """The validation above can fail: a commitment with an unknown status does not fit."""
    document = spec("http://x")
    bad = {**document["paths"]["/api/v1/commitments"]["get"]["responses"]["200"]}
    example = bad["content"]["application/json"]["examples"]["example"]["value"]
    broken = {**example, "data": [{**example["data"][0], "status": "done"}]}
    with pytest.raises(AssertionError):
        assert_valid(document, "CommitmentPage", broken)


LIVE = {
    "/api/v1/": "Index",
    "/api/v1/commitments": "CommitmentPage",
    f"/api/v1/commitments/{LANGUAGE}": "CommitmentDetail",
    f"/api/v1/commitments/{LANGUAGE}?as_of=2018-01-01": "CommitmentDetail",
    "/api/v1/meetings": "MeetingPage",
    "/api/v1/items?per_page=5": "ItemPage",
    "/api/v1/evidence": "EvidencePage",
    "/api/v1/status-events": "StatusEventPage",
    "/api/v1/items?from=2019-13-01": "Error",
    "/api/v1/commitments/no-such-promise": "Error",
}


def test_every_live_answer_fits_the_description(api):
    document = get(api, "/api/v1/openapi.json")
    meeting = get(api, "/api/v1/meetings")["data"][0]["id"]
    for url, name in {**LIVE, f"/api/v1/meetings/{meeting}": "Meeting"}.items():
        response = api.get(url)
        assert response.mimetype == "application/json", url
        assert_valid(document, name, response.get_json())


def test_commitment_shows_status_history_and_accepted_evidence(api):
    body = get(api, f"/api/v1/commitments/{LANGUAGE}")
    assert body["commitment"]["status"] == "partial"
    assert body["history"][-1]["status"] == "partial"
    accepted = body["evidence"]
    assert accepted and all(ev["review_state"] == "accepted" for ev in accepted)
    assert body["history"][-1]["evidence_ids"][0] in {ev["id"] for ev in accepted}


def test_as_of_shows_the_record_as_it_stood(api):
    before = get(api, f"/api/v1/commitments/{LANGUAGE}?as_of=2018-01-01")
    assert before["as_of"] == "2018-01-01"
    assert before["commitment"]["status"] != "partial"
    assert all(e["effective_date"] <= "2018-01-01" for e in before["history"])
    listed = get(api, "/api/v1/commitments?as_of=2018-01-01")
    mine = next(c for c in listed["data"] if c["id"] == LANGUAGE)
    assert mine["status"] == before["commitment"]["status"]
    events = get(api, f"/api/v1/status-events?commitment={LANGUAGE}&as_of=2018-01-01")
    assert all(e["effective_date"] <= "2018-01-01" for e in events["data"])
    assert get(api, "/api/v1/commitments?as_of=2999-01-01", 400)["error"]


def test_lists_page_through_every_row_once(api):
    total = get(api, "/api/v1/items?per_page=1000")["total"]
    assert total > 10
    seen, url = [], "/api/v1/items?per_page=7"
    while url:
        body = get(api, url)
        seen.extend(row["id"] for row in body["data"])
        url = body["next"] and body["next"].split("127.0.0.1:5000", 1)[1]
    assert len(seen) == len(set(seen)) == total
    response = api.get("/api/v1/items?per_page=7&page=2")
    assert 'rel="next"' in response.headers["Link"] and 'rel="prev"' in response.headers["Link"]
    assert get(api, "/api/v1/items?per_page=7&page=999", 404)["error"].startswith("page 999")
    assert get(api, "/api/v1/items?per_page=0", 400)["error"]
    assert get(api, "/api/v1/items?page=%C2%B2", 400)["error"]


def test_filters_by_date_and_commitment(api):
    meetings = get(api, "/api/v1/meetings?per_page=1000")["data"]
    day = sorted(m["date"] for m in meetings)[len(meetings) // 2]
    later = get(api, f"/api/v1/meetings?from={day}&per_page=1000")["data"]
    assert later and all(m["date"] >= day for m in later)
    assert len(later) < len(meetings)
    earlier = get(api, f"/api/v1/meetings?to={day}&per_page=1000")["data"]
    assert {m["id"] for m in earlier} | {m["id"] for m in later} == {m["id"] for m in meetings}
    mine = get(api, f"/api/v1/evidence?commitment={LANGUAGE}&per_page=1000")["data"]
    assert mine and {e["commitment_id"] for e in mine} == {LANGUAGE}
    accepted = get(api, f"/api/v1/evidence?commitment={LANGUAGE}&review_state=accepted")["data"]
    assert {e["review_state"] for e in accepted} == {"accepted"}
    items = get(api, f"/api/v1/items?commitment={LANGUAGE}&per_page=1000")["data"]
    tied = {e["item_id"] for e in mine if e["item_id"] and e["review_state"] != "rejected"}
    assert items and {i["id"] for i in items} == tied
    with_items = get(api, f"/api/v1/meetings?commitment={LANGUAGE}&per_page=1000")["data"]
    assert {i["meeting_id"] for i in items} <= {m["id"] for m in with_items}
    one = items[0]["meeting_id"]
    assert {i["meeting_id"] for i in get(api, f"/api/v1/items?meeting={one}")["data"]} == {one}
    assert "no commitment" in get(api, "/api/v1/items?commitment=nope", 400)["error"]
    assert get(api, "/api/v1/meetings?from=2020-02-01&to=2020-01-01", 400)["error"]


def test_etag_gives_304_for_an_unchanged_answer(api):
    first = api.get(f"/api/v1/commitments/{LANGUAGE}")
    etag = first.headers["ETag"]
    again = api.get(f"/api/v1/commitments/{LANGUAGE}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data


@pytest.fixture
def live(built, tmp_path):
    """The API served by `python run.py serve` (waitress) on 127.0.0.1."""
    settings = copy_of(built, tmp_path)
    with waitress_server(settings) as port:
        yield settings, f"http://127.0.0.1:{port}"


def test_live_server_etag_cors_and_a_change_shows(live):
    from tracker.db import open_db
    from tracker.status import record_event

    settings, base = live
    url = f"{base}/api/v1/commitments/{LANGUAGE}"
    first = requests.get(url, headers={"Origin": "https://news.example"}, timeout=10)
    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in first.headers["Access-Control-Expose-Headers"]
    document = requests.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    validate(document)
    assert_valid(document, "CommitmentDetail", first.json())
    assert_valid(document, "ItemPage", requests.get(f"{base}/api/v1/items", timeout=10).json())
    etag = first.headers["ETag"]
    assert requests.get(url, headers={"If-None-Match": etag}, timeout=10).status_code == 304
    preflight = requests.options(
        url,
        headers={"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    db = open_db(settings.db_path)
    with db.conn:
        record_event(db, LANGUAGE, "in-progress", date(2026, 1, 1), "Reopened.", who="Ben R.")
    db.conn.close()
    changed = requests.get(url, headers={"If-None-Match": etag}, timeout=10)
    assert changed.status_code == 200
    assert "Reopened." in [e["note"] for e in changed.json()["history"]]


ARG_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2019-06-01", "2999-01-01", "0", "1", "-1", "99999999999999999999", "²"]),
    st.integers(-5, 10**6).map(str),
)


@given(
    path=st.sampled_from(["commitments", "meetings", "items", "evidence", "status-events"]),
    args=st.dictionaries(
        st.sampled_from(
            ["from", "to", "as_of", "page", "per_page", "commitment", "meeting", "review_state"]
        ),  # fmt: skip
        ARG_VALUES,
        max_size=4,
    ),
)
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_no_query_makes_the_api_fail(api, path, args):
    """Whatever the arguments, an answer in JSON: the data, or a 400/404 saying why."""
    response = api.get(f"/api/v1/{path}", query_string=args)
    assert response.status_code in (200, 400, 404), (path, args)
    body = response.get_json()
    assert ("data" in body) if response.status_code == 200 else body["error"]
