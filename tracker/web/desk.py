"""The editors' desk: login, the review queue, status changes, retractions, accounts.

Every route but the login page needs a signed-in editor (the accounts page an admin); every
POST carries a CSRF token (Flask-WTF, app-wide). Decisions are published under the editor's
display name, never the login.
"""

from __future__ import annotations

from datetime import date
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from .. import desk as desk_mod
from .. import desk_db, topics
from .. import evidence as evidence_mod
from ..errors import DeskError, StatusError
from ..vocab import EDITOR_STATUSES, Reason, ReviewState, Stance
from .args import strict_int
from .database import get_db, local_today, settings
from .problems import problem

bp = Blueprint("desk", __name__, url_prefix="/desk")
login_manager = LoginManager()
login_manager.login_view = "desk.login"
login_manager.login_message = lazy_gettext("Please sign in to use the editors' desk.")


class DeskUser(UserMixin):
    def __init__(self, user: desk_db.User) -> None:
        self.user = user

    def get_id(self) -> str:
        # A new password, or disabling the account, changes this: old sessions stop working.
        return f"{self.user.name}|{self.user.password_changed_at}"

    @property
    def display_name(self) -> str:
        return self.user.display_name

    @property
    def is_admin(self) -> bool:
        return self.user.is_admin


def desk_conn():
    if "desk_conn" not in g:
        g.desk_conn = desk_db.connect(settings().desk_db_path)
    return g.desk_conn


def _close(_exc=None) -> None:
    conn = g.pop("desk_conn", None)
    if conn is not None:
        conn.close()


@login_manager.user_loader
def _load(session_id: str) -> DeskUser | None:
    name, _, changed = session_id.partition("|")
    user = desk_db.get_user(desk_conn(), name)
    if user is None or user.disabled or user.password_changed_at != changed:
        return None
    return DeskUser(user)


def init_app(app) -> None:
    s = app.config["SETTINGS"]
    from datetime import timedelta

    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=s.https,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=s.session_hours),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=s.https,
    )
    if s.trusted_proxies:
        # Behind a reverse proxy every request comes from the proxy: without this, the
        # per-address limits (sign-ins, tips) would be one limit shared by everyone.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=s.trusted_proxies)  # type: ignore[method-assign]
    login_manager.init_app(app)
    app.teardown_appcontext(_close)
    app.register_blueprint(bp)


def editor_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.after_request
def _private(response):
    # Desk pages are one editor's: never stored by a browser cache or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (another host, //, \\) is the queue."""
    fallback = url_for("desk.queue")
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    return target


# --- login ----------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        name = request.form.get("name", "")[:100]
        password = request.form.get("password", "")[:1000]
        try:
            user = desk_db.authenticate(desk_conn(), name, password, request.remote_addr or "")
        except DeskError:
            error, status = lazy_gettext("Too many failed sign-ins: wait 15 minutes."), 429
        else:
            if user is None:
                error, status = lazy_gettext("Wrong name or password."), 401
            else:
                session.clear()  # a fresh session: nothing set before login survives it
                session.permanent = True
                login_user(DeskUser(user))
                return redirect(safe_next(request.args.get("next")))
    return render_template("desk/login.html", error=error), status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("public.overview"))


# --- the review queue -----------------------------------------------------------------------


@bp.get("/")
@editor_required
def queue():
    db = get_db()
    commitment = request.args.get("commitment") or None
    meeting = request.args.get("meeting") or None
    stance = request.args.get("stance") or None
    if stance and stance not in tuple(Stance):
        stance = None
    try:
        rows, total = desk_mod.queue(
            db, commitment_id=commitment, meeting_id=meeting, stance=stance, day=local_today()
        )
    except StatusError:
        abort(404)
    return render_template(
        "desk/queue.html",
        rows=rows,
        total=total,
        commitments=desk_mod.commitment_choices(db),
        meetings=desk_mod.queue_meetings(db),
        commitment=commitment,
        meeting=meeting,
        stance=stance,
    )


def _write_db():
    # The request's connection is a read connection opened without migrating; writes use it
    # too (SQLite has one writer at a time, and the busy timeout waits for it).
    return get_db()


@bp.post("/evidence/<int:evidence_id>/review")
@editor_required
def review(evidence_id: int):
    form = request.form
    decision = {"accept": ReviewState.ACCEPTED, "reject": ReviewState.REJECTED}.get(
        form.get("decision", "")
    )
    if decision is None:
        abort(400, "decision: accept or reject")
    note = form.get("note", "").strip()
    note_es = form.get("note_es", "").strip()
    if note_es:
        note = f"{note}\n[es] {note_es}"
    stance = form.get("stance") or None
    commitment = form.get("commitment") or None
    db = _write_db()
    try:
        row = evidence_mod.get(db, evidence_id)
        if commitment and commitment != row["commitment_id"]:
            attach = getattr(evidence_mod, "attach", None)  # the unassigned queue (Evidence v2)
            if attach is None:
                raise StatusError("attaching to another promise needs the unassigned queue")
            attach(db, evidence_id, commitment, stance, current_user.display_name, note)
        else:
            evidence_mod.review(
                db, evidence_id, decision, who=current_user.display_name, note=note, stance=stance
            )
        db.conn.commit()
    except StatusError as exc:
        flash(problem(exc), "problem")
    else:
        flash(lazy_gettext("Saved."), "done")
    return redirect(url_for("desk.queue", **_filters(form)))


def _filters(form) -> dict:
    return {k: form[k] for k in ("commitment_filter", "meeting", "stance_filter") if form.get(k)}


@bp.post("/reject-many")
@editor_required
def reject_many():
    ids = [n for v in request.form.getlist("evidence") if (n := strict_int(v, 1))]
    note = request.form.get("note", "").strip()
    db = _write_db()
    try:
        if not ids:
            raise StatusError("tick the candidates to reject first")
        count = desk_mod.reject_many(db, ids, who=current_user.display_name, note=note)
        db.conn.commit()
    except StatusError as exc:
        flash(problem(exc), "problem")
    else:
        flash(lazy_gettext("%(n)s rejected.", n=count), "done")
    return redirect(url_for("desk.queue"))


# --- status changes -------------------------------------------------------------------------


@bp.route("/status", methods=["GET", "POST"])
@editor_required
def status():
    db = get_db()
    two_editors = settings().two_editor_rule
    if request.method == "POST":
        form = request.form
        try:
            day = date.fromisoformat(form.get("date", ""))
        except ValueError:
            flash(lazy_gettext("The date must be a day (YYYY-MM-DD)."), "problem")
            return redirect(url_for("desk.status"))
        evidence_ids = [
            n for v in form.get("evidence", "").replace(",", " ").split() if (n := strict_int(v, 1))
        ]
        args = dict(
            commitment_id=form.get("commitment", ""),
            status=form.get("status", ""),
            day=day,
            note=form.get("note", ""),
            note_es=form.get("note_es") or None,
            reason=form.get("reason") or None,
            evidence_ids=evidence_ids,
            who=current_user.display_name,
        )
        try:
            if two_editors:
                desk_mod.propose_status(db, settings().tz, **args)
            else:
                desk_mod.publish_status(db, settings().tz, **args)
            db.conn.commit()
        except StatusError as exc:
            flash(problem(exc), "problem")
        else:
            flash(
                lazy_gettext("Proposed: another editor must approve it.")
                if two_editors
                else lazy_gettext("Published."),
                "done",
            )
        return redirect(url_for("desk.status"))
    return render_template(
        "desk/status.html",
        commitments=desk_mod.commitment_choices(db),
        statuses=EDITOR_STATUSES,
        reasons=tuple(Reason),
        proposals=desk_mod.pending_proposals(db),
        events=desk_mod.recent_events(db),
        two_editors=two_editors,
    )


@bp.post("/proposals/<int:proposal_id>/approve")
@editor_required
def approve(proposal_id: int):
    db = get_db()
    try:
        desk_mod.approve_proposal(db, settings().tz, proposal_id, who=current_user.display_name)
        db.conn.commit()
    except StatusError as exc:
        flash(problem(exc), "problem")
    else:
        flash(lazy_gettext("Published."), "done")
    return redirect(url_for("desk.status"))


@bp.post("/events/<int:event_id>/retract")
@editor_required
def retract(event_id: int):
    db = get_db()
    try:
        desk_mod.retract_event(
            db,
            event_id,
            who=current_user.display_name,
            note=request.form.get("note", ""),
            note_es=request.form.get("note_es") or None,
        )
        db.conn.commit()
    except StatusError as exc:
        flash(problem(exc), "problem")
    else:
        flash(lazy_gettext("Retracted: the correction is on record."), "done")
    return redirect(url_for("desk.status"))


# --- the unassigned queue: items about immigration no promise's rules claim ------------------


@bp.get("/unassigned")
@editor_required
def unassigned():
    rows, total = topics.queue(get_db())
    return render_template(
        "desk/unassigned.html",
        rows=rows,
        total=total,
        commitments=desk_mod.commitment_choices(get_db()),
    )


@bp.post("/unassigned/<int:unassigned_id>")
@editor_required
def decide_unassigned(unassigned_id: int):
    form = request.form
    db = _write_db()
    note = form.get("note", "").strip()
    try:
        if form.get("decision") == "attach":
            topics.attach(
                db,
                unassigned_id,
                form.get("commitment", ""),
                form.get("stance", ""),
                current_user.display_name,
                note,
            )
        elif form.get("decision") == "dismiss":
            topics.dismiss(db, unassigned_id, current_user.display_name, note)
        else:
            abort(400, "decision: attach or dismiss")
        db.conn.commit()
    except StatusError as exc:
        flash(str(exc), "problem")
    else:
        flash(lazy_gettext("Saved."), "done")
    return redirect(url_for("desk.unassigned"))


# --- accounts (admins) ----------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users():
    return render_template("desk/users.html", users=desk_db.list_users(desk_conn()))
