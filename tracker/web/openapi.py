"""The OpenAPI 3.1 description of /api/v1/, with an example answer for every endpoint.

Written as data next to the API so that a field added to a record shows up here in the same
change; tests validate this file, each example and live answers against these schemas.
"""

from __future__ import annotations

from copy import deepcopy


def _nullable(kind: str, **more) -> dict:
    return {"type": [kind, "null"], **more}


DAY = {"type": "string", "format": "date"}
STATUS = {"enum": ["not-started", "in-progress", "stalled", "partial", "kept", "broken"]}

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "Source": {
        "type": "object",
        "description": "Where the promise was made, as the catalogue cites it.",
        "additionalProperties": True,
    },
    "Commitment": {
        "type": "object",
        "required": ["id", "title_en", "title_es", "status", "status_since", "last_action"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
            "title_en": {"type": "string"},
            "title_es": {"type": "string"},
            "made_by": _nullable("string"),
            "made_on": _nullable("string", format="date"),
            "status": STATUS,
            "status_since": DAY,
            "last_action": DAY,
            "stalled": {"type": "boolean"},
            "reason": _nullable("string"),
            "note": _nullable("string"),
            "note_es": _nullable("string"),
            "summary_en": _nullable("string"),
            "summary_es": _nullable("string"),
            "kept_when_en": _nullable("string"),
            "kept_when_es": _nullable("string"),
            "sources": {"type": "array", "items": {"$ref": "#/components/schemas/Source"}},
        },
    },
    "StatusEvent": {
        "type": "object",
        "required": ["id", "commitment_id", "status", "effective_date", "note", "who"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "commitment_id": {"type": "string"},
            "status": STATUS,
            "effective_date": DAY,
            "reason": _nullable("string"),
            "note": {"type": "string"},
            "note_es": _nullable("string"),
            "evidence_ids": {"type": "array", "items": {"type": "integer"}},
            "who": {"type": "string"},
            "recorded_at": {"type": "string", "format": "date-time"},
        },
    },
    "Evidence": {
        "type": "object",
        "required": ["id", "commitment_id", "kind", "stance", "review_state"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "commitment_id": {"type": "string"},
            "kind": {"enum": ["curated", "match", "manual"]},
            "stance": {"enum": ["supports", "contrary", "context"]},
            "review_state": {"enum": ["candidate", "accepted", "rejected"]},
            "score": _nullable("number"),
            "source_url": _nullable("string"),
            "source_urls": {"type": "array", "items": {"type": "string"}},
            "item_id": _nullable("integer"),
            "document_sha256": _nullable("string", pattern="^[0-9a-f]{64}$"),
            "page": _nullable("integer"),
            "snippet": _nullable("string"),
            "date": _nullable("string"),
            "title": _nullable("string"),
            "why": _nullable("string", description="JSON text: the rules and words that matched"),
            "review_note": _nullable("string"),
        },
    },
    "Document": {
        "type": "object",
        "required": ["kind", "url", "sha256", "version", "fetched_at"],
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string"},
            "url": {"type": "string"},
            "final_url": _nullable("string"),
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "version": {"type": "integer"},
            "fetched_at": {"type": "string"},
            "extract_status": _nullable("string"),
        },
    },
    "Meeting": {
        "type": "object",
        "required": ["id", "title", "date", "status", "hidden", "documents"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "body": _nullable("string"),
            "date": DAY,
            "time": _nullable("string", pattern="^[0-9]{2}:[0-9]{2}$"),
            "status": {"enum": ["tentative", "confirmed", "passed", "cancelled"]},
            "hidden": {"type": "boolean"},
            "source": _nullable("string"),
            "external_ids": {"type": "object", "additionalProperties": {"type": "string"}},
            "documents": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
        },
    },
    "Item": {
        "type": "object",
        "required": ["id", "meeting_id", "document_id", "text"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "meeting_id": {"type": "string"},
            "document_id": {"type": "integer"},
            "number": _nullable("integer"),
            "marker": _nullable("string"),
            **{
                flag: {"type": "boolean"}
                for flag in (
                    "consent",
                    "public_hearing",
                    "permanent",
                    "addendum",
                    "withdrawn",
                    "deferred",
                    "first_reading",
                    "outcome_provisional",
                )
            },
            "text": {"type": "string"},
            "sponsor": _nullable("string"),
            "page": _nullable("integer"),
            "outcome": _nullable("string"),
            "resolution_number": _nullable("string"),
        },
    },
    "CommitmentDetail": {
        "type": "object",
        "required": ["commitment", "history", "evidence", "as_of"],
        "additionalProperties": False,
        "properties": {
            "commitment": {"$ref": "#/components/schemas/Commitment"},
            "history": {"type": "array", "items": {"$ref": "#/components/schemas/StatusEvent"}},
            "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/Evidence"}},
            "as_of": DAY,
        },
    },
    "Index": {
        "type": "object",
        "required": ["openapi", "links"],
        "properties": {
            "description": {"type": "string"},
            "openapi": {"type": "string"},
            "links": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
}


def _page_of(schema: str) -> dict:
    return {
        "type": "object",
        "required": ["data", "page", "per_page", "pages", "total", "next", "prev"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": _nullable("integer", description="null: every row in one page"),
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "next": _nullable("string"),
            "prev": _nullable("string"),
            "as_of": DAY,
        },
    }


for _name in ("Commitment", "Meeting", "Item", "Evidence", "StatusEvent"):
    SCHEMAS[f"{_name}Page"] = _page_of(_name)

SHA = "5f2b0c61d6c8a0f1f0f5a1b9f6f0de3e7f08b0a4f0e3a2c1b1a0f9e8d7c6b5a4"
COMMITMENT = {
    "id": "language-access",
    "title_en": "Language access in city services",
    "title_es": "Acceso lingüístico en los servicios municipales",
    "made_by": "Mayor William Bell",
    "made_on": "2017-01-31",
    "status": "partial",
    "status_since": "2026-05-19",
    "last_action": "2026-05-19",
    "stalled": False,
    "reason": None,
    "note": "Council meetings interpreted; no citywide policy yet.",
    "note_es": None,
    "summary_en": "City services in the languages residents speak.",
    "summary_es": "Servicios municipales en los idiomas de los residentes.",
    "kept_when_en": "A citywide language access policy is adopted.",
    "kept_when_es": "Se adopta una política de acceso lingüístico para toda la ciudad.",
    "sources": [{"url": "https://example.org/resolution", "title": "Resolution"}],
}
EVENT = {
    "id": 7,
    "commitment_id": "language-access",
    "status": "partial",
    "effective_date": "2026-05-19",
    "reason": None,
    "note": "Council meetings interpreted; no citywide policy yet.",
    "note_es": None,
    "evidence_ids": [42],
    "who": "Ana (editor)",
    "recorded_at": "2026-05-20T14:03:11+00:00",
}
EVIDENCE = {
    "id": 42,
    "commitment_id": "language-access",
    "kind": "match",
    "stance": "supports",
    "review_state": "accepted",
    "score": 0.87,
    "source_url": "https://bhamal.granicus.com/AgendaViewer.php?view_id=2&event_id=1",
    "source_urls": ["https://bhamal.granicus.com/AgendaViewer.php?view_id=2&event_id=1"],
    "item_id": 311,
    "document_sha256": SHA,
    "page": 4,
    "snippet": "a contract for interpretation services at council meetings",
    "date": "2026-05-19",
    "title": "Regular City Council Meeting, item 12",
    "why": '{"phrases": ["interpretation services"]}',
    "review_note": "Interpretation contract approved.",
}
MEETING = {
    "id": "2026-05-19-regular-city-council-meeting",
    "title": "Regular City Council Meeting",
    "body": "City Council",
    "date": "2026-05-19",
    "time": "09:30",
    "status": "confirmed",
    "hidden": False,
    "source": "granicus",
    "external_ids": {"event_id": "1"},
    "documents": [
        {
            "kind": "agenda",
            "url": "https://bhamal.granicus.com/AgendaViewer.php?view_id=2&event_id=1",
            "final_url": "https://bhamal.granicus.com/agenda.pdf",
            "sha256": SHA,
            "version": 1,
            "fetched_at": "2026-05-15T23:00:02+00:00",
            "extract_status": "ok",
        }
    ],
}
ITEM = {
    "id": 311,
    "meeting_id": MEETING["id"],
    "document_id": 9,
    "number": 12,
    "marker": None,
    "consent": True,
    "public_hearing": False,
    "permanent": False,
    "addendum": False,
    "withdrawn": False,
    "deferred": False,
    "first_reading": False,
    "text": "A Resolution approving a contract for interpretation services.",
    "sponsor": "Mayor",
    "page": 4,
    "outcome": "adopted",
    "outcome_provisional": True,
    "resolution_number": None,
}


def _page_example(row: dict, path: str) -> dict:
    return {
        "data": [row],
        "page": 1,
        "per_page": 1,
        "pages": 2,
        "total": 2,
        "next": f"https://tracker.example.org/api/v1/{path}?per_page=1&page=2",
        "prev": None,
    }


EXAMPLES = {
    "Index": {
        "description": "Open data of the promise tracker (CC BY 4.0)",
        "openapi": "https://tracker.example.org/api/v1/openapi.json",
        "links": {"commitments": "https://tracker.example.org/api/v1/commitments"},
    },
    "CommitmentPage": {**_page_example(COMMITMENT, "commitments"), "as_of": "2026-06-01"},
    "CommitmentDetail": {
        "commitment": COMMITMENT,
        "history": [EVENT],
        "evidence": [EVIDENCE],
        "as_of": "2026-06-01",
    },
    "MeetingPage": _page_example(MEETING, "meetings"),
    "Meeting": MEETING,
    "ItemPage": _page_example(ITEM, "items"),
    "EvidencePage": _page_example(EVIDENCE, "evidence"),
    "StatusEventPage": _page_example(EVENT, "status-events"),
    "Error": {"error": "from='2019-13-01' is not a date like 2019-06-01"},
}


def _param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


PARAMS = {
    "page": _param("page", "Which page, from 1.", {"type": "integer", "minimum": 1}),
    "per_page": _param(
        "per_page",
        "Rows per page (default 100).",
        {"type": "integer", "minimum": 1, "maximum": 1000},
    ),  # fmt: skip
    "from": _param("from", "On or after this local date.", DAY),
    "to": _param("to", "On or before this local date.", DAY),
    "commitment": _param(
        "commitment", "Only what concerns this commitment id.", {"type": "string"}
    ),
    "as_of": _param(
        "as_of", "The record as it stood at the end of this local day (not in the future).", DAY
    ),
    "meeting": _param("meeting", "Only this meeting's items.", {"type": "string"}),
    "review_state": _param(
        "review_state",
        "Only evidence in this review state.",
        {"enum": ["candidate", "accepted", "rejected"]},
    ),  # fmt: skip
}


def _answer(schema: str, description: str) -> dict:
    return {
        "description": description,
        "headers": {"ETag": {"schema": {"type": "string"}}},
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{schema}"},
                "examples": {"example": {"value": EXAMPLES[schema]}},
            }
        },
    }


ERROR = {
    "description": "A bad argument or an unknown id, said in one line.",
    "content": {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "examples": {"example": {"value": EXAMPLES["Error"]}},
        }
    },
}
NOT_MODIFIED = {"description": "Unchanged since the ETag sent in If-None-Match."}


def _get(summary: str, schema: str, params: list[str], path_param: str | None = None) -> dict:
    parameters = [PARAMS[p] for p in params]
    if path_param:
        parameters.insert(
            0, {"name": path_param, "in": "path", "required": True, "schema": {"type": "string"}}
        )
    responses = {"200": _answer(schema, summary), "304": NOT_MODIFIED}
    if params or path_param:
        responses["400"] = ERROR
        responses["404"] = ERROR
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


LISTS = ["page", "per_page"]
PATHS = {
    "/api/v1/": _get("Links to every list", "Index", []),
    "/api/v1/commitments": _get(
        "Every promise and where it stands", "CommitmentPage", ["as_of", *LISTS]
    ),
    "/api/v1/commitments/{commitment_id}": _get(
        "One promise: its standing, status history and accepted evidence",
        "CommitmentDetail",
        ["as_of"],
        "commitment_id",
    ),
    "/api/v1/meetings": _get(
        "Council meetings with their documents", "MeetingPage", ["from", "to", "commitment", *LISTS]
    ),
    "/api/v1/meetings/{meeting_id}": _get("One meeting", "Meeting", [], "meeting_id"),
    "/api/v1/items": _get(
        "Agenda items of every document version",
        "ItemPage",
        ["from", "to", "commitment", "meeting", *LISTS],
    ),
    "/api/v1/evidence": _get(
        "Evidence, proposed, accepted and rejected",
        "EvidencePage",
        ["from", "to", "commitment", "review_state", *LISTS],
    ),
    "/api/v1/status-events": _get(
        "The append-only log of status changes",
        "StatusEventPage",
        ["from", "to", "commitment", "as_of", *LISTS],
    ),
}


def spec(base_url: str) -> dict:
    """The OpenAPI document, its server being this site."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sanctuary promise tracker API",
            "version": "1.0.0",
            "description": "Promises, their status history and evidence, and the council "
            "records behind them. Every answer has an ETag (send If-None-Match for a 304); "
            "any origin may GET it. Dates are local dates of the council.",
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": base_url}],
        "paths": deepcopy(PATHS),
        "components": {"schemas": deepcopy(SCHEMAS)},
    }
