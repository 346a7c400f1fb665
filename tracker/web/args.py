"""Query arguments read strictly: a number is ASCII digits within bounds, or it is not there.

`str.isdigit()` accepts "²", "①" and "٢٠٢٤", which `int()` then refuses or SQLite cannot
bind (anything from 2**63): both were a page 500.
"""

from __future__ import annotations

import re

from flask import request

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
