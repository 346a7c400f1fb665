"""The unit of evidence: an agenda item read with its minutes record, or a minutes record alone.

Pure helpers (no database): the stable identity a unit keeps across re-processing, rule changes
and revised agendas, and the passages shown to people, cut at sentence boundaries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum

PASSAGE_MAX = 400  # characters of a passage shown for each side (agenda, minutes)


class UnitKind(StrEnum):
    """Where a matcher's candidate was read (its label is built from this at render time)."""

    ITEM = "item"  # an agenda item, with its minutes record when one is linked
    MINUTES = "minutes"  # a minutes record no agenda item is linked to
    PRESS = "press"  # a page of a press release


def _digest(text: str) -> str:
    # Case and spacing differ between two extractions of the same words; the words do not.
    flat = " ".join(text.casefold().split())
    return hashlib.sha256(flat.encode()).hexdigest()[:16]


def item_keys(meeting_id: str, texts: Iterable[str]) -> list[str]:
    """Stable keys of a meeting's agenda items, in order: the item's words, not its row id or
    number, so a revised agenda's identical item is the same unit (a second identical item in
    one agenda gets its ordinal)."""
    seen: dict[str, int] = {}
    keys = []
    for text in texts:
        digest = _digest(text)
        seen[digest] = seen.get(digest, 0) + 1
        suffix = f"-{seen[digest]}" if seen[digest] > 1 else ""
        keys.append(f"{UnitKind.ITEM}:{meeting_id}:{digest}{suffix}")
    return keys


def record_keys(meeting_id: str, texts: Iterable[str]) -> list[str]:
    """Stable keys of a meeting's minutes records with no agenda item, by their words."""
    return [
        k.replace(f"{UnitKind.ITEM}:", f"{UnitKind.MINUTES}:", 1)
        for k in item_keys(meeting_id, texts)
    ]


def press_key(document_sha256: str, page: int) -> str:
    return f"{UnitKind.PRESS}:{document_sha256}:{page}"


def unit_kind(key: str) -> UnitKind:
    return UnitKind(key.split(":", 1)[0])


_SENTENCE_END = re.compile(r"[.!?;](?=[\"'\u201d\u2019)\]]*\s)[\"'\u201d\u2019)\]]*\s+")
_ABBREVIATIONS = frozenset(
    "no nos mr mrs ms dr inc st jr sr co corp llc ltd u.s sec gen ave blvd vs etc".split()
)
_TALLY = re.compile(
    r"^\s*(?:Ayes|Yeas|Nays|Noes|Abstaining|Abstain(?:ed)?|Absent|Not\s+Voting|Recused)\s*:.*$",
    re.I | re.M,
)
# The headings that open a minutes record say which matter it is (its number is stored apart);
# they are not part of the passage a reader is quoted.
_HEADINGS = re.compile(
    r"^[ \t]*(?:(?:CONSENT|ADDENDUM|WITHDRAWN|DEFERRED)[ \t]+)*ITEM[ \t]+\d{1,3}\.?[ \t]*$"
    r"|^[ \t]*(?:RESOLUTION|ORDINANCE)[ \t]+NO\.?[ \t]*\d{1,4}-\d{2,4}[ \t]*$"
    r"|^[ \t]*\(Items?[ \t]+(?:Nos?\.?[ \t]*)?\d{1,3}\)[ \t]*$",
    re.M,
)
ELLIPSIS = "\u2026"


def _sentences(flat: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(flat):
        word = re.search(r"([\w.]+)[.!?;]$", flat[max(0, m.start() - 12) : m.start() + 1])
        token = word.group(1).lower().rstrip(".") if word else ""
        if token in _ABBREVIATIONS or len(token) == 1:
            continue  # "No. 1247-20", "U.S. Department", "William A. Bell"
        spans.append((start, m.start() + 1))
        start = m.end()
    if start < len(flat):
        spans.append((start, len(flat)))
    return [(s, e) for s, e in spans if flat[s:e].strip()]


def excerpt(text: str, terms: Iterable[str] = (), limit: int = PASSAGE_MAX) -> str:
    """The sentences of `text` around the first of `terms` it contains (else its opening), at
    most `limit` characters, an ellipsis where text was left out; no roll-call tally lines."""
    flat = " ".join(_HEADINGS.sub(" ", _TALLY.sub(" ", text or "")).split())
    if not flat:
        return ""
    lower = flat.casefold()
    found = [p for t in terms if t and (p := lower.find(" ".join(t.casefold().split()))) >= 0]
    anchor = min(found) if found else 0
    spans = _sentences(flat)
    i = next((n for n, (s, e) in enumerate(spans) if s <= anchor < e), 0)
    s, e = spans[i]
    if e - s > limit:  # one long sentence: words around the anchor
        s = max(s, min(anchor - limit // 3, e - limit))
        e = min(e, s + limit)
        if s > 0 and not flat[s - 1].isspace():
            s = flat.find(" ", s) + 1 or s
        if e < len(flat) and not flat[e].isspace():
            e = flat.rfind(" ", s, e) if flat.rfind(" ", s, e) > s else e
    else:
        j = i
        while True:  # grow by whole sentences, forward first
            if j + 1 < len(spans) and spans[j + 1][1] - s <= limit:
                j += 1
                e = spans[j][1]
            elif i > 0 and e - spans[i - 1][0] <= limit:
                i -= 1
                s = spans[i][0]
            else:
                break
    body = flat[s:e].strip()
    return f"{ELLIPSIS} " * (s > 0) + body + f" {ELLIPSIS}" * (e < len(flat))
