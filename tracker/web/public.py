"""Public pages: the overview of all commitments and one page per commitment."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import format_date, gettext

from .. import commitments
from .. import status as status_mod
from ..meetings import recent_changes, upcoming
from .database import absolute_url, get_db, known_by, local_today
from .filters import meeting_place

bp = Blueprint("public", __name__)


def parse_as_of(raw: str | None) -> date | None:
    """A ?as_of=YYYY-MM-DD date, or None; a bad date or a future one is a 400 with a reason."""
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        abort(400, gettext("The date %(raw)s is not a date like 2019-06-01.", raw=raw))
    if value > local_today():
        abort(400, gettext("The date %(raw)s is in the future.", raw=raw))
    return value


@bp.get("/")
def overview():
    as_of = parse_as_of(request.args.get("as_of"))
    known = known_by(as_of)
    db = get_db()
    rows = status_mod.standings(db, as_of or local_today(), known)
    counts: dict[str, int] = {}
    for _row, standing in rows:
        counts[standing.status] = counts.get(standing.status, 0) + 1
    today = local_today()
    return render_template(
        "overview.html",
        rows=rows,
        counts=counts,
        as_of=as_of,
        today=today,
        upcoming=[] if as_of else [{**m, "place": meeting_place(m)} for m in upcoming(db, today)],
        changes=recent_changes(db, as_of or today, known),
    )


@bp.get("/commitments/<commitment_id>")
def commitment(commitment_id: str):
    return _commitment_page(commitment_id, parse_as_of(request.args.get("as_of")))


@bp.get("/commitments/<commitment_id>/as-of/<day>")
def commitment_as_of(commitment_id: str, day: str):
    as_of = parse_as_of(day)
    return _commitment_page(commitment_id, as_of)


@bp.get("/commitments/")
def commitments_index():
    return redirect(url_for("public.overview"))


def _commitment_page(commitment_id: str, as_of: date | None):
    db = get_db()
    row = commitments.get(db, commitment_id)
    if row is None:
        abort(404)
    # A past day's page shows only what the record held by the end of that day, so that its
    # permalink keeps showing the same thing; unreviewed candidates come and go with the rules,
    # so they are shown on the current page only.
    known = known_by(as_of)
    standing = status_mod.standing(db, row, as_of or local_today(), known)
    day = standing.as_of.isoformat()
    history = status_mod.events(db, commitment_id, as_of, known)
    today = local_today()
    evidence = commitments.accepted_evidence(db, commitment_id, as_of, known, today)
    unreviewed = [] if as_of else commitments.suggestions(db, commitment_id, today)
    by_id = {ev["id"]: ev for ev in evidence}
    for event in history:
        event["evidence"] = [by_id[i] for i in event["evidence_ids"] if i in by_id]
    permalink = absolute_url("public.commitment_as_of", commitment_id=commitment_id, day=day)
    return render_template(
        "commitment.html",
        permalink=permalink,
        citations=citations(localized_title(row), standing.as_of, permalink),
        c=row,
        sources=json.loads(row["sources"]),
        standing=standing,
        history=list(reversed(history)),
        evidence=evidence,
        unreviewed=unreviewed,
        as_of=as_of,
    )


def localized_title(row: dict) -> str:
    return row["title_es"] if request.environ.get("tracker.lang") == "es" else row["title_en"]


def citations(title: str, day: date, permalink: str) -> dict[str, str]:
    """APA and Chicago citations of a commitment page as it stood on `day`."""
    site = gettext("Birmingham sanctuary promise tracker")
    spanish = request.environ.get("tracker.lang") == "es"
    pattern = "d 'de' MMMM" if spanish else "MMMM d"
    apa_date = f"{day.year}, {format_date(day, pattern)}"
    return {
        "apa": f"{site}. ({apa_date}). {title}. {permalink}",
        "chicago": f"\u201c{title}.\u201d {site}. {format_date(day, 'long')}. {permalink}.",
    }
