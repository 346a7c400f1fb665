"""Council records: meetings, a meeting's items and votes, archived documents, search."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("records", __name__)
