"""The JSON API under /api/v1/: the same record as the pages and the open-data export.

A thin door onto tracker/opendata.py. Every answer carries an ETag made from its body, so a
client that sends If-None-Match gets a 304 when nothing changed; any origin may GET it (CORS).
Errors are JSON too ({"error": "..."}), never an HTML page.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from flask import Blueprint, Response, current_app, request

from .. import opendata
from .args import strict_int
from .database import absolute_url, get_db, known_by, local_today
from .openapi import spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PER_PAGE = 100
MAX_PER_PAGE = 1000
LIST_ARGS = ("from", "to", "commitment", "meeting", "review_state", "as_of", "per_page")


class ApiError(Exception):
    """A request the API refuses, with its HTTP status and a one-line reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return _json({"error": str(exc)}, exc.status, conditional=False)


@bp.after_request
def _cors(response: Response) -> Response:
    # Open data: any site may read it from a browser. Only GET; no credentials involved.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _json(body: object, status: int = 200, conditional: bool = True) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(data, status=status, mimetype="application/json")
    if conditional:
        response.set_etag(hashlib.sha256(data).hexdigest()[:32])
        response.headers["Cache-Control"] = "no-cache"  # revalidate: a 304 is cheap
        response.make_conditional(request)
    return response


def _date(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{name}={raw!r} is not a date like 2019-06-01") from None


def _as_of() -> tuple[date | None, str | None]:
    as_of = _date("as_of")
    if as_of and as_of > local_today():
        raise ApiError(400, f"as_of={as_of.isoformat()} is in the future")
    return as_of, known_by(as_of)


def _commitment_arg() -> str | None:
    commitment = request.args.get("commitment") or None
    if commitment and commitment not in opendata.commitment_ids(get_db()):
        raise ApiError(400, f"no commitment with id {commitment!r}")
    return commitment


def _paging() -> tuple[int, int | None]:
    if current_app.config.get("API_ONE_PAGE"):  # the static mirror: every row in one file
        return 1, None
    page = _number("page", 1, 1)
    size = _number("per_page", PER_PAGE, 1, MAX_PER_PAGE)
    return page, size


def _number(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = strict_int(raw, low, high) if high else strict_int(raw, low)
    if value is None:
        bounds = f"from {low} to {high}" if high else f"from {low}"
        raise ApiError(400, f"{name}={raw!r} is not a whole number {bounds}")
    return value


def _listing(endpoint: str, page: opendata.Page, **extra) -> Response:
    if page.number > page.last:
        raise ApiError(404, f"page {page.number} is past the last page ({page.last})")
    kept = {k: v for k, v in request.args.items() if k in LIST_ARGS}

    def link(number: int) -> str:
        return absolute_url(endpoint, **kept, page=number)

    nxt = link(page.number + 1) if page.number < page.last else None
    prev = link(page.number - 1) if page.number > 1 else None
    body = {
        "data": page.rows,
        "page": page.number,
        "per_page": page.size,
        "pages": page.last,
        "total": page.total,
        "next": nxt,
        "prev": prev,
        **extra,
    }
    response = _json(body)
    links = [f'<{u}>; rel="{rel}"' for u, rel in ((nxt, "next"), (prev, "prev")) if u]
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def _filters(**more) -> opendata.Filters:
    since, until = _date("from"), _date("to")
    if since and until and since > until:
        raise ApiError(400, f"from={since} is after to={until}")
    return opendata.Filters(since=since, until=until, commitment=_commitment_arg(), **more)


@bp.get("/")
def index() -> Response:
    """What the API serves, with a link to each list and to its description."""
    names = ("commitments", "meetings", "items", "evidence", "status_events", "openapi")
    return _json(
        {
            "description": "Open data of the promise tracker (CC BY 4.0)",
            "openapi": absolute_url("api.openapi"),
            "links": {n: absolute_url(f"api.{n}") for n in names},
        }
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    return _json(spec(current_app.config["SETTINGS"].base_url))


@bp.get("/commitments")
def commitments() -> Response:
    as_of, known = _as_of()
    day = as_of or local_today()
    page, size = _paging()
    found = opendata.commitment_list(get_db(), day, known, page, size)
    return _listing("api.commitments", found, as_of=day.isoformat())


@bp.get("/commitments/<commitment_id>")
def commitment(commitment_id: str) -> Response:
    as_of, known = _as_of()
    day = as_of or local_today()
    found = opendata.commitment_detail(get_db(), commitment_id, day, known)
    if found is None:
        raise ApiError(404, f"no commitment with id {commitment_id!r}")
    return _json({**found, "as_of": day.isoformat()})


@bp.get("/meetings")
def meetings() -> Response:
    page, size = _paging()
    return _listing("api.meetings", opendata.meetings(get_db(), _filters(), page, size))


@bp.get("/meetings/<meeting_id>")
def meeting(meeting_id: str) -> Response:
    found = opendata.meeting(get_db(), meeting_id)
    if found is None:
        raise ApiError(404, f"no meeting with id {meeting_id!r}")
    return _json(found)


@bp.get("/items")
def items() -> Response:
    page, size = _paging()
    f = _filters(meeting=request.args.get("meeting") or None)
    return _listing("api.items", opendata.items(get_db(), f, page, size))


REVIEW_STATES = ("candidate", "accepted", "rejected")


@bp.get("/evidence")
def evidence() -> Response:
    state = request.args.get("review_state") or None
    if state and state not in REVIEW_STATES:
        raise ApiError(400, f"review_state={state!r} is not one of {', '.join(REVIEW_STATES)}")
    page, size = _paging()
    found = opendata.evidence(get_db(), _filters(review_state=state), page, size)
    return _listing("api.evidence", found)


@bp.get("/status-events")
def status_events() -> Response:
    as_of, known = _as_of()
    page, size = _paging()
    found = opendata.status_events(get_db(), _filters(as_of=as_of, known=known), page, size)
    extra = {"as_of": as_of.isoformat()} if as_of else {}
    return _listing("api.status_events", found, **extra)


@bp.get("/<path:_rest>")
def unknown(_rest: str) -> Response:
    """Any other URL under /api/v1/ answers JSON, not the site's HTML 404 page."""
    raise ApiError(404, "no such API URL; see /api/v1/openapi.json")
