"""Downloads: the /data page, a CSV of each table, the published SQLite database with its
Datasette metadata, and each commitment's evidence bundle."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, render_template, request, send_file
from flask_babel import format_number, lazy_gettext

from .. import bundle as bundle_mod
from .. import commitments as commitments_mod
from .. import export, opendata, published
from .database import absolute_url, get_db, known_by, local_today, settings
from .public import citations, localized_title, parse_as_of

bp = Blueprint("data", __name__)

TABLE_LABELS = {
    "commitments": lazy_gettext("Promises, with where each stands today"),
    "status_events": lazy_gettext("Status changes (the append-only log)"),
    "evidence": lazy_gettext("Evidence: proposed, accepted and rejected"),
    "meetings": lazy_gettext("Council meetings and their documents"),
    "items": lazy_gettext("Agenda items, with outcomes"),
}


def _conditional(data: bytes, mimetype: str, filename: str | None = None) -> Response:
    response = Response(data, mimetype=mimetype)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data, readable from anywhere
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)


@bp.get("/data")
def downloads():
    db = get_db()
    counts = {name: db[name].count for name in export.EXPORTS}
    return render_template(
        "data.html",
        tables=[(name, TABLE_LABELS[name], counts[name]) for name in export.EXPORTS],
        commitments=[(cid, commitments_mod.get(db, cid)) for cid in opendata.commitment_ids(db)],
        public_tables=published.TABLES,
        format_number=format_number,
    )


@bp.get("/data/<table>.csv")
def table_csv(table: str):
    if table not in export.EXPORTS:
        abort(404)
    rows = export.rows(get_db(), table, local_today())
    return _conditional(export.csv_text(table, rows).encode(), "text/csv", f"{table}.csv")


@bp.get("/data/tracker.db")
def database():
    config = settings()
    path = published.current_copy(config.db_path, config.data_dir / "published")
    response = send_file(
        path,
        mimetype="application/vnd.sqlite3",
        as_attachment=True,
        download_name=published.NAME,
        conditional=True,
        etag=True,
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/data/metadata.json")
def metadata():
    config = settings()
    text = published.metadata_text(config.place.site_name.en, config.base_url)
    return _conditional(text.encode(), "application/json")


@bp.get("/commitments/<commitment_id>/evidence.zip")
def evidence_bundle(commitment_id: str):
    db = get_db()
    row = commitments_mod.get(db, commitment_id)
    if row is None:
        abort(404)
    as_of = parse_as_of(request.args.get("as_of"))
    day = as_of or local_today()
    content = bundle_mod.manifest(db, settings().archive_dir, commitment_id, as_of, known_by(as_of))
    permalink = absolute_url(
        "public.commitment_as_of", commitment_id=commitment_id, day=day.isoformat()
    )
    cites = citations(localized_title(row), day, permalink)
    data = bundle_mod.bundle_zip(content, settings().archive_dir, day, cites, permalink)
    name = f"{commitment_id}-evidence-{day.isoformat()}.zip"
    return _conditional(data, "application/zip", name)
