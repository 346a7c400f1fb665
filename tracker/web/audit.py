"""The public audit log: who (display name or role), what and when, for every decision."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext

from ..desk import audit_log
from .about import timestamp
from .args import int_arg
from .database import get_db

bp = Blueprint("audit", __name__)
PER_PAGE = 100

ACTION_LABELS = {
    "review:accepted": lazy_gettext("Accepted evidence"),
    "review:rejected": lazy_gettext("Rejected a candidate"),
    "evidence:add": lazy_gettext("Added evidence"),
    "unassigned:attached": lazy_gettext("Attached an unassigned item to a promise"),
    "unassigned:dismissed": lazy_gettext("Dismissed an unassigned item"),
    "status:publish": lazy_gettext("Published a status"),
    "status:propose": lazy_gettext("Proposed a status"),
    "status:approve": lazy_gettext("Approved a proposed status"),
    "status:retract": lazy_gettext("Retracted a status"),
    "tip:accepted": lazy_gettext("Accepted a reader's tip"),
    "tip:rejected": lazy_gettext("Declined a reader's tip"),
}


@bp.get("/audit")
def audit():
    page = int_arg("page", low=1) or 1
    rows = audit_log(get_db(), limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    return render_template(
        "audit.html",
        rows=rows[:PER_PAGE],
        page=page,
        more=len(rows) > PER_PAGE,
        ACTION_LABELS=ACTION_LABELS,
        timestamp=timestamp,
    )
