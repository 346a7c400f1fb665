"""Placeholder."""

from flask import Blueprint

bp = Blueprint("data", __name__)
