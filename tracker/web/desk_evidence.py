"""Manual evidence on the desk: a document an editor obtained elsewhere (a records request, a
news story), by link and optionally a file, archived and accepted, with the stance she sets.

The same record function as `python run.py add-evidence` (evidence.add_manual), so both doors
archive, check and audit alike. The stance has no default on purpose: a records request that
found nothing is rarely "for the promise".
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from flask_login import current_user

from .. import desk as desk_mod
from .. import evidence as evidence_mod
from .. import tips as tips_mod
from ..errors import StatusError, TipError
from ..status import today
from .database import get_db, settings
from .desk import editor_required
from .problems import problem

bp = Blueprint("desk_evidence", __name__, url_prefix="/desk/evidence")


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    db = get_db()
    form = request.form
    if request.method == "POST":
        try:
            try:
                day = date.fromisoformat(form.get("date", ""))
            except ValueError:
                raise StatusError("the date must be a day (YYYY-MM-DD)") from None
            if day > today(settings().tz):
                raise StatusError(
                    f"{day.isoformat()} is in the future: evidence cannot be dated ahead"
                )
            data = None
            file = request.files.get("file")
            if file is not None and file.filename:
                try:  # the tip form's checks: a PDF or a Word file by its bytes, size capped
                    data = tips_mod.check_upload(file.read(tips_mod.MAX_UPLOAD_BYTES + 1)).data
                except TipError as exc:
                    raise StatusError(str(exc)) from None
            if not form.get("stance"):
                raise StatusError("say whether it is for the promise, against it, or context")
            note = form.get("note", "").strip()
            if form.get("note_es", "").strip():
                note = f"{note}\n[es] {form['note_es'].strip()}"
            evidence_id = evidence_mod.add_manual(
                db,
                settings(),
                commitment_id=form.get("commitment", ""),
                url=form.get("url", "").strip(),
                day=day,
                note=note,
                who=current_user.display_name,
                stance=form.get("stance", ""),
                title=form.get("title", "").strip() or None,
                data=data,
            )
            db.conn.commit()
        except StatusError as exc:
            flash(problem(exc), "problem")
        else:
            flash(lazy_gettext("Added as evidence %(id)s.", id=evidence_id), "done")
            return redirect(url_for("desk_evidence.new"))
    return render_template(
        "desk/evidence.html", commitments=desk_mod.commitment_choices(db), form=form
    )
