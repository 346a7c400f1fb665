"""Atom feeds and iCalendar files, thin doors onto tracker.activity, in the page's language
(/es/feeds/… is Spanish); and the <link rel="alternate"> each followed page carries."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext

from .. import commitments
from ..activity import accepted_evidence, status_changes, upcoming_matches
from ..feeds import agenda_entries, atom, evidence_entries, status_entries
from ..ical import calendar
from .database import absolute_url, get_db, local_today, settings
from .filters import local, localized, meeting_place

bp = Blueprint("feeds", __name__)
ATOM = "application/atom+xml; charset=utf-8"
ICAL = "text/calendar; charset=utf-8"


def _lang() -> str:
    return request.environ.get("tracker.lang", "en")


def _feed(entries, title: str, page_endpoint: str, **page_values) -> Response:
    body = atom(
        entries,
        title=title,
        feed_url=absolute_url(request.endpoint, **(request.view_args or {})),
        page_url=absolute_url(page_endpoint, **page_values),
        lang=_lang(),
        author=local(settings().place.site_name),
    )
    return Response(body, content_type=ATOM)


def _commitment_or_404(commitment_id: str) -> dict:
    row = commitments.get(get_db(), commitment_id)
    if row is None:
        abort(404)
    return row


@bp.get("/feeds/status.atom")
def status_feed():
    entries = status_entries(status_changes(get_db()), settings().base_url, _lang())
    return _feed(entries, gettext("Status changes of every promise"), "public.overview")


@bp.get("/feeds/evidence.atom")
def evidence_feed():
    entries = evidence_entries(accepted_evidence(get_db()), settings().base_url, _lang())
    return _feed(entries, gettext("Newly accepted evidence"), "public.overview")


@bp.get("/feeds/agenda.atom")
def agenda_feed():
    meetings = upcoming_matches(get_db(), local_today())
    entries = agenda_entries(meetings, settings().base_url, _lang(), meeting_place)
    return _feed(entries, gettext("Upcoming agenda items on the promises"), "records.meetings")


@bp.get("/commitments/<commitment_id>/feed.atom")
def commitment_feed(commitment_id: str):
    """Everything on one promise: its status changes, accepted evidence, upcoming items."""
    row = _commitment_or_404(commitment_id)
    db, base, lang = get_db(), settings().base_url, _lang()
    entries = (
        status_entries(status_changes(db, commitment_id), base, lang)
        + evidence_entries(accepted_evidence(db, commitment_id), base, lang)
        + agenda_entries(
            upcoming_matches(db, local_today(), commitment_id), base, lang, meeting_place
        )
    )
    title = gettext("Updates on: %(title)s", title=localized(row, "title"))
    return _feed(entries, title, "public.commitment", commitment_id=commitment_id)


def _calendar(meetings, name: str) -> Response:
    place = settings().place
    body = calendar(
        meetings,
        base_url=settings().base_url,
        lang=_lang(),
        tz=settings().tz,
        name=name,
        place_of=meeting_place,
        how_to_speak=local(place.how_to_speak),
    )
    return Response(body, content_type=ICAL)


@bp.get("/calendar.ics")
def calendar_all():
    name = gettext(
        "Council meetings on the promises: %(site)s", site=local(settings().place.site_name)
    )
    return _calendar(upcoming_matches(get_db(), local_today()), name)


@bp.get("/commitments/<commitment_id>/calendar.ics")
def calendar_commitment(commitment_id: str):
    row = _commitment_or_404(commitment_id)
    meetings = upcoming_matches(get_db(), local_today(), commitment_id)
    return _calendar(
        meetings, gettext("Council meetings on: %(title)s", title=localized(row, "title"))
    )


def alternates() -> list[dict]:
    """The feeds and calendars that follow the page being rendered, for its <head>."""
    endpoint = request.endpoint or ""
    links = []
    if endpoint == "public.overview":
        links = [
            ("feeds.status_feed", {}, gettext("Status changes of every promise")),
            ("feeds.evidence_feed", {}, gettext("Newly accepted evidence")),
            ("feeds.agenda_feed", {}, gettext("Upcoming agenda items on the promises")),
            ("feeds.calendar_all", {}, gettext("Calendar of council meetings on the promises")),
        ]
    elif endpoint in ("public.commitment", "public.commitment_as_of"):
        cid = (request.view_args or {}).get("commitment_id")
        if cid is None or commitments.get(get_db(), cid) is None:
            return []  # the page is a 404: it follows nothing
        links = [
            ("feeds.commitment_feed", {"commitment_id": cid}, gettext("Updates on this promise")),
            (
                "feeds.calendar_commitment",
                {"commitment_id": cid},
                gettext("Calendar of council meetings on this promise"),
            ),
        ]
    elif endpoint in ("records.meetings", "records.meeting"):
        links = [
            ("feeds.agenda_feed", {}, gettext("Upcoming agenda items on the promises")),
            ("feeds.calendar_all", {}, gettext("Calendar of council meetings on the promises")),
        ]
    return [
        {
            "href": url_for(e, **v),
            "title": title,
            "type": "text/calendar" if e.startswith("feeds.calendar") else "application/atom+xml",
        }
        for e, v, title in links
    ]


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"feed_links": alternates() if request else []})
