"""About the data: methodology, corrections log, source health."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("about", __name__)
