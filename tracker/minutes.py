"""Minutes parser: the page texts of council minutes in, roll call and votes out; plus linking.

Pure functions of text, no I/O. The layout is SOURCES.md §5: "Present on Roll Call:", then for
each matter the clerk's sentence ("The resolution was read by the City Clerk, whereupon …") and
a roll call (Ayes / Nays / Abstaining). `link_outcomes` ties those votes to agenda items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from .agenda import MONTH, AgendaItem, PagedText, parse_date

__all__ = [
    "OUTCOMES",
    "Link",
    "Minutes",
    "MinutesRecord",
    "Vote",
    "link_outcomes",
    "link_records",
    "minutes_records",
    "parse_minutes",
]

OUTCOMES = ("adopted", "failed", "tabled", "referred", "deferred", "withdrawn", "amended")

_RUNNING_LINE = re.compile(
    rf"^\s*(?:Minutes\s*[-\u2013\u2014]\s*)?{MONTH}\s+\d{{1,2}},?\s+\d{{4}}\s+(?:Page\s+)?"
    r"\d{1,3}\s*$",
    re.I,
)
_TITLE = (
    r"(?:Council\s+)?President(?:\s+Pro[\s-]*Tem(?:pore)?)?|Council\s+Pro[\s-]*Tem(?:pore)?"
    r"|Council(?:member|or|man|woman)s?"
)
_TITLES = re.compile(rf"\b(?:{_TITLE})\b\.?", re.I)
_NAME = r"[A-Z][A-Za-z'\u2019\-]*(?:\s+[A-Z][A-Za-z'\u2019.\-]*){0,2}?"
_NOT_NAMES = {"The", "A", "An", "There", "Upon", "Item", "Items", "Resolution", "Ordinance"}
_NAME_WORD = re.compile(r"[A-Z][A-Za-z'\u2019.\-]*|and|&")

_PRESENT = re.compile(r"^[ \t]*Present(?:\s+on\s+Roll\s+Call)?\s*:(?P<rest>.*)$", re.M | re.I)
_ABSENT = re.compile(r"^[ \t]*Absent\s*:(?P<rest>.*)$", re.I)
_LABELS = r"Ayes|Yeas|Nays|Noes|Abstaining|Abstain(?:ed)?|Abstentions?|Absent|Not\s+Voting|Recused"
_LABEL_LINE = re.compile(rf"^[ \t]*(?:{_LABELS})\s*:", re.I)
_LABEL = re.compile(rf"\b(?P<label>{_LABELS})\s*:", re.I)

# Any text but a sentence end; "No." in "Item No. 12" is not one.
_UP_TO_NO = r"(?:[^.:]|(?<=No)\.|(?<=Nos)\.)"
_ACTION = re.compile(
    rf"""(?:^|(?<=[.:]))[ \t]*(?P<s>
      The\s+(?:[\w()'\u2019,\-]+\s+){{0,8}}?(?i:resolutions?|ordinances?|matters?|items?|motion)
        \b{_UP_TO_NO}{{0,200}}?\b(?:was|were)\s+(?:read|withdrawn|deferred|postponed|tabled
        |referred|continued|pulled|removed)
    | (?:{_TITLE})\s+{_NAME}\s+(?:then\s+|thereupon\s+)?(?:moved|made\s+(?:a|the)\s+motion)
    | (?i:items?)\s+(?:Nos?\.\s*)?\d+{_UP_TO_NO}{{0,120}}?\b(?:was|were)\s+(?:withdrawn|deferred
        |postponed|tabled|referred|continued|pulled|removed)
    | (?:At|Upon)\s+the\s+(?:request|recommendation)\s+of{_UP_TO_NO}{{0,150}}?
        \b(?:withdrawn|deferred|postponed|tabled|referred)
    )""",
    re.M | re.X,
)
_ACTION_WORDS = re.compile(
    r"\bmoved\b|\bmotion\b|withdr[ae]wn?\b|\btabled\b|\breferred\b|\bdeferred\b|\bpostponed\b"
    r"|\badopted\b|\bfailed\b|\bcarried\b",
    re.I,
)
_PROCEDURAL = re.compile(
    r"\badjourn|\brecess\b|suspend\w*\s+the\s+rules|\bminutes\s+(?:of|be|were)\b"
    r"|moved\s+(?:for\s+|that\s+)?(?:\w+\s+){0,3}?unanimous\s+consent",
    re.I,
)
_CONSENT = re.compile(
    r"(?:introduced|designated)\s+as\s+consent\s+agenda|consent\s+agenda\s+(?:matters|items)"
    r"|moved\s+(?:the\s+)?(?:adoption|approval)\s+of\s+the\s+consent\s+agenda"
    r"|moved\s+their\s+adoption",
    re.I,
)
_MOVER = re.compile(
    rf"(?:{_TITLE})\s+(?P<name>{_NAME})\s+(?:then\s+|thereupon\s+)?"
    r"(?:moved|made\s+(?:a|the)\s+motion)"
)
_SECONDER = re.compile(
    rf"seconded\s+by\s+(?:(?:{_TITLE})\s+)?(?P<name>{_NAME})(?=[\s,.;]|$)(?!\s+[A-Z])"
    rf"|(?:{_TITLE})\s+(?P<name2>{_NAME})\s+seconded\b"
)
_MOVED = re.compile(r"\b(?:moved|made\s+(?:a|the)\s+motion)\b")
_CLAUSE_END = re.compile(r"\bwhich\b|,\s*and\s+upon\b|\.\s")
_KINDS = (
    ("withdrawn", re.compile(r"\bwithdr(?:awn|aw|ew)\b", re.I)),
    ("tabled", re.compile(r"\btabled?\b|\blay\s+\w+\s+on\s+the\s+table", re.I)),
    ("referred", re.compile(r"\brefer(?:red)?\b|\bsent\s+back\s+to\b", re.I)),
    (
        "deferred",
        re.compile(
            r"\bdefer(?:red|ral)?\b|\bpostpone|\bcontinued\s+(?:to|until)|\bheld\s+over", re.I
        ),
    ),
    ("amended", re.compile(r"\bbe\s+amended\b|\bto\s+amend\b|\bamendment\b", re.I)),
)
_FAILED = re.compile(
    r"motion\s+(?:failed|did\s+not\s+(?:carry|pass))|\bfailed\s+(?:to\s+(?:pass|carry)|for\s+lack)"
    r"|was\s+(?:not\s+adopted|defeated)|\bdied\s+for\s+lack",
    re.I,
)

_ITEM_HEADING = re.compile(
    r"^[ \t]*(?:(?:CONSENT|ADDENDUM|P|\(ph\)|WITHDRAWN|DEFERRED)[ \t]*){0,3}"
    r"(?:ITEM|Item\s+No\.)\s*(?P<n>\d{1,3})\b\.?",
    re.M,
)
_ITEM_REF = re.compile(
    r"\bItems?\s+(?:Nos?\.?\s*)?(?P<list>\d{1,3}(?:\s*(?:,|and|&|through|thru|to|[-\u2013\u2014])"
    r"\s*\d{1,3}\b)*)",
    re.I,
)
_RESOLUTION_NO = re.compile(
    r"^[ \t]*(?:(?:RESOLUTION|ORDINANCE)\s+NO\.?\s*)?(?P<no>\d{1,4}-\d{2,4})\b[ \t]*(?=\n|$)"
    r"|^[ \t]*(?:RESOLUTION|ORDINANCE)\s+NO\.?\s*(?P<no2>\d{1,4}-\d{2,4})\b",
    re.M,
)
_ABBREVIATIONS = {"no", "nos", "mr", "mrs", "ms", "dr", "inc", "st", "jr", "sr", "co", "corp"}

# Words every resolution or clerk's sentence shares: dropped before comparing texts.
_COMMON_WORDS = frozenset(
    """a all an and are as at be been by for from had has hereby in is it its now of on or said
    same shall that the therefore this to under upon was were whereas which will with
    city birmingham alabama council councilor councilmember president mayor clerk resolution
    ordinance resolved ordained authorizing authorize authorized execute agreement amount not
    exceed following introduced presiding officer read whereupon moved adoption motion seconded
    roll called vote follows ayes nays none abstaining consent agenda removed""".split()
)
# Sponsor, committee, funding and history notes of an agenda item: not in the minutes' text.
_ITEM_NOTES = re.compile(
    r"\((?:Submitted|Recommended|Conditional|Deferred|Postponed|Continued)[^()]*\)|\[[^\]]*\]"
    r"|\(\s*change\s*\)",
    re.I,
)
SIMILARITY_THRESHOLD = 80
SIMILARITY_MARGIN = 5


@dataclass(frozen=True)
class Vote:
    """One action of the council on a matter: a roll-call vote, or a withdrawal/deferral."""

    item_number: int | None
    resolution_number: str | None
    outcome: str
    mover: str | None
    seconder: str | None
    ayes: list[str]
    nays: list[str]
    abstaining: list[str]
    consent_block: bool
    item_numbers: list[int]
    page: int
    text: str
    # The text since the previous vote: resolution body, headings (used to link by similarity).
    context: str = ""
    # For the consent block: resolution number printed under each listed item.
    resolution_numbers: dict[int, str] = field(default_factory=dict)


@dataclass
class Minutes:
    """Parsed minutes: meeting date, roll call, votes in order, and what looked odd."""

    meeting_date: date | None
    present: list[str]
    absent: list[str]
    votes: list[Vote]
    warnings: list[str]


@dataclass(frozen=True)
class Link:
    """An agenda item tied to the vote that decided it, with how sure the link is."""

    item_number: int
    outcome: str
    confidence: float
    resolution_number: str | None
    vote_index: int
    method: str  # "item-number" | "consent-block" | "similarity"


@dataclass(frozen=True)
class _Tally:
    start: int
    end: int
    counts: dict[str, list[str]]


def _is_running_line(line: str) -> bool:
    return bool(_RUNNING_LINE.match(line))


def _normalise(text: str) -> str:
    return " ".join(text.split())


def parse_minutes(pages: list[str]) -> Minutes:
    """Parse the page texts of one set of minutes. Never raises on odd text: warnings instead."""
    return _parse(pages)[0]


def _parse(pages: list[str]) -> tuple[Minutes, PagedText, list[tuple[int, int, int, int]]]:
    """The minutes, their joined text, and per vote (gap start, start, tally start, end)."""
    doc = PagedText.from_pages(pages, _is_running_line)
    warnings: list[str] = []
    head = doc.text[: m.start()] if (m := _PRESENT.search(doc.text)) else doc.text[:2000]
    meeting_date = parse_date(head)
    if meeting_date is None:
        warnings.append("no meeting date found")
    present, absent, roll_end = _roll_call(doc.text)
    if roll_end == 0:
        warnings.append("no roll call found")
    votes: list[Vote] = []
    spans: list[tuple[int, int, int, int]] = []
    context_start = roll_end
    for start, end, tally in _passages(doc.text, roll_end, warnings):
        passage = doc.text[start : tally.start if tally else end]
        if _PROCEDURAL.search(passage):
            continue
        gap = doc.text[context_start:start]
        votes.append(_make_vote(doc, start, end, passage, gap, tally, votes))
        spans.append((context_start, start, tally.start if tally else end, end))
        context_start = end
    if not votes:
        warnings.append("no votes found")
    return Minutes(meeting_date, present, absent, votes, warnings), doc, spans


def _lines(text: str, start: int = 0) -> list[tuple[int, int, str, bool]]:
    """(start, end, line, follows a blank line) of each non-blank line from `start` on."""
    out = []
    gap = False
    for line in text[start:].split("\n"):
        if line.strip():
            out.append((start, start + len(line), line, gap))
        gap = not line.strip()
        start += len(line) + 1
    return out


def _is_name_line(line: str) -> bool:
    bare = _TITLES.sub(" ", re.sub(r"\([^)]*\)", " ", line)).strip(" ,")
    if not bare:
        return bool(line.strip())
    words = bare.replace(",", " ").split()
    return (
        all(_NAME_WORD.fullmatch(word) for word in words)
        and words[0] not in _NOT_NAMES
        and len(words) <= 8
        and not re.search(r"\b[A-Z]{4,}\b", bare)
    )


def _names(text: str) -> list[str]:
    text = _TITLES.sub(",", re.sub(r"\([^)]*\)", " ", text))
    names = []
    for piece in re.split(r"[,;\n&]|\band\b", text):
        name = _normalise(piece).strip(" .").replace("\u2019", "'")
        if name and name.lower() not in ("none", "no one", "n/a"):
            names.append(name)
    return names


def _roll_call(text: str) -> tuple[list[str], list[str], int]:
    """Names present and absent, and where the roll call ends (0 when there is none)."""
    match = _PRESENT.search(text)
    if not match:
        return [], [], 0
    lists: dict[str, list[str]] = {"present": [match["rest"]], "absent": []}
    current, end = "present", match.end()
    for _start, line_end, line, _gap in _lines(text, match.end() + 1):
        absent = _ABSENT.match(line)
        if absent:
            current = "absent"
            lists[current].append(absent["rest"])
        elif _is_name_line(line):
            lists[current].append(line)
        else:
            break
        end = line_end
    return _names("\n".join(lists["present"])), _names("\n".join(lists["absent"])), end


def _tallies(text: str, start: int) -> list[_Tally]:
    """Blocks of Ayes/Nays/Abstaining lines, with names wrapped over several lines."""
    lines = _lines(text, start)
    found: list[_Tally] = []
    index = 0
    while index < len(lines):
        if not _LABEL_LINE.match(lines[index][2]):
            index += 1
            continue
        block_start, block_end, last, _gap = lines[index]
        index += 1
        while index < len(lines):
            _start, line_end, line, gap = lines[index]
            # After a blank line only another label or an unfinished list ("Smith,") goes on.
            if _LABEL_LINE.match(line) or _continues(last) or (not gap and _is_name_line(line)):
                block_end, last = line_end, line
                index += 1
            else:
                break
        counts = _tally_counts(text[block_start:block_end])
        if "ayes" in counts or "nays" in counts:
            found.append(_Tally(block_start, block_end, counts))
    return found


def _continues(line: str) -> bool:
    return line.rstrip().endswith((",", " and", "&"))


def _tally_counts(block: str) -> dict[str, list[str]]:
    labels = list(_LABEL.finditer(block))
    counts: dict[str, list[str]] = {}
    for label, following in zip(labels, [*labels[1:], None], strict=False):
        names = _names(block[label.end() : following.start() if following else len(block)])
        key = label["label"].lower()
        key = {"yeas": "ayes", "noes": "nays"}.get(key, key)
        key = "abstaining" if key.startswith("abst") else key
        counts.setdefault(key, []).extend(names)
    return counts


def _passages(text: str, start: int, warnings: list[str]) -> list[tuple[int, int, _Tally | None]]:
    """(start, end, tally) of each action: its opening sentence through its roll call."""
    events: list[tuple[int, _Tally | None]] = [
        (m.start("s"), None) for m in _ACTION.finditer(text, start)
    ]
    events += [(t.start, t) for t in _tallies(text, start)]
    events.sort(key=lambda e: e[0])
    out: list[tuple[int, int, _Tally | None]] = []
    open_at: int | None = None  # where the open passage starts
    latest = 0  # its latest action sentence
    for position, tally in events:
        if tally is None:
            if open_at is None:
                open_at = latest = position
            elif _ACTION_WORDS.search(text, latest, position):  # (none before `latest`)
                out.append((open_at, _sentence_end(text, latest, position), None))
                open_at = latest = position
            else:
                # A bare "The resolution was read…" sentence: the action follows in the next one.
                latest = position
        elif open_at is None:
            orphan = _normalise(text[position : tally.end])[:60]
            warnings.append(f"roll call with no motion before it: {orphan!r}")
            out.append((position, tally.end, tally))
        else:
            out.append((open_at, tally.end, tally))
            open_at = None
    if open_at is not None:
        out.append((open_at, _sentence_end(text, latest, len(text)), None))
    return out


def _sentence_end(text: str, start: int, limit: int) -> int:
    """End of the sentence at `start`, plus a following "The motion was seconded…" sentence."""
    position = start
    for _ in range(2):
        for m in re.finditer(r"\.(?=\s|$)|\n[ \t]*\n", text[position:limit]):
            word = re.search(r"([\w.]+)$", text[position : position + m.start()])
            token = word.group(1).lower() if word else ""
            if m.group() == "." and (token in _ABBREVIATIONS or len(token) == 1):
                continue
            position += m.end() if m.group() == "." else m.start()
            break
        else:
            return limit
        if not re.match(r"\s*(?:The|Said|Which)\s+motion\b", text[position:limit]):
            break
    return position


def _number_list(printed: str) -> list[int]:
    numbers: list[int] = []
    range_next = False
    for tok in re.findall(r"\d+|through|thru|to|[-\u2013\u2014]", printed):
        if tok.isdigit():
            n = int(tok)
            if range_next and numbers and numbers[-1] < n <= numbers[-1] + 200:
                numbers.extend(range(numbers[-1] + 1, n + 1))
            else:
                numbers.append(n)
            range_next = False
        else:
            range_next = True
    return numbers


def _make_vote(
    doc: PagedText,
    start: int,
    end: int,
    passage: str,
    gap: str,
    tally: _Tally | None,
    earlier: list[Vote],
) -> Vote:
    consent = bool(_CONSENT.search(passage))
    headings = [(m.start(), int(m["n"])) for m in _ITEM_HEADING.finditer(gap)]
    numbers = [(m.start(), m["no"] or m["no2"]) for m in _RESOLUTION_NO.finditer(gap)]
    explicit = [n for m in _ITEM_REF.finditer(passage) for n in _number_list(m["list"])]
    resolution = numbers[-1][1] if numbers else None
    per_item: dict[int, str] = {}
    if consent:
        items = sorted({*explicit, *(n for _, n in headings)})
        for (at, n), (nxt, _) in zip(headings, [*headings[1:], (len(gap), 0)], strict=False):
            printed = [no for pos, no in numbers if at < pos < nxt]
            if printed:
                per_item[n] = printed[0]
        item, resolution = None, None
    else:
        items = explicit or [n for _, n in headings[-1:]]
        if not items and not numbers and re.search(r"as\s+amended|reconsider", passage, re.I):
            # The adoption "as amended" that follows a vote on an amendment: same matter.
            previous = next((v for v in reversed(earlier) if not v.consent_block), None)
            if previous:
                items, resolution = previous.item_numbers, previous.resolution_number
        item = items[0] if len(items) == 1 else None
    counts = tally.counts if tally else {}
    mover = _MOVER.search(passage)
    seconder = _SECONDER.search(passage)
    return Vote(
        item_number=item,
        resolution_number=resolution,
        outcome=_outcome(passage, counts),
        mover=_clean_name(mover["name"]) if mover else None,
        seconder=_clean_name(seconder["name"] or seconder["name2"]) if seconder else None,
        ayes=counts.get("ayes", []),
        nays=counts.get("nays", []),
        abstaining=counts.get("abstaining", []),
        consent_block=consent,
        item_numbers=items,
        page=doc.page_at(start),
        text=_normalise(doc.text[start:end]),
        context=_normalise(gap),
        resolution_numbers=per_item,
    )


def _clean_name(name: str) -> str:
    return name.replace("\u2019", "'").strip(" .")


def _outcome(passage: str, counts: dict[str, list[str]]) -> str:
    """What the motion was (by its words), and whether it carried (by the counts)."""
    # The motion's own words ("moved that the resolution be tabled") say what it was; with no
    # motion ("Item No. 12 was withdrawn …") the whole passage does.
    where = passage
    if moved := _MOVED.search(passage):
        end = _CLAUSE_END.search(passage, moved.end())
        where = passage[moved.end() : end.start() if end else moved.end() + 240]
    kind = next((name for name, pattern in _KINDS if pattern.search(where)), "adopted")
    if _FAILED.search(passage):
        return "failed"
    ayes, nays = len(counts.get("ayes", [])), len(counts.get("nays", []))
    if counts and ayes <= nays:
        return "failed"
    return kind


def link_outcomes(items: list[AgendaItem], minutes: Minutes) -> list[Link]:
    """Tie agenda items to votes: by item number, consent block, then text similarity."""
    numbers = {item.number for item in items}
    links: dict[int, Link] = {}
    used: set[int] = set()
    for index, vote in enumerate(minutes.votes):
        if vote.consent_block:
            continue
        for n in vote.item_numbers:
            if n in numbers:
                # A later vote on the same item (adoption after an amendment) is the final word.
                links[n] = Link(n, vote.outcome, 1.0, vote.resolution_number, index, "item-number")
                used.add(index)
    consent_votes = [i for i, v in enumerate(minutes.votes) if v.consent_block]
    for index in consent_votes:
        vote = minutes.votes[index]
        for n in vote.item_numbers:
            if n in numbers and n not in links:
                number = vote.resolution_numbers.get(n)
                links[n] = Link(n, vote.outcome, 0.9, number, index, "consent-block")
    _link_by_similarity(items, minutes.votes, links, used)
    if consent_votes:
        index = consent_votes[0]
        vote = minutes.votes[index]
        for item in items:
            if item.consent and not (item.withdrawn or item.deferred) and item.number not in links:
                links[item.number] = Link(
                    item.number, vote.outcome, 0.8, None, index, "consent-block"
                )
    return [links[n] for n in sorted(links)]


def _content_words(text: str) -> str:
    return " ".join(
        w for w in default_process(text).split() if w not in _COMMON_WORDS and len(w) > 1
    )


def _link_by_similarity(
    items: list[AgendaItem], votes: list[Vote], links: dict[int, Link], used: set[int]
) -> None:
    candidates = [
        (index, _content_words(vote.context or vote.text))
        for index, vote in enumerate(votes)
        if index not in used and not vote.consent_block
    ]
    pool = [
        (item, words)
        for item in items
        if item.number not in links
        and len((words := _content_words(_ITEM_NOTES.sub(" ", item.text))).split()) >= 4
    ]
    proposals: list[tuple[float, int, AgendaItem]] = []
    for index, vote_words in candidates:
        scored = sorted(
            ((fuzz.token_set_ratio(words, vote_words), item) for item, words in pool),
            key=lambda pair: pair[0],
            reverse=True,
        )
        if not scored or scored[0][0] < SIMILARITY_THRESHOLD:
            continue
        if len(scored) > 1 and scored[0][0] - scored[1][0] < SIMILARITY_MARGIN:
            continue  # several routine items read alike: too close to call
        proposals.append((scored[0][0], index, scored[0][1]))
    for score, index, item in sorted(proposals, key=lambda p: p[0], reverse=True):
        if item.number in links or index in used:
            continue
        confidence = 0.5 + 0.2 * (score - SIMILARITY_THRESHOLD) / (100 - SIMILARITY_THRESHOLD)
        vote = votes[index]
        links[item.number] = Link(
            item.number,
            vote.outcome,
            round(confidence, 3),
            vote.resolution_number,
            index,
            "similarity",
        )
        used.add(index)


# --- per-matter records: the unit of evidence on the minutes' side -----------------------------

# What opens a matter in the minutes: its item heading, its resolution or ordinance number, or
# the clerk's "The following resolution was introduced" sentence.
_INTRODUCED = re.compile(
    r"^[ \t]*The\s+following\s+(?:resolutions?|ordinances?|matters?)\b[^.\n]*"
    r"(?:\n[^.\n]*){0,2}?\bintroduced\b",
    re.M | re.I,
)
_HEADING_LINE = re.compile(
    r"[ \t]*(?:(?:CONSENT|ADDENDUM|P|\(ph\)|WITHDRAWN|DEFERRED)[ \t]*){0,3}"
    r"(?:ITEM|Item\s+No\.)\s*\d{1,3}\b\.?[ \t]*"
    r"|[ \t]*(?:RESOLUTION|ORDINANCE)\s+NO\.?\s*\d{1,4}-\d{2,4}\b.*"
    r"|[ \t]*[A-Z0-9 ,.'\u2019()&/-]{8,}",  # a title in capitals ("AN ORDINANCE TO AMEND …")
)
_SENTENCE_IN_LINE = re.compile(r"\.(?=\s|$)")
_ITEM_PAREN = re.compile(r"\(\s*Items?\s+(?:Nos?\.?\s*)?(?P<n>\d{1,3})\s*\)", re.I)
RECORD_LINK_THRESHOLD = 80


@dataclass(frozen=True)
class MinutesRecord:
    """One matter of the minutes, from what opens it (item heading, resolution number, "The
    following resolution was introduced") to its vote; never a window across two matters."""

    ordinal: int  # its place in the minutes, from 0
    text: str  # the matter's text, running headers and the roll-call tally left out
    page: int
    vote_index: int  # the vote (Minutes.votes) that decided it
    item_numbers: tuple[int, ...]  # agenda items it names itself ("ITEM 10.", "(Item No. 11)")
    resolution_number: str | None
    outcome: str
    consent_block: bool


def _openers(text: str, lo: int, hi: int) -> list[list[int]]:
    """Starts of the matters opened within text[lo:hi], each a group of the headings that open
    it together ("ITEM 10." + "ORDINANCE NO. 26-41" + its capitalised title)."""
    marks = sorted(
        {
            m.start()
            for rx in (_ITEM_HEADING, _RESOLUTION_NO, _INTRODUCED)
            for m in rx.finditer(text, lo, hi)
        }
    )
    groups: list[list[int]] = []
    for mark in marks:
        if groups and not _has_sentence(text[groups[-1][-1] : mark]):
            groups[-1].append(mark)
        else:
            groups.append([mark])
    return groups


def _has_sentence(between: str) -> bool:
    """Whether text between two headings holds a sentence of its own (a resolution's body)."""
    for line in between.split("\n"):
        if not line.strip() or _HEADING_LINE.fullmatch(line):
            continue
        if _SENTENCE_IN_LINE.search(line):
            return True
    return False


def minutes_records(pages: list[str]) -> tuple[Minutes, list[MinutesRecord]]:
    """The minutes parsed, and one record per matter the council acted on. A consent block
    gives one record per resolution printed in it, each with the block's outcome. Pure."""
    minutes, doc, spans = _parse(pages)
    text = doc.text
    records: list[MinutesRecord] = []

    def add(lo: int, hi: int, vote_index: int, numbers, resolution, consent) -> None:
        body = text[lo:hi].strip()
        if not body:
            return
        lo += len(text[lo:hi]) - len(text[lo:hi].lstrip())
        own = [int(m["n"]) for m in _ITEM_HEADING.finditer(body)]
        own += [int(m["n"]) for m in _ITEM_PAREN.finditer(body)]
        numbers = tuple(dict.fromkeys([*own, *numbers]))
        if resolution is None and (m := _RESOLUTION_NO.search(body)):
            resolution = m["no"] or m["no2"]
        vote = minutes.votes[vote_index]
        records.append(
            MinutesRecord(
                len(records),
                body,
                doc.page_at(lo),
                vote_index,
                numbers,
                resolution,
                vote.outcome,
                consent,
            )
        )

    for index, (vote, (gap_start, start, tally_start, _end)) in enumerate(
        zip(minutes.votes, spans, strict=True)
    ):
        groups = _openers(text, gap_start, start)
        if vote.consent_block:
            # The block's motion ("moved their adoption") belongs to every matter in it; each
            # matter's record is its own text, from its heading to the next one.
            # The block's preamble ("The following resolutions … designated as Consent Agenda
            # items were introduced") opens no matter of its own.
            intro = {m.start() for m in _INTRODUCED.finditer(text, gap_start, start)}
            heads = [next((at for at in g if at not in intro), None) for g in groups]
            bounds = [at for at in heads if at is not None] + [start]
            for lo, hi in zip(bounds, bounds[1:], strict=False):
                add(lo, hi, index, (), None, True)
            continue
        # The last matter opened before the vote is the one voted on; an earlier opener with a
        # sentence after it is another matter (or the same one's earlier motion).
        lo = groups[-1][0] if groups else start
        add(lo, tally_start, index, tuple(vote.item_numbers), vote.resolution_number, False)
    return minutes, records


def link_records(
    items: list[AgendaItem], minutes: Minutes, records: list[MinutesRecord]
) -> dict[int, tuple[int, float, str]]:
    """Tie each record to an agenda item: record ordinal -> (item number, confidence, method).

    By the item number the record prints, by the vote that outcome linking tied to the item,
    by the resolution number printed under the item in the consent block, then by text
    similarity among the items not linked yet. A record tied to none is its own matter (one
    introduced at the meeting)."""
    numbers = {item.number for item in items}
    by_vote: dict[int, list[Link]] = {}
    links = link_outcomes(items, minutes)
    for link in links:
        by_vote.setdefault(link.vote_index, []).append(link)
    by_resolution = {link.resolution_number: link for link in links if link.resolution_number}
    out: dict[int, tuple[int, float, str]] = {}
    taken: set[int] = set()
    for record in records:
        own = [n for n in record.item_numbers if n in numbers]
        if len(own) == 1 and not record.consent_block or (record.consent_block and own):
            out[record.ordinal] = (own[0], 1.0, "item-number")
        elif record.resolution_number in by_resolution:
            link = by_resolution[record.resolution_number]
            out[record.ordinal] = (link.item_number, link.confidence, "resolution-number")
        elif not record.consent_block and len(by_vote.get(record.vote_index, [])) == 1:
            link = by_vote[record.vote_index][0]
            out[record.ordinal] = (link.item_number, link.confidence, link.method)
    taken.update(n for n, _, _ in out.values())
    _link_records_by_similarity(items, records, out, taken)
    return out


def _link_records_by_similarity(
    items: list[AgendaItem],
    records: list[MinutesRecord],
    out: dict[int, tuple[int, float, str]],
    taken: set[int],
) -> None:
    pool = [
        (item, words)
        for item in items
        if item.number not in taken
        and len((words := _content_words(_ITEM_NOTES.sub(" ", item.text))).split()) >= 4
    ]
    proposals: list[tuple[float, int, int]] = []
    for record in records:
        if record.ordinal in out:
            continue
        record_words = _content_words(record.text)
        scored = sorted(
            ((fuzz.token_set_ratio(words, record_words), item.number) for item, words in pool),
            reverse=True,
        )
        if not scored or scored[0][0] < RECORD_LINK_THRESHOLD:
            continue
        if len(scored) > 1 and scored[0][0] - scored[1][0] < SIMILARITY_MARGIN:
            continue  # routine items read alike: too close to call
        proposals.append((scored[0][0], record.ordinal, scored[0][1]))
    for score, ordinal, number in sorted(proposals, reverse=True):
        if number in taken:
            continue
        confidence = 0.5 + 0.2 * (score - RECORD_LINK_THRESHOLD) / (100 - RECORD_LINK_THRESHOLD)
        out[ordinal] = (number, round(confidence, 3), "similarity")
        taken.add(number)
