"""Email alerts on the web: subscribe (rate-limited, CSRF), confirm (double opt-in) and
unsubscribe (one click, RFC 8058); and the page listing every feed and calendar.

Confirming and unsubscribing take a POST, never a GET: mail scanners open every link in a
message, and must not subscribe or unsubscribe anybody by doing so. The one-click POST comes
from the reader's mail provider, with no session, so it is exempt from CSRF: the unguessable
token in its URL is what authorises it.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext

from .. import subscribers as subs
from ..activity import newest_status_event
from ..alerts import queue_confirmation
from ..catalog import commitment_titles
from ..errors import AlertError, Throttled
from ..outbox import deliver_soon
from .database import get_db, settings

bp = Blueprint("alerts", __name__)


def _conn():
    return subs.connect(settings().alerts_db_path)


def _lang() -> str:
    return request.environ.get("tracker.lang", "en")


@bp.get("/alerts")
def follow():
    """Feeds, calendars and the subscription form."""
    return _form()


def _form(error: str | None = None, status: int = 200, values: dict | None = None):
    return (
        render_template(
            "alerts.html",
            enabled=bool(settings().smtp_url),
            commitments=commitment_titles(get_db()),
            error=error,
            values=values or {"lang": _lang(), "scope": "all", "commitments": []},
        ),
        status,
    )


@bp.post("/alerts")
def subscribe():
    if not settings().smtp_url:
        abort(404)
    form = request.form
    scope = form.get("scope", "all")
    known = {c["id"] for c in commitment_titles(get_db())}
    chosen = [c for c in form.getlist("commitments") if c in known]
    values = {
        "lang": form.get("lang") if form.get("lang") in subs.LANGS else _lang(),
        "scope": scope,
        "commitments": chosen,
        "email": form.get("email", ""),
    }
    if scope == "some" and not chosen:
        return _form(gettext("Choose at least one promise, or all of them."), 400, values)
    conn = _conn()
    try:
        sub = subs.subscribe(
            conn,
            form.get("email", ""),
            values["lang"],
            chosen if scope == "some" else None,
            request.remote_addr or "",
        )
        outbox_id = queue_confirmation(conn, settings(), sub)
        if outbox_id is not None:
            deliver_soon(conn, settings(), outbox_id)
    except Throttled:
        return _form(
            gettext("Too many requests from here lately: try again in an hour."), 429, values
        )
    except AlertError:
        return _form(gettext("That does not look like an email address."), 400, values)
    finally:
        conn.close()
    return render_template("alerts_done.html", outcome="check-inbox")


def _token_page(token: str, action: str):
    conn = _conn()
    try:
        sub = subs.by_token(conn, token)
    finally:
        conn.close()
    if sub is None:
        abort(404)
    return render_template("alerts_done.html", outcome=f"ask-{action}", token=token)


@bp.get("/alerts/confirm/<token>")
def confirm_page(token: str):
    return _token_page(token, "confirm")


@bp.post("/alerts/confirm/<token>")
def confirm(token: str):
    conn = _conn()
    try:
        sub = subs.confirm(conn, token, newest_status_event(get_db()))
    finally:
        conn.close()
    if sub is None:
        abort(404)
    return render_template("alerts_done.html", outcome="confirmed", sub=sub)


@bp.get("/alerts/unsubscribe/<token>")
def unsubscribe_page(token: str):
    return _token_page(token, "unsubscribe")


@bp.post("/alerts/unsubscribe/<token>")
def unsubscribe(token: str):
    conn = _conn()
    try:
        sub = subs.unsubscribe(conn, token)
    finally:
        conn.close()
    if sub is None:
        abort(404)
    return render_template("alerts_done.html", outcome="unsubscribed")


def init_app(app, csrf) -> None:
    app.register_blueprint(bp)
    csrf.exempt(unsubscribe)
