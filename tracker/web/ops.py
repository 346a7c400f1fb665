"""Machine-facing endpoints: /health for uptime monitors."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from ..health import health as health_report
from .database import get_db

bp = Blueprint("ops", __name__)


@bp.get("/health")
def health():
    report = health_report(get_db(), current_app.config["SETTINGS"])
    response = jsonify(report)
    response.status_code = 503 if report["status"] == "stale" else 200
    response.headers["Cache-Control"] = "no-store"
    return response
