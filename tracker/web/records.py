"""Council records: meetings, a meeting's items and votes, archived documents, search."""

from __future__ import annotations

import re
import threading
from datetime import date
from itertools import groupby

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_number, gettext, lazy_gettext
from markupsafe import Markup, escape

from .. import documents as documents_mod
from .. import meetings as meetings_mod
from ..archive import blob_path
from ..catalog import commitment_titles
from ..documents import documents_with_sha, evidence_passage
from ..errors import SearchTimeout
from ..evidence import agenda_only, stage
from ..meetings import (
    current_items,
    current_votes,
    list_meetings,
    matches_by_item,
    meeting_documents,
)
from ..search import (
    CLOSE,
    MAX_DISTINCT_TERMS,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    OPEN,
    SearchResult,
    cap_query,
)
from ..search import search as run_search
from ..vocab import READABLE
from .args import int_arg, parse_as_of
from .database import get_db, known_by, local_today
from .filters import meeting_place

bp = Blueprint("records", __name__)

PER_PAGE = 50  # search results on a page
# Each overridable in the app's config (the benchmark turns them off: None, a large number).
SEARCH_CONCURRENCY = 2  # searches at once; waitress serves everything with 8 threads
SEARCH_WAIT_SECONDS = 0.5  # how long a search waits for a free slot before "busy, try again"
SEARCH_TIMEOUT_MS = 3000  # a search running longer is stopped


MEETING_STATUS_LABELS = {
    "tentative": lazy_gettext("Tentative"),
    "confirmed": lazy_gettext("Confirmed"),
    "passed": lazy_gettext("Held"),
    # The day is over but the source has not marked it held (or cancelled) yet.
    "past": lazy_gettext("Past; not yet marked as held"),
    "cancelled": lazy_gettext("Cancelled"),
}
KIND_LABELS = {
    "agenda": lazy_gettext("Agenda"),
    "minutes": lazy_gettext("Minutes"),
    "manual": lazy_gettext("Document added by an editor"),
    "press-release": lazy_gettext("Press release"),
}
FLAG_LABELS = {
    "consent": lazy_gettext("Consent agenda"),
    "public_hearing": lazy_gettext("Public hearing"),
    "permanent": lazy_gettext("Ordinance (permanent)"),
    "addendum": lazy_gettext("Added late (addendum)"),
    "first_reading": lazy_gettext("First reading"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "deferred": lazy_gettext("Deferred"),
}
REVIEW_LABELS = {
    "candidate": lazy_gettext("may be related — not yet checked"),
    "accepted": lazy_gettext("Accepted"),
}


@bp.context_processor
def _labels() -> dict:
    return {
        "MEETING_STATUS_LABELS": MEETING_STATUS_LABELS,
        "KIND_LABELS": KIND_LABELS,
        "FLAG_LABELS": FLAG_LABELS,
        "REVIEW_LABELS": REVIEW_LABELS,
        "format_number": format_number,
    }


# --- meetings -------------------------------------------------------------------------------


@bp.get("/meetings")
def meetings():
    db = get_db()
    number = int_arg("year", low=1000, high=9999)
    year = str(number) if number else None
    show_hidden = request.args.get("hidden") == "1"
    as_of = parse_as_of(request.args.get("as_of"))
    rows = list_meetings(db, year=year, hidden=show_hidden, known=known_by(as_of))
    today = local_today()
    for row in rows:
        row["status"] = (
            meetings_mod.status_on(row, as_of, bool(row["has_agenda"]))
            if as_of
            else meetings_mod.shown_status(row, today)
        )
    hidden_count = meetings_mod.hidden_count(db, year)
    years = meetings_mod.years(db)
    return render_template(
        "meetings.html",
        by_year=[(y, list(group)) for y, group in groupby(rows, key=lambda r: r["date"][:4])],
        year=year,
        years=years,
        show_hidden=show_hidden,
        hidden_count=hidden_count,
        as_of=as_of,
    )


@bp.get("/meetings/<meeting_id>")
def meeting(meeting_id: str):
    db = get_db()
    row = meetings_mod.get(db, meeting_id)
    if row is None:
        abort(404)
    as_of = parse_as_of(request.args.get("as_of"))
    known = known_by(as_of)
    if known and not (row["first_seen"] or "") < known:
        abort(404)  # the tracker did not know of this meeting yet on that day
    today = as_of or local_today()
    row["minutes_read"] = meetings_mod.minutes_read(db, meeting_id, known)
    items = current_items(db, meeting_id, known)
    matches = matches_by_item(db, [i["id"] for i in items], known)
    sources = meetings_mod.outcome_sources(db, [i["id"] for i in items], known)
    votes = current_votes(db, meeting_id, known)
    documents = meeting_documents(db, meeting_id, known)
    item_ids = set()
    for item in items:
        item_ids.add(item["id"])
        if known and not row["minutes_read"]:
            item.update(agenda_only(item))  # the minutes came later: the agenda's word only
        item["stage"] = stage(item, row, today)
        item["outcome_source"] = sources.get(item["id"])
        item["flags"] = [flag for flag in FLAG_LABELS if item.get(flag)]
        item["matches"] = matches.get(item["id"], [])
        item["votes"] = [v for v in votes if v["item_id"] == item["id"]]
    row["status"] = (
        meetings_mod.status_on(row, as_of, any(d["kind"] == "agenda" for d in documents))
        if as_of
        else meetings_mod.shown_status(row, today)
    )
    return render_template(
        "meeting.html",
        m=row,
        place=meeting_place(row),
        documents=documents,
        press_releases=[] if as_of else meetings_mod.press_releases_on(db, row["date"]),
        items=items,
        other_votes=[v for v in votes if v["item_id"] not in item_ids],
        as_of=as_of,
    )


# --- documents ------------------------------------------------------------------------------


@bp.get("/documents/<sha256>")
def document(sha256: str):
    db = get_db()
    rows = documents_with_sha(db, sha256)
    if not rows:
        abort(404)
    doc = rows[0]
    # Identical bytes give identical text: any row whose extraction worked has the pages.
    readable = next((r for r in rows if r["extract_status"] in READABLE), None)
    pages = documents_mod.pages(db, readable["id"]) if readable else []
    evidence, passage = evidence_passage(db, int_arg("evidence", low=1), rows, pages)
    newer = documents_mod.newer_version(db, doc)
    return render_template(
        "document.html",
        doc=doc,
        others=rows[1:],
        newer=newer[0] if newer else None,
        readable=readable is not None,
        pages=pages,
        evidence=evidence,
        passage=passage,
    )


@bp.get("/documents/<sha256>/raw")
def document_raw(sha256: str):
    rows = documents_with_sha(get_db(), sha256)
    if not rows:
        abort(404)
    doc = rows[0]
    path = blob_path(current_app.config["SETTINGS"].archive_dir, sha256)
    if not path.is_file():
        abort(404)
    with path.open("rb") as fh:
        head = fh.read(5)
    mimetype = (
        "application/pdf"
        if head == b"%PDF-"
        else (doc["content_type"] or "application/octet-stream").split(";")[0].strip()
    )
    extension = {"application/pdf": ".pdf", "text/html": ".html"}.get(mimetype, "")
    name = f"{doc['meeting_id'] or 'document'}-{doc['kind']}-v{doc['version']}{extension}"
    response = send_file(
        path, mimetype=mimetype, download_name=name, as_attachment=False, max_age=86400
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if mimetype != "application/pdf":
        # An archived web page must not run scripts on this site's origin.
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


# --- search ---------------------------------------------------------------------------------


@bp.record_once
def _search_slots(state) -> None:
    # At most this many searches at once: the rest of the server's threads stay free for
    # every other page, static files included.
    state.app.extensions["tracker.search_slots"] = threading.BoundedSemaphore(
        state.app.config.get("SEARCH_CONCURRENCY", SEARCH_CONCURRENCY)
    )


@bp.get("/search")
def search():
    db = get_db()
    args = request.args
    q, capped = cap_query(args.get("q", "").strip())
    problems = []
    day_from, day_to = (search_date(args.get(name), problems) for name in ("from", "to"))
    commitments = commitment_titles(db)
    commitment = args.get("commitment") or None
    if commitment not in {c["id"] for c in commitments}:
        commitment = None
    page = int_arg("page", low=1) or 1
    as_of = parse_as_of(args.get("as_of"))
    found, state, status = SearchResult(page=page), "", 200
    if q:
        params = {
            "known": known_by(as_of),
            "q": q,
            "from": day_from,
            "to": day_to,
            "commitment": commitment,
            "open": OPEN,
            "close": CLOSE,
        }
        config = current_app.config
        slots = current_app.extensions["tracker.search_slots"]
        if not slots.acquire(timeout=config.get("SEARCH_WAIT_SECONDS", SEARCH_WAIT_SECONDS)):
            state, status = "busy", 503
        else:
            try:
                limit = config.get("SEARCH_TIMEOUT_MS", SEARCH_TIMEOUT_MS)
                seconds = None if limit is None else limit / 1000
                found = run_search(db, params, page, PER_PAGE, seconds)
            except SearchTimeout:
                state = "timeout"
            finally:
                slots.release()
    for row in found.rows:
        row["snippet"] = highlight(row["snippet"] or "")
    page, total = found.page, found.total
    pages = max(1, -(-total // PER_PAGE))
    response = make_response(
        render_template(
            "search.html",
            q=q,
            capped=capped,
            state=state,
            limits={"terms": MAX_TERMS, "distinct": MAX_DISTINCT_TERMS, "chars": MAX_QUERY_CHARS},
            day_from=day_from,
            day_to=day_to,
            commitment=commitment,
            commitments=commitments,
            problems=problems,
            misunderstood=found.misunderstood,
            results=found.rows,
            total=total,
            page=page,
            pages=pages,
            first=(page - 1) * PER_PAGE + 1,
            as_of=as_of,
            prev_url=page_url(page - 1) if page > 1 else None,
            next_url=page_url(page + 1) if page < pages else None,
        ),
        status,
    )
    if state == "busy":
        response.headers["Retry-After"] = "5"
    return response


def page_url(page: int) -> str:
    """This search with another page of results."""
    return url_for("records.search", **{**request.args.to_dict(), "page": page})


def search_date(raw: str | None, problems: list[str]) -> str | None:
    """A YYYY-MM-DD filter date, or None; a bad one is ignored and explained."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        problems.append(gettext("The date %(raw)s is not a date like 2019-06-01.", raw=raw))
        return None


def highlight(snippet: str) -> Markup:
    """A snippet() result escaped, with its sentinels turned into balanced <mark> tags."""
    out, inside = [], False
    for part in re.split(f"([{OPEN}{CLOSE}])", snippet):
        if part == OPEN:
            if not inside:
                out.append("<mark>")
            inside = True
        elif part == CLOSE:
            if inside:
                out.append("</mark>")
            inside = False
        else:
            out.append(str(escape(part)))
    if inside:
        out.append("</mark>")
    return Markup("".join(out))
