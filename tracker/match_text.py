"""`python run.py match-text`: the matcher over JSON Lines, for rule authors and anyone checking
it on their own texts. Pure apart from the streams it is given; no database.

Input: one JSON object a line, {"id": ..., "text": "..."}; blank lines are skipped.
Output: one JSON line per input line, in order,
{"id", "proposals": [{"commitment_id", "stance", "score", "confidence", "why"}]}, the same
proposals a match would store: the rules' candidates, or when none the relevance model's own
candidate (tracker.topics.Screener.candidate). A text that would wait in the unassigned queue
instead also gets "unassigned": {"reason", "words", "suggested", "confidence"}.
A line that is not such an object gets {"id", "error"} in the output (so nothing after it is
lost and line N of the output still answers line N of the input) and is counted as bad.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from .matching import Candidate, Matcher
from .topics import Entry, Screener


def proposal(cand: Candidate) -> dict:
    """A candidate as match-text prints it: `why` is the rule lines, in words."""
    return {
        "commitment_id": cand.commitment_id,
        "stance": cand.stance,
        "score": cand.score,
        "confidence": cand.confidence,
        "why": cand.rules,
    }


def queued(entry: Entry) -> dict:
    """A queue entry as match-text prints it: why it waits there and the promises offered."""
    return {
        "reason": entry.reason,
        "words": list(entry.words),
        "suggested": [s.commitment_id for s in entry.suggested],
        "confidence": entry.confidence,
    }


def _read(line: str, number: int) -> tuple[object, str]:
    """(id, text) of one input line, or ValueError saying what is wrong with it."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"line {number}: not a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError(f'line {number}: "text" must be a string')
    return obj.get("id", number), text


def match_lines(
    matcher: Matcher, screener: Screener, lines: Iterable[str], out: TextIO
) -> tuple[int, list[str]]:
    """Match every line, writing one JSON line each; returns (lines read, errors)."""
    count, errors = 0, []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        count += 1
        try:
            ident, text = _read(line, number)
        except ValueError as exc:
            errors.append(str(exc))
            out.write(json.dumps({"id": None, "line": number, "error": str(exc)}) + "\n")
            continue
        found, entry = screener.second_look(text, matcher.match(text))
        row = {"id": ident, "proposals": [proposal(c) for c in found]}
        if entry:
            row["unassigned"] = queued(entry)
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return count, errors
