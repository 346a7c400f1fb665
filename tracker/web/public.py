"""Public pages: the overview of all commitments and one page per commitment."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date, gettext

from .. import commitments
from .. import status as status_mod
from ..meetings import recent_changes, upcoming
from .args import parse_as_of
from .database import absolute_url, get_db, known_by, local_today
from .filters import local, meeting_place

bp = Blueprint("public", __name__)


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
    today = as_of or local_today()
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


# Chicago's headline style (CMOS 17, 8.159): these stay lower case inside a title.
_MINOR_WORDS = frozenset(
    """a an the and but for or nor as to of in on at by with about above across after against
    along among around before behind below beneath beside between beyond despite during except
    from inside into like near off onto over per since through throughout toward towards under
    until upon via within without vs""".split()
)
_PREFIXES = frozenset("anti co non post pre pro re self semi sub".split())


def headline_case(title: str) -> str:
    """A title in Chicago's headline style: "Don't Ask about Immigration Status; Don't Share
    Private Data with ICE". Words already capitalised (ICE, ID) are left as they are."""
    words = title.split(" ")

    def cap(word: str) -> str:
        return word[:1].upper() + word[1:] if word[:1].islower() else word

    out = []
    for i, word in enumerate(words):
        edge = i == 0 or i == len(words) - 1 or out[-1].endswith((":", "?", "!"))
        parts = word.split("-")
        done = []
        for j, part in enumerate(parts):
            bare = part.strip("\"'“”‘’(),;:.!?").lower()
            first = j == 0
            if first and (edge or bare not in _MINOR_WORDS):
                done.append(cap(part))
            elif not first and (parts[0].lower() in _PREFIXES or bare in _MINOR_WORDS):
                done.append(part)  # "Anti-immigrant", "Stop-and-Frisk"
            elif first:
                done.append(part)
            else:
                done.append(cap(part))
        out.append("-".join(done))
    return " ".join(out)


def group_author(name: str) -> str:
    """The site as the group author: an organisation's name, capitalised as a proper name."""
    return headline_case(name) if request.environ.get("tracker.lang") != "es" else name


def citations(title: str, day: date, permalink: str) -> dict[str, str]:
    """APA 7 and Chicago 17 citations of a commitment page as it stood on `day`.

    The page has no publication date, it changes as the record does: both styles then give
    the date the content was seen, the snapshot's day, as retrieval (APA: "n.d." and
    "Retrieved …, from") or access date (Chicago: "Accessed …"); the permalink fixes it.
    APA keeps the title's sentence case, Chicago puts it in headline style (English only:
    Spanish titles keep sentence case)."""
    spanish = request.environ.get("tracker.lang") == "es"
    common = {
        "author": group_author(local_site_name()),
        "day": format_date(day, "long"),
        "url": permalink,
    }
    # The styles' own words ("n.d.", "Retrieved", "Accessed") in the page's language.
    apa = gettext("%(author)s. (n.d.). %(title)s. Retrieved %(day)s, from %(url)s")
    chicago = gettext("%(author)s. \u201c%(title)s.\u201d Accessed %(day)s. %(url)s.")
    return {
        "apa": apa % {**common, "title": title},
        "chicago": chicago % {**common, "title": title if spanish else headline_case(title)},
    }


def local_site_name() -> str:
    """The jurisdiction's site name in the page's language."""
    return local(current_app.config["SETTINGS"].place.site_name)
