"""Query arguments read strictly: a number is ASCII digits within bounds, or it is not there;
a day (?as_of=) is a real date, not in the future, or the page answers 400.

`str.isdigit()` accepts "²", "①" and "٢٠٢٤", which `int()` then refuses or SQLite cannot
bind (anything from 2**63): both were a page 500.
"""

from __future__ import annotations

import re
from datetime import date

from flask import abort, request
from flask_babel import gettext

from .database import local_today

_DIGITS = re.compile(r"[0-9]{1,19}")
SQLITE_MAX_INT = 2**63 - 1


def strict_int(raw: str | None, low: int = 0, high: int = SQLITE_MAX_INT) -> int | None:
    """`raw` as a whole number from `low` to `high`, or None."""
    if raw is None or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def int_arg(name: str, low: int = 0, high: int = SQLITE_MAX_INT) -> int | None:
    """The request's ?name= as a bounded whole number; None when absent or not one."""
    return strict_int(request.args.get(name), low, high)


def parse_as_of(raw: str | None) -> date | None:
    """A ?as_of=YYYY-MM-DD date, or None; a bad date or a future one is a 400 with a reason."""
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        abort(400, gettext("The date %(raw)s is not a date like 2019-06-01.", raw=raw))
    if value > local_today():
        abort(400, gettext("The date %(raw)s is in the future.", raw=raw))
    return value
