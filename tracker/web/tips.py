"""Readers' tips: the public form (both languages) and the desk's page where editors decide.

The form is a door for anyone, so it carries a CSRF token (app-wide), a honeypot field that
people never see, a per-address rate limit and a size cap on uploads (MAX_CONTENT_LENGTH, so
an oversized body is refused before it is read). Nothing a reader sends is shown publicly until
an editor accepts it as evidence.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import lazy_gettext
from flask_login import current_user

from .. import desk as desk_mod
from .. import desk_db
from .. import tips as tips_mod
from ..archive import blob_path
from ..errors import StatusError, TipError
from .about import timestamp
from .database import get_db, settings
from .desk import editor_required
from .problems import problem

bp = Blueprint("tips", __name__)
desk_bp = Blueprint("desk_tips", __name__, url_prefix="/desk/tips")
HONEYPOT = "website"  # hidden from people by the stylesheet; bots fill every field in
# The whole request may be this much larger than the upload (the form's other fields).
FORM_OVERHEAD = 256 * 1024

# What a reader is told, by problem; TipError messages are for logs and the command line.
READER_MESSAGES = {
    "rate": lazy_gettext("You have sent several tips in the last hour. Please try again later."),
    "source": lazy_gettext("Give a link to the document or upload it."),
    "text": lazy_gettext("Quote the passage and say what it shows."),
    "long": lazy_gettext("Please keep each text under 5,000 characters."),
    "url": lazy_gettext("The link must be a web address starting with http:// or https://."),
    "file": lazy_gettext("Only a PDF or a Word (.docx) document of up to 10 MB can be uploaded."),
}


def _reader_message(exc: TipError) -> str:
    text = str(exc)
    for key, needle in (
        ("rate", "too many"),
        ("source", "give a link"),
        ("text", "quote the passage"),
        ("long", "characters"),
        ("url", "the link"),
    ):
        if needle in text:
            return str(READER_MESSAGES[key])
    return str(READER_MESSAGES["file"])


def tips_conn():
    if "tips_conn" not in g:
        g.tips_conn = tips_mod.connect(desk_db.connect(settings().desk_db_path))
    return g.tips_conn


def _close(_exc=None) -> None:
    conn = g.pop("tips_conn", None)
    if conn is not None:
        conn.close()


def init_app(app) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = tips_mod.MAX_UPLOAD_BYTES + FORM_OVERHEAD
    app.teardown_appcontext(_close)
    app.register_blueprint(bp)
    app.register_blueprint(desk_bp)

    @app.errorhandler(413)
    def _too_large(_exc):
        return render_template("error.html", code=413), 413


# --- the public form ------------------------------------------------------------------------


def _form_page(status: int = 200, error: str | None = None):
    return (
        render_template(
            "tips.html",
            commitments=desk_mod.commitment_choices(get_db()),
            error=error,
            form=request.form,
            honeypot=HONEYPOT,
        ),
        status,
    )


@bp.get("/tips")
def new():
    return _form_page()


@bp.post("/tips")
def send():
    form = request.form
    conn = tips_conn()
    address = request.remote_addr or ""
    if form.get(HONEYPOT):
        # Looks like success to the bot, keeps nothing, and still counts toward the limit.
        tips_mod.record_attempt(conn, address)
        return render_template("tips_thanks.html")
    try:
        upload = None
        file = request.files.get("upload")
        if file is not None and file.filename:
            upload = tips_mod.check_upload(file.read(tips_mod.MAX_UPLOAD_BYTES + 1))
        commitment = form.get("commitment") or None
        if commitment and commitment not in {
            c["id"] for c in desk_mod.commitment_choices(get_db())
        }:
            commitment = None
        tips_mod.submit(
            conn,
            settings(),
            address=address,
            lang=request.environ.get("tracker.lang", "en"),
            url=form.get("url", "")[: tips_mod.MAX_URL + 1],
            passage=form.get("passage", ""),
            shows=form.get("shows", ""),
            contact=form.get("contact", ""),
            commitment_id=commitment,
            upload=upload,
        )
    except TipError as exc:
        status = 429 if tips_mod.rate_limited(conn, address) else 400
        return _form_page(status, _reader_message(exc))
    return render_template("tips_thanks.html")


# --- the desk: editors decide ---------------------------------------------------------------


@desk_bp.after_request
def _private(response):
    # A tip and its sender's contact are for the editors' eyes: never kept by a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@desk_bp.get("/")
@editor_required
def queue():
    return render_template(
        "desk/tips.html",
        tips=tips_mod.pending(tips_conn()),
        commitments=desk_mod.commitment_choices(get_db()),
        kinds=tips_mod.UPLOAD_KINDS,
        timestamp=timestamp,
        LANGUAGES={"en": lazy_gettext("English"), "es": lazy_gettext("Spanish")},
    )


@desk_bp.get("/<int:tip_id>/upload")
@editor_required
def upload(tip_id: int):
    try:
        tip = tips_mod.get(tips_conn(), tip_id)
    except StatusError:
        abort(404)
    if not tip["upload_sha256"]:
        abort(404)
    path = blob_path(settings().archive_dir, tip["upload_sha256"])
    if not path.is_file():
        abort(404)
    mimetype, extension = tips_mod.UPLOAD_KINDS[tip["upload_kind"]]
    # An attachment with our own recorded type, never sniffed, never run on our origin.
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=f"tip-{tip_id}{extension}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@desk_bp.post("/<int:tip_id>/decide")
@editor_required
def decide(tip_id: int):
    form = request.form
    db = get_db()
    conn = tips_conn()
    try:
        if form.get("decision") == "accept":
            try:
                day = date.fromisoformat(form.get("date", ""))
            except ValueError:
                raise StatusError("the date must be a day (YYYY-MM-DD)") from None
            evidence_id = tips_mod.accept(
                conn,
                db,
                settings(),
                tip_id,
                who=current_user.display_name,
                commitment_id=form.get("commitment", ""),
                stance=form.get("stance", ""),
                day=day,
                note=form.get("note", ""),
                note_es=form.get("note_es", ""),
            )
            flash(lazy_gettext("Accepted as evidence %(id)s.", id=evidence_id), "done")
        elif form.get("decision") == "decline":
            tips_mod.decline(conn, db, tip_id, who=current_user.display_name,
                             note=form.get("note", ""))  # fmt: skip
            flash(lazy_gettext("Declined."), "done")
        else:
            abort(400, "decision: accept or decline")
    except StatusError as exc:
        flash(problem(exc), "problem")
    return redirect(url_for("desk_tips.queue"))


def pending_count() -> int:
    """For the desk's navigation: how many tips wait."""
    return tips_mod.pending_count(tips_conn())
