"""Agenda parser: the page texts of a council agenda in, numbered agenda items out.

Pure functions of text, no I/O. The layout is SOURCES.md §4: items numbered in one sequence
through the agenda, a marker before each number (CONSENT, P, (ph), ADDENDUM …), section headings
in capitals, and a running line (`Agenda – May 19, 2026   2`) on every page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "Agenda",
    "AgendaItem",
    "PagedText",
    "item_outcome_from_agenda",
    "parse_agenda",
    "parse_date",
]

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = re.compile(rf"\b(?P<month>{MONTH})\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}})\b", re.I)
# Extraction gives no-break and thin spaces as often as plain ones.
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
_DASH = "[-\u2013\u2014]"

_RUNNING_LINE = re.compile(
    rf"^\s*(?:\d{{1,3}}\s+)?Agenda\s*{_DASH}\s*{MONTH}\s+\d{{1,2}},?\s*\d{{4}}"
    rf"(?:\s+(?:Page\s+)?\d{{1,3}})?\s*$",
    re.I,
)
_HEADER_DATE = re.compile(
    rf"{_DATE.pattern}\s*(?:{_DASH}|at)?\s*(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})\s*"
    r"(?P<ampm>[AP])\.?\s*M\b\.?",
    re.I,
)
_MINUTES_NOT_READY = re.compile(r"^[ \t]*MINUTES\s+NOT\s+READY\s*:?(?P<rest>.*)$", re.M)

_STATUS = r"WITHDRAWN|DEFERRED|POSTPONED"
_TOKEN = rf"ADDENDUM|UNANIMOUS\s+CONSENT\s+ORDINANCE|CONSENT|P(?=[\s(])|\(\s*(?i:ph)\s*\)|{_STATUS}"
# A marker starts an item only at the start of a line, and only in capitals with "N." after
# ITEM, so "as described in Item 4 of the contract" inside a paragraph never starts one.
_MARKER = re.compile(
    rf"^[ \t]*(?P<tokens>(?:(?:{_TOKEN})\s*){{0,5}}?)ITEM\s+(?P<number>\d{{1,3}})\s*\.", re.M
)
_BARE_UNANIMOUS = re.compile(
    rf"^[ \t]*(?P<tokens>(?:(?:ADDENDUM|{_STATUS})\s+){{0,3}}UNANIMOUS\s+CONSENT\s+ORDINANCE)"
    r"(?:\s+(?P<number>\d{1,3})\s*\.)?",
    re.M,
)
_TRAILING_STATUS = re.compile(
    rf"\s*(?:{_DASH}\s*)?(?:\(\s*)?(?:REQUESTED\s+TO\s+BE\s+)?(?P<status>{_STATUS})\b(?:\s*\))?"
)
_TOKEN_SPLIT = re.compile(rf"UNANIMOUS\s+CONSENT\s+ORDINANCE|\(\s*ph\s*\)|{_STATUS}|[A-Z]+", re.I)

_HEADING_STARTS = (
    "ADJOURNMENT",
    "APPROVAL OF",
    "AUDIT",
    "COMMITTEE REPORTS?",
    "COMMUNICATIONS? FROM",
    "CONSENT AGENDA",
    "CONSIDERATION OF",
    "EXECUTIVE SESSION",
    "INTRODUCTION AND FIRST READING",
    "INVOCATION",
    "MINUTES NOT READY",
    "MOTION TO ADJOURN",
    "NEW BUSINESS",
    "NOMINATIONS? TO",
    "OLD AND NEW BUSINESS",
    "OLD BUSINESS",
    "PLEDGE OF ALLEGIANCE",
    "PRESENTATIONS?",
    "PUBLIC HEARINGS?",
    "RECESS",
    "RECOGNITIONS?",
    "REQUESTS? FROM THE PUBLIC",
    "ROLL CALL",
    "STATEMENTS?",
)
# A heading is a whole line in capitals; a few carry a mixed-case tail after a colon.
_HEADING = re.compile(
    rf"^[ \t]*(?P<title>(?:{'|'.join(_HEADING_STARTS)})\b[A-Z ,'&/()\-]*?)[ \t]*(?::.*)?$", re.M
)

_SPONSOR = re.compile(r"\(\s*Submitted\s+(?:and\s+Recommended\s+)?by\s+(?P<who>[^()]+?)\s*\)", re.I)
_RECOMMENDATION = re.compile(
    r"\(\s*(?:Submitted\s+and\s+)?(?P<rec>(?:Conditional\s+)?Recommend(?:ed|ation)\s+by\s+[^()]+?)"
    r"\s*\)",
    re.I,
)
_FUNDING = re.compile(r"\[\s*Funding\s+Source\s*:\s*(?P<src>[^\]]*?)\s*\]", re.I)
_AMOUNT_CHANGE = re.compile(r"AMOUNT\s+CHANGE\s*:?\s*\$\s?[\d,]+(?:\.\d{2})?|\(\s*(?i:change)\s*\)")
_HISTORY = re.compile(
    r"\(\s*(?:Deferred|Postponed|Continued|Tabled|Referred|Withdrawn|Held\s+over)\b[^()]*\)", re.I
)
_FIRST_READING = re.compile(r"\[\s*First\s+Reading\s*\]", re.I)


@dataclass(frozen=True)
class PagedText:
    """Pages joined into one text, so a pattern can span a page break, with page lookup."""

    text: str
    starts: tuple[int, ...]

    @classmethod
    def from_pages(cls, pages: list[str], is_noise: Callable[[str], bool]) -> PagedText:
        """Join pages, dropping lines for which `is_noise` is true (running headers)."""
        chunks: list[str] = []
        starts: list[int] = []
        offset = 0
        for page in pages:
            page = _ODD_SPACES.sub(" ", page.replace("\r\n", "\n").replace("\r", "\n"))
            kept = "\n".join(line for line in page.split("\n") if not is_noise(line))
            starts.append(offset)
            chunks.append(kept)
            offset += len(kept) + 1
        return cls("\n".join(chunks), tuple(starts))

    def page_at(self, offset: int) -> int:
        """The 1-based page holding `offset`."""
        return max(1, bisect_right(self.starts, offset))


@dataclass(frozen=True, kw_only=True)
class AgendaItem:
    """One numbered item of an agenda, with the flags its marker carries."""

    number: int
    marker: str
    consent: bool = False
    public_hearing: bool = False
    permanent: bool = False
    addendum: bool = False
    withdrawn: bool = False
    deferred: bool = False
    first_reading: bool = False
    unanimous_consent: bool = False
    text: str
    sponsor: str | None = None
    recommendation: str | None = None
    funding_source: str | None = None
    amount_change: str | None = None
    history: list[str] = field(default_factory=list)
    page: int
    section: str | None = None  # the capitals heading the item sits under


@dataclass
class Agenda:
    """A parsed agenda: meeting date and time, items in order, and what looked odd."""

    meeting_date: date | None
    meeting_time: str | None
    items: list[AgendaItem]
    minutes_not_ready: list[str]
    warnings: list[str]


def parse_date(text: str) -> date | None:
    """The first `May 19, 2026`-style date in `text` (any case, optional comma), or None."""
    match = _DATE.search(text)
    return _date_from(match) if match else None


def _date_from(match: re.Match[str]) -> date | None:
    month = _MONTHS.index(match["month"][:3].lower()) + 1
    try:
        return date(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return None


def _is_running_line(line: str) -> bool:
    return bool(_RUNNING_LINE.match(line))


def _normalise(text: str) -> str:
    return " ".join(text.split())


def parse_agenda(pages: list[str]) -> Agenda:
    """Parse the page texts of one agenda. Never raises on odd text: oddities become warnings."""
    doc = PagedText.from_pages(pages, _is_running_line)
    warnings: list[str] = []
    headings = [(m.start(), m.end(), _normalise(m["title"])) for m in _HEADING.finditer(doc.text)]
    markers = _find_markers(doc.text)
    # The header is what comes before the first item: a date in an item's text is not it.
    page_one_end = doc.starts[1] if len(doc.starts) > 1 else len(doc.text)
    header = doc.text[: markers[0][0] if markers else page_one_end]
    meeting_date, meeting_time = _meeting_date_time(header, pages, warnings)
    items: list[AgendaItem] = []
    previous = 0
    for index, marker in enumerate(markers):
        start, body_start, number, tokens, status = marker
        if number is None:
            number = previous + 1
            warnings.append(
                f"unnumbered UNANIMOUS CONSENT ORDINANCE on page {doc.page_at(start)} "
                f"taken as item {number}"
            )
        end = markers[index + 1][0] if index + 1 < len(markers) else len(doc.text)
        section = None
        for h_start, _h_end, title in headings:
            if h_start < start:
                section = title
            elif h_start >= body_start:
                end = min(end, h_start)
                break
        items.append(
            _make_item(
                number, tokens, status, doc.text[body_start:end], doc.page_at(start), section
            )
        )
        previous = number
    warnings.extend(_numbering_warnings(items))
    return Agenda(
        meeting_date=meeting_date,
        meeting_time=meeting_time,
        items=items,
        minutes_not_ready=_minutes_not_ready(doc.text, meeting_date, warnings),
        warnings=warnings,
    )


def item_outcome_from_agenda(item: AgendaItem) -> str | None:
    """The outcome the agenda itself prints ("withdrawn", "deferred"), else None: provisional."""
    if item.withdrawn:
        return "withdrawn"
    if item.deferred:
        return "deferred"
    return None


def _meeting_date_time(
    header: str, pages: list[str], warnings: list[str]
) -> tuple[date | None, str | None]:
    match = _HEADER_DATE.search(header)
    if match:
        hour = int(match["hour"]) % 12 + (12 if match["ampm"].upper() == "P" else 0)
        return _date_from(match), f"{hour:02d}:{int(match['minute']):02d}"
    # No "date - time" header: the running line still names the meeting's date.
    for page in pages:
        for line in page.splitlines():
            if _is_running_line(line) and (found := parse_date(line)):
                warnings.append("no meeting date and time in the header; date from running line")
                return found, None
    warnings.append("no meeting date found")
    return None, None


# (start, body_start, number or None, marker tokens, status words)
_Marker = tuple[int, int, int | None, list[str], set[str]]


def _find_markers(text: str) -> list[_Marker]:
    found: dict[int, _Marker] = {}
    for m in _MARKER.finditer(text):
        tokens = [*_tokens(m["tokens"]), "ITEM"]
        found[m.start()] = _with_trailing_status(text, m, int(m["number"]), tokens)
    for m in _BARE_UNANIMOUS.finditer(text):
        if m.start() not in found:
            tokens = _tokens(m["tokens"])
            number = int(m["number"]) if m["number"] else None
            found[m.start()] = _with_trailing_status(text, m, number, tokens)
    return [found[start] for start in sorted(found)]


def _tokens(printed: str) -> list[str]:
    return [
        "(PH)" if t.startswith("(") else " ".join(t.upper().split())
        for t in _TOKEN_SPLIT.findall(printed)
    ]


def _with_trailing_status(
    text: str, m: re.Match[str], number: int | None, tokens: list[str]
) -> _Marker:
    status = {t for t in tokens if t in ("WITHDRAWN", "DEFERRED", "POSTPONED")}
    body_start = m.end()
    trailing = _TRAILING_STATUS.match(text, body_start)
    if trailing:
        status.add(trailing["status"])
        body_start = trailing.end()
    kept = [t for t in tokens if t not in status]
    return m.start(), body_start, number, kept, status


def _marker_label(tokens: list[str]) -> str:
    if "UNANIMOUS CONSENT ORDINANCE" in tokens:
        tokens = [t for t in tokens if t != "ITEM"]
    label = ""
    for token in tokens:
        if token == "(PH)":
            # Printed glued to CONSENT and P ("CONSENT(ph)", "P(ph)"), spaced otherwise.
            label += "(ph)" if label.endswith(("CONSENT", "P")) else " (ph)"
        else:
            label += " " + token
    return label.strip()


def _make_item(
    number: int, tokens: list[str], status: set[str], raw: str, page: int, section: str | None
) -> AgendaItem:
    text = _normalise(raw)
    if text.endswith("**"):
        text = text.rstrip(" *")
    amount = _AMOUNT_CHANGE.search(text)
    if amount and amount.start() == 0:
        # Printed ahead of the paragraph like a marker: a field, not part of the text.
        text = text[amount.end() :].lstrip()
    sponsor = _SPONSOR.search(text)
    recommendation = _RECOMMENDATION.search(text)
    funding = _FUNDING.search(text)
    return AgendaItem(
        number=number,
        marker=_marker_label(tokens),
        text=text,
        page=page,
        consent="CONSENT" in tokens,
        public_hearing="(PH)" in tokens,
        permanent="P" in tokens,
        addendum="ADDENDUM" in tokens,
        withdrawn="WITHDRAWN" in status,
        deferred=bool(status & {"DEFERRED", "POSTPONED"}),
        first_reading=bool(_FIRST_READING.search(text)),
        unanimous_consent="UNANIMOUS CONSENT ORDINANCE" in tokens,
        sponsor=_normalise(sponsor["who"]) if sponsor else None,
        recommendation=_normalise(recommendation["rec"]) if recommendation else None,
        funding_source=_normalise(funding["src"]) if funding else None,
        amount_change=_normalise(amount.group()) if amount else None,
        history=[_normalise(h.group()) for h in _HISTORY.finditer(text)],
        section=section,
    )


def _numbering_warnings(items: list[AgendaItem]) -> list[str]:
    if not items:
        return ["no items found"]
    warnings: list[str] = []
    pages: dict[int, list[int]] = {}
    for previous, item in zip([None, *items], items, strict=False):
        if previous is not None and item.number < previous.number:
            warnings.append(f"item {item.number} after item {previous.number} (page {item.page})")
        pages.setdefault(item.number, []).append(item.page)
    for number, where in sorted(pages.items()):
        if len(where) > 1:
            listed = ", ".join(str(p) for p in where)
            warnings.append(f"item {number} appears {len(where)} times (pages {listed})")
    missing = sorted(set(range(1, max(pages) + 1)) - set(pages))
    for first, last in _runs(missing):
        warnings.append(
            f"item {first} missing" if first == last else f"items {first}-{last} missing"
        )
    return warnings


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


_DATE_TOKEN = re.compile(
    rf"(?P<month>\b{MONTH})|(?P<numeric>\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b)|(?P<year>\b\d{{4}}\b)"
    rf"|(?P<day>\b\d{{1,2}}\b)|(?P<range>{_DASH}|\bthrough\b|\bthru\b|\bto\b)",
    re.I,
)


def _minutes_not_ready(text: str, meeting: date | None, warnings: list[str]) -> list[str]:
    """Dates after MINUTES NOT READY as ISO strings; a printed range becomes "start/end"."""
    match = _MINUTES_NOT_READY.search(text)
    if not match:
        return []
    rest = match["rest"].strip()
    if not rest or rest.endswith((",", "and", "-", "\u2013", "\u2014")):
        following = text[match.end() + 1 :].split("\n", 1)[0]
        if not _HEADING.match(following):
            rest = f"{rest} {following.strip()}"
    dates = _date_list(rest, meeting.year if meeting else None)
    if not dates and rest and rest.strip(" .").lower() not in ("none", "n/a"):
        warnings.append(f"MINUTES NOT READY: could not read dates in {rest!r}")
    return dates


def _date_list(text: str, default_year: int | None) -> list[str]:
    # Entries are [month, day, year, ends_a_range]; "November 12 and 19, 2013" shares the
    # month and year across days, so years fill in backwards and months carry forwards.
    entries: list[list] = []
    month: int | None = None
    pending_range = False
    for tok in _DATE_TOKEN.finditer(text):
        if tok["month"]:
            month = _MONTHS.index(tok["month"][:3].lower()) + 1
        elif tok["numeric"]:
            m, d, y = (int(x) for x in tok["numeric"].split("/"))
            entries.append([m, d, y + 2000 if y < 100 else y, pending_range])
            pending_range = False
        elif tok["year"]:
            for entry in entries:
                if entry[2] is None:
                    entry[2] = int(tok["year"])
        elif tok["day"] and month is not None:
            entries.append([month, int(tok["day"]), None, pending_range])
            pending_range = False
        elif tok["range"] and entries:
            pending_range = True
    out: list[str] = []
    for m, d, y, is_range_end in entries:
        try:
            iso = date(y or default_year, m, d).isoformat()
        except (TypeError, ValueError):
            continue
        if is_range_end and out and "/" not in out[-1]:
            out[-1] = f"{out[-1]}/{iso}"
        else:
            out.append(iso)
    return out
