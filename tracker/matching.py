"""The matcher: which commitments an agenda item or a minutes passage bears on, and why.

Pure: text in, candidates out (no database, no I/O). The rules are data (data/commitments.yaml,
validated by tracker.catalog.Rules); this module compiles them once and applies them.

How a phrase matches (the same for `any`, `with_any`, `decoys` and `exclude_if_any`):
  - case-insensitively, unless its pattern says `case_sensitive: true` (only `any` phrases are
    case-sensitive; `with_any`, decoys and exclusions never are);
  - starting at a word boundary: "ICE" is never found inside "POLICE", "NOTICE" or "SERVICE",
    "esol" never inside "resolution", "mou" never inside "amount";
  - ending at a word boundary too, except that a phrase whose last word has four or more letters
    and is not written in capitals is a word prefix: "immigra" finds "immigration", "refugee"
    finds "refugees", "Task Force" finds "Task Forces"; "ICE", "DACA" or "Trust Act" do not
    extend. A phrase ending in a digit only refuses a following digit ("HB 56" is not in
    "HB 560", "I-247" is in "I-247A");
  - a space or hyphen inside a phrase matches any run of whitespace (line breaks included) or a
    hyphen or dash, so "cross designation" finds "cross-designation" and "Homeland Security
    Investigations" survives a line break; straight and curly apostrophes are the same;
  - leading and trailing spaces or hyphens of a phrase are ignored (the word boundaries do
    their job: " ICE " and "ICE" are the same phrase);
  - proximity: "immigra ~2 enforce" is "immigra…" then at most 2 other words then "enforce…"
    ("immigration enforcement", "Immigration-Related Enforcement", "immigration law
    enforcement"), within one sentence; the words keep their order.

Glued words are read apart before matching: exported titles and OCR write
"ImmigrationEnforcement", "ICEAgreement" or "sanctuarycity". A capital after a lower-case letter
(or a capital followed by a capitalised word) starts a new word, and a run of lower-case letters
that holds an immigration word is split when it is wholly made of the rules' own words. A word a
PDF broke at a line end ("immigra- tion", "depor-\ntation") is joined again when it starts with
an immigration stem. Offsets stay those of the original text.

How a text is scored, per commitment:
  - `exclude_if_any`: any occurrence drops the text for that commitment;
  - a decoy voids only the terms it contains: the commitment's phrases found inside one of its
    occurrences ("ice rink", "Sanctuary Baptist Church", "stormwater detention" for a rule that
    uses "detention") do not count, and the rest of the text still can match. A decoy that
    contains none of the commitment's phrases voids nothing (Matcher.inert_decoys lists them):
    a phrase that should drop a whole text ("Lord Mayor", another Birmingham) belongs in
    `exclude_if_any`, so one generic word can never cancel a commitment by accident;
  - a pattern fires when one of its `any` phrases is found and, if it has `with_any`, one of
    those is found in the same text (window); each pattern counts once, whatever the number
    of hits; the weights of the fired patterns add up to the score;
  - a score at or above `threshold` makes a candidate; its stance is "contrary" when the
    contrary patterns' weights outweigh the supporting ones (see "reading the stance" below).

A contrary reading is only a guess when the text is one clause of a list cut from its lead-in
("(c) Perform the functions of an immigration officer…", whose "No officer shall:" was lost):
such a candidate is context, and says so.

Speed: one trie-shaped regex of every trigger (`any`) phrase, each with its word end ("AB" is
not in "abatement"), rejects the texts that cannot match; a second one over every phrase finds
all occurrences in one pass (overlapping ones included). The rest is set arithmetic.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .catalog import Commitment

__all__ = ["PASSAGE_MAX", "Candidate", "Matcher", "find_phrases"]

PASSAGE_MAX = 400  # characters of text shown to an editor as the justifying passage
Stance = Literal["supports", "contrary", "context"]

_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
_DASH_CLASS = "\\-\u2010-\u2014"  # the same, inside a regex character class
_SEP_RX = rf"(?:\s*[{_DASH_CLASS}]\s*|\s+)"
_APOS_RX = "['\u2018\u2019`]"
_SEP_RUN = re.compile(rf"[\s{_DASH_CLASS}]+")
_APOS_MAP = str.maketrans({"\u2018": "'", "\u2019": "'", "`": "'"})
_PREFIX_MIN = 4  # letters in a last word before it may be extended ("immigra" → "immigration")
_SEP, _APOS, _AND = "\x00sep", "\x00apos", "\x00and"
_END = "\x00end"

# Proximity inside a phrase: "immigra ~2 enforce" (at most 2 words between, same sentence).
_GAP_TOKEN = re.compile(r"\s+~(\d)\s+")
_GAP_SEP = rf"[\s,/()\[\]\"'\u201c\u201d{_DASH_CLASS}]+"

# Glued words (see the module docstring). Only texts holding one of these stems are examined,
# so routine items pay one quick search.
_GLUE_HINTS = (
    "immigra", "sanctuar", "deport", "refugee", "asylum", "migrant", "citizenship",
    "undocumented", "detainer", "customs", "homeland", "daca", "welcom",
)  # fmt: skip
_ICE_GLUED = re.compile(r"ICE[A-Z][a-z]|[a-z]ICE(?![A-Za-z])")  # "ICEAgreement", "withICE"
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2})")
_LOWER_RUN = re.compile(r"[a-z]{7,}")

# Windows for long texts: paragraphs, and the item blocks agendas and minutes number.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\f]*\n\s*")
_ITEM_MARKER = re.compile(
    r"^[ \t]*(?:(?:[A-Z(][A-Za-z()]*[ \t]+){0,3}ITEM[ \t]+(?:NO\.?[ \t]*)?\d+\b"
    r"|(?:RESOLUTION|ORDINANCE)[ \t]+NO\.)",
    re.M,
)
_LONG_SEGMENT = 1500  # a paragraph longer than this is cut into runs of sentences
_CHUNK = 700
_BLOCK_MAX = 4000  # an item block longer than this is only seen paragraph by paragraph

_SENTENCE_END = re.compile(r"[.!?;:]+[\"'\u201d\u2019)\]]*(?=\s)\s*|\n[ \t\f]*\n\s*")
_ABBREVIATIONS = frozenset(
    "no nos mr mrs ms dr sr jr st ave blvd inc co corp vs v sec ala gen gov dept u.s u.s.a".split()
)


@dataclass(frozen=True)
class Candidate:
    """A commitment a text may bear on: proposed evidence, for an editor to accept or reject."""

    commitment_id: str
    score: float
    stance: Stance
    terms: list[str]  # the phrases that fired, as found in the text
    rules: list[str]  # why: one line per pattern that fired
    start: int  # offsets of `passage` within the text given to match / match_passages
    end: int
    passage: str
    confidence: float = 1.0  # 0..1: how sure the matcher is of this commitment and stance


# ---------------------------------------------------------------- compiling phrases


def _units(phrase: str) -> tuple[str, ...]:
    """A phrase as matching units: characters, separators (space/hyphen runs), apostrophes."""
    units: list[str] = []
    for ch in phrase.strip(" \t\r\n" + _DASHES):
        if ch.isspace() or ch in _DASHES:
            if not units or units[-1] != _SEP:
                units.append(_SEP)
        elif ch in "'\u2018\u2019`":
            units.append(_APOS)
        elif ch == "&":
            units.append(_AND)
        else:
            units.append(ch)
    # The word "and" between separators is "and" or "&" ("Immigration & Customs Enforcement").
    i = 0
    while _AND_WORD.search(phrase) and (i := _find(units, (_SEP, "a", "n", "d", _SEP), i)) >= 0:
        units[i + 1 : i + 4] = [_AND]
    return tuple(units)


_AND_WORD = re.compile(r"(?i)[\s\-\u2010-\u2014]and[\s\-\u2010-\u2014]")  # spares _find the rest


def _find(units: list[str], run: tuple[str, ...], start: int) -> int:
    for i in range(start, len(units) - len(run) + 1):
        if tuple(u.lower() for u in units[i : i + len(run)]) == run:
            return i
    return -1


def _unit_rx(unit: str) -> str:
    if unit == _SEP:
        return _SEP_RX
    if unit == _AND:
        return "(?:and|&)"
    if unit == _APOS:
        return _APOS_RX
    return re.escape(unit)


def _key(units: Sequence[str]) -> str:
    return "".join(
        " " if u == _SEP else "'" if u == _APOS else "and" if u == _AND else u.lower()
        for u in units
    )


def _norm(found: str) -> str:
    """The key of a span the combined regex found (in lowercased text)."""
    return _SEP_RUN.sub(" ", found).translate(_APOS_MAP).replace("&", "and")


def _is_prefix_spelling(phrase: str) -> bool:
    """Does this spelling end in a lowercase word of at least _PREFIX_MIN letters?"""
    word = re.search(r"[^\W\d_]+$", phrase.strip(" \t\r\n" + _DASHES))
    return bool(word) and len(word.group()) >= _PREFIX_MIN and word.group()[-1].islower()


def _phrase_end(key: str, prefix: bool) -> str:
    """What may follow a whole phrase: a prefix phrase takes the rest of its word, so terms and
    overlaps are whole words; others end at a word (or number) boundary."""
    return r"\w*" if prefix and key[-1].isalpha() else _end_rx(key, prefix)


def find_phrases(phrases: Sequence[str], text: str) -> list[tuple[int, int, str]]:
    """Where phrases spelled as in the rules occur in `text` (see the module docstring: case,
    word boundaries, prefixes, separators), as (start, end, phrase), leftmost and longest first
    and never overlapping. A phrase written in capitals must be in capitals in the text too.

    For word lists beside the rules (a commitment's `hints`) that must mean what a rule phrase
    means; the matcher itself compiles its phrases once, into one regex."""
    lower = _lower(text)
    hits = []
    for phrase in phrases:
        units = tuple(u if u in (_SEP, _APOS, _AND) else u.lower() for u in _units(phrase))
        key = _key(units)
        body = "".join(_unit_rx(u) for u in units)
        rx = re.compile(r"(?<!\w)" + body + _phrase_end(key, _is_prefix_spelling(phrase)))
        hits.extend(
            (m.start(), m.end(), phrase)
            for m in rx.finditer(lower)
            if not phrase.isupper() or text[m.start() : m.end()].isupper()
        )
    out, taken = [], -1
    for start, end, phrase in sorted(hits, key=lambda h: (h[0], h[0] - h[1])):
        if start >= taken:
            out.append((start, end, phrase))
            taken = end
    return out


def _end_rx(key: str, prefix: bool) -> str:
    last = key[-1]
    if last.isdigit():
        return r"(?!\d)"
    if last.isalpha() and not prefix:
        return r"(?!\w)"
    return ""


def _trie_rx(
    keys: Iterable[tuple[str, ...]], ends: dict[tuple[str, ...], str] | None = None
) -> str:
    """One regex for many phrases, shaped as a trie so it fails fast at most positions.

    Branches at a node begin with disjoint characters, so the regex follows the one path the
    text allows and returns the longest phrase there; the shorter ones on that path are found
    again from `Matcher._chains`. With `ends` (a phrase's end rule, "" for a word prefix) a
    phrase counts only where its word ends: "AB" (Assembly Bill) then never fires on
    "abatement", so a routine item is not scanned in full for it.
    """
    trie: dict = {}
    for units in keys:
        node = trie
        for unit in units:
            node = node.setdefault(unit, {})
        node[_END] = (ends or {}).get(units, "")

    def emit(node: dict) -> str:
        alts = [_unit_rx(u) + emit(child) for u, child in node.items() if u != _END]
        end = node.get(_END)
        if not alts:
            return end or ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if end is None:
            return body
        return f"(?:{body})?" if not end else f"(?:{body}|{end})"

    return emit(trie)


def _combined_rx(
    keys: dict[str, tuple[str, ...]], ends: dict[tuple[str, ...], str] | None = None
) -> re.Pattern[str]:
    words = [u for u in keys.values() if re.match(r"\w", u[0])]
    others = [u for u in keys.values() if not re.match(r"\w", u[0])]
    parts = []
    if words:
        parts.append(r"(?<!\w)" + _trie_rx(words, ends))
    if others:
        parts.append(_trie_rx(others, ends))
    return re.compile("|".join(parts) or r"(?!)")


def _lower(text: str) -> str:
    """Lowercase without changing offsets (a few characters lowercase to two).

    Underscores become spaces: exported file names and form fields glue words with them
    ("Immigration_Enforcement_MOU"), and to a regex "_" is a letter, which hides every word.
    So do the middle dots and bullets a PDF's text layer strews between words ("Limited ·English
    Proficiency Plan"), and double quotes, which no rule phrase holds: "not a “sanctuary county”"
    is "not a sanctuary county". One misspelling of the agency's name is mended in place:
    "Immigrations and Customs Enforcement".
    """
    lower = text.lower()
    if len(lower) != len(text):
        lower = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    lower = lower.replace("_", " ")
    for stray in _STRAY:
        if stray in lower:
            lower = lower.replace(stray, " ")
    if "immigrations and" in lower:
        lower = lower.replace("immigrations and", "immigration  and")
    return lower


# Middle dot, bullet, bullet operator; straight and curly double quotes.
_STRAY = ("\u00b7", "\u2022", "\u2219", '"', "\u201c", "\u201d")


def _part_rx(part: str, last: bool) -> str:
    """One word group of a proximity phrase, with its end rule."""
    units = _units(part)
    if not units:
        raise ValueError(f"empty part in proximity phrase {part!r}")
    body = "".join(_unit_rx(u if u in (_SEP, _APOS, _AND) else u.lower()) for u in units)
    key = _key(units)
    prefix = _is_prefix_spelling(part)
    if prefix and key[-1].isalpha():
        return body + r"\w*"
    return body + (_end_rx(key, prefix) if last else r"(?!\w)")


@functools.cache  # a phrase recurs in many patterns and decoys: compile it once
def _gap_phrase(phrase: str) -> tuple[str, re.Pattern[str], tuple[str, ...]] | None:
    """(key, regex, word groups) of a proximity phrase "a ~N b", or None for a plain phrase."""
    pieces = _GAP_TOKEN.split(phrase.strip())
    if len(pieces) == 1:
        return None
    parts, gaps = pieces[0::2], [int(n) for n in pieces[1::2]]
    rx = r"(?<!\w)" + _part_rx(parts[0], len(parts) == 1)
    key = _key(_units(parts[0]))
    for k, (n, part) in enumerate(zip(gaps, parts[1:], strict=True), start=2):
        gap = rf"(?:{_GAP_SEP}[\w'\u2019.]+){{0,{n}}}{_GAP_SEP}"
        rx += gap + _part_rx(part, k == len(parts))
        key += f" ~{n} " + _key(_units(part))
    return key, re.compile(rx), tuple(parts)


def _unglue(text: str, lower: str, vocabulary: frozenset[str]) -> tuple[str, list[int]] | None:
    """The lowercased text with glued words pulled apart, and each position's original offset.

    None when nothing is glued (the usual case). Spaces are inserted, never characters changed,
    so a span of the result maps back to the original text through the offsets.
    """
    # Substring tests run in C: far cheaper than a regex over every routine item.
    if not (any(h in lower for h in _GLUE_HINTS) or ("ICE" in text and _ICE_GLUED.search(text))):
        return None
    cuts = {m.start() for m in _CAMEL.finditer(text)}
    for m in _LOWER_RUN.finditer(lower):
        word = m.group()
        if word in vocabulary or not any(h in word for h in _GLUE_HINTS):
            continue
        cuts.update(m.start() + c for c in _segment(word, vocabulary))
    cuts.discard(0)
    if not cuts:
        return None
    out, offsets, prev = [], [], 0
    for cut in sorted(cuts):
        out.append(lower[prev:cut])
        offsets.extend(range(prev, cut))
        out.append(" ")
        offsets.append(cut)
        prev = cut
    out.append(lower[prev:])
    offsets.extend(range(prev, len(lower)))
    return "".join(out), offsets


# A word a PDF broke at the end of a line: "immigra- tion", "depor-\ntation".
# A space or line break after the hyphen is required: "immigration-related" is one word as written.
_BROKEN = re.compile(r"(?<![\w-])([a-z]{2,})-(?:[ \t]*\n|[ \t]+)[ \t]*([a-z]{2,})(?![\w-])")
_BREAK_AT = re.compile(r"[a-z]-(?:[ \t]*\n|[ \t]+)")
_WORD_BACK = re.compile(r"[a-z]+$")


def _join_broken(lower: str, vocabulary: frozenset[str]) -> tuple[str, list[int]] | None:
    """`lower` with line-broken immigration words joined again, and each position's offset in it.

    Only a break whose halves make a word starting with an immigration stem is joined, and only
    when the second half is no word of the rules ("immigrant- rights" stays two words). None when
    nothing is broken (the usual case)."""
    if "- " not in lower and "-\n" not in lower:
        return None
    joins = []
    for at in _BREAK_AT.finditer(lower):  # the hyphen first: cheap, and rare in a title
        m = _BROKEN.match(lower, _WORD_BACK.search(lower, 0, at.start() + 1).start())
        if m and m.group(2) not in vocabulary and (m.group(1) + m.group(2)).startswith(_GLUE_HINTS):
            joins.append(m)
    if not joins:
        return None
    out, offsets, prev = [], [], 0
    for m in joins:
        out.append(lower[prev : m.end(1)])
        offsets.extend(range(prev, m.end(1)))
        prev = m.start(2)
    out.append(lower[prev:])
    offsets.extend(range(prev, len(lower)))
    return "".join(out), offsets


def _segment(word: str, vocabulary: frozenset[str]) -> list[int]:
    """Inner cut positions when the whole word is two or more vocabulary words, else []."""
    n = len(word)
    best: list[list[int] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - 3, -1, -1):
        for j in range(n, i + 2, -1):  # longest piece first
            rest = best[j]
            if rest is not None and word[i:j] in vocabulary:
                best[i] = [j, *rest] if j < n else []
                break
    cuts = best[0]
    return [c for c in cuts if c < n] if cuts else []


# An acronym in an ALL-CAPS title says nothing by its case: "4-SHEET ICE FACILITY" is a rink.
# There a case-sensitive phrase counts only when the text also speaks of immigration.
_CAPS_CONTEXT = 40  # characters each side of the hit that decide whether the title is in capitals
_IMMIGRATION_SENSE = re.compile(
    r"immigra|customs|homeland|deport|detain|alien|removal|enforcement|agents?\b|bed space|287"
)


def _in_capitals(text: str, s: int, e: int) -> bool:
    around = text[max(0, s - _CAPS_CONTEXT) : s] + text[e : e + _CAPS_CONTEXT]
    letters = [ch for ch in around if ch.isalpha()]
    return len(letters) >= 12 and not any(ch.islower() for ch in letters)


class _Phrase:
    """A phrase of the rules: its key and its regex at a position of the lowercased text, with
    its end rule. The regex is compiled when first needed: building a matcher compiles the
    combined scan once, and most of its 1,300 phrases never occur in a given run."""

    def __init__(self, key: str, pattern: str | re.Pattern[str]):
        self.key = key
        self._pattern = pattern

    @functools.cached_property
    def rx(self) -> re.Pattern[str]:
        return re.compile(self._pattern)

    def is_in(self, lower: str) -> bool:
        """Is the phrase in this (short, lowercased) string, starting at a word boundary?"""
        starts = [0, *(m.end() for m in re.finditer(r"\W+", lower))]
        if not re.match(r"\w", self.key):
            starts = range(len(lower))
        return any(self.rx.match(lower, p) for p in starts)


@dataclass(frozen=True)
class _Pattern:
    any: tuple[tuple[int, re.Pattern[str] | None], ...]  # phrase index, exact-case check
    with_any: tuple[int, ...]
    weight: float
    stance: Stance
    label: str
    refusable: bool
    any_set: frozenset[int]  # the same indexes as sets, for a quick "can it fire?"
    with_set: frozenset[int]


@dataclass(frozen=True)
class _Rules:
    id: str
    threshold: float
    patterns: tuple[_Pattern, ...]
    triggers: frozenset[int]
    local_decoys: frozenset[int]
    excludes: frozenset[int]
    fts_terms: tuple[str, ...]


Occurrence = tuple[int, int, int]  # phrase index, start, end


class Matcher:
    """Compiled matching rules for all commitments; build once, match many texts."""

    def __init__(self, commitments: Sequence[Commitment]):
        spellings: dict[str, list[str]] = {}
        units_of: dict[str, tuple[str, ...]] = {}
        gaps: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {}  # proximity phrases

        def key_of(phrase: str) -> str:
            gap = _gap_phrase(phrase)
            if gap is not None:
                gaps.setdefault(gap[0], (gap[1], gap[2]))
                for part in gap[2]:  # found by the main scan: the first one anchors the phrase,
                    key_of(part)  # the longest one is its quick pre-check below
                return gap[0]
            units = _units(phrase)
            if not units:
                raise ValueError(f"empty phrase {phrase!r}")
            key = _key(units)
            units_of.setdefault(
                key, tuple(u if u in (_SEP, _APOS, _AND) else u.lower() for u in units)
            )
            spellings.setdefault(key, []).append(phrase)
            return key

        raw = []
        for c in commitments:
            r = c.rules
            pats = [
                (
                    [(key_of(a), a) for a in p.any],
                    [key_of(w) for w in p.with_any],
                    p,
                )
                for p in r.patterns
            ]
            raw.append(
                (c, pats, [key_of(d) for d in r.decoys], [key_of(x) for x in r.exclude_if_any])
            )

        index = {key: i for i, key in enumerate([*units_of, *gaps])}
        self._phrases: list[_Phrase] = []
        ends: dict[tuple[str, ...], str] = {}  # each phrase's end rule, for the quick pre-check
        for key, units in units_of.items():
            prefix = any(_is_prefix_spelling(s) for s in spellings[key])
            body = "".join(_unit_rx(u) for u in units)
            end = _phrase_end(key, prefix)
            ends[units] = "" if end == r"\w*" else end
            self._phrases.append(_Phrase(key, body + end))
        for key, (rx, _) in gaps.items():
            self._phrases.append(_Phrase(key, rx))
        # Each proximity phrase is tried only where its first words were found.
        self._gaps = tuple(
            (index[key], index[_key(_units(parts[0]))], rx) for key, (rx, parts) in gaps.items()
        )
        # Words of the rules, to pull glued words apart ("sanctuarycity" is two of them).
        words = {w for key in units_of for w in re.findall(r"[a-z]{3,}", key)}
        words.update(w for key in gaps for w in re.findall(r"[a-z]{3,}", key))
        self._vocabulary = frozenset(words)

        # Every phrase on the trie path of a longer one, so one hit yields all phrases there.
        # (Each key's own prefixes are looked up, not every key compared with every other.)
        plain = units_of.keys()
        self._chains: dict[str, tuple[int, ...]] = {
            key: tuple(sorted(index[key[:n]] for n in range(1, len(key) + 1) if key[:n] in plain))
            for key in units_of
        }

        self._rules: list[_Rules] = []
        # Decoys that hold none of their commitment's phrases, and so void nothing.
        self.inert_decoys: dict[str, list[str]] = {}
        trigger_keys: set[str] = set()
        for c, pats, decoys, excludes in raw:
            patterns = []
            own: set[int] = set()
            for any_keys, with_keys, p in pats:
                checks = tuple(
                    (index[k], re.compile("".join(_unit_rx(u) for u in _units(a)))
                     if p.case_sensitive and k not in gaps else None)
                    for k, a in any_keys
                )  # fmt: skip
                label = p.note or ", ".join(p.any[:3]) + ("…" if len(p.any) > 3 else "")
                with_ids = tuple(index[k] for k in with_keys)
                patterns.append(
                    _Pattern(
                        checks,
                        with_ids,
                        p.weight,
                        p.stance,
                        " ".join(label.split()),
                        p.refusable,
                        frozenset(i for i, _ in checks),
                        frozenset(with_ids),
                    )
                )
                own.update(index[k] for k, _ in any_keys)
                own.update(index[k] for k in with_keys)
                trigger_keys.update(k for k, _ in any_keys if k not in gaps)
                # A proximity trigger joins the quick pre-check by its longest word group
                # (the rarest: "resettlement", not "pause"), so "not" or "hold" never make
                # every text worth a closer look.
                for k, _ in any_keys:
                    if k in gaps:
                        longest = max(gaps[k][1], key=lambda part: len(part.strip()))
                        trigger_keys.add(_key(_units(longest)))
            local, inert = set(), []
            for d, spelled in zip(decoys, c.rules.decoys, strict=True):
                if any(self._phrases[i].is_in(d) for i in own):
                    local.add(index[d])
                else:
                    inert.append(spelled)
            if inert:
                self.inert_decoys[c.id] = inert
            terms: dict[str, str] = {}
            for p in c.rules.patterns:
                for a in p.any:
                    parts = gaps[key_of(a)][1] if key_of(a) in gaps else [a]
                    # A proximity phrase needs all its word groups, so one group of several
                    # words recalls every text it can match ("assist ~6 Immigration and Customs
                    # Enforcement": not "assist", which would fetch half the archive). Single
                    # words may be cut stems ("immigra") a stemming index never finds: all go.
                    groups = [g for g in parts if len(g.split()) > 1]
                    for part in [max(groups, key=lambda g: len(g.split()))] if groups else parts:
                        part = part.strip(" \t\r\n" + _DASHES)
                        terms.setdefault(re.sub(r"\W+", " ", part.lower()).strip(), part)
                        if re.search(r"(?i)\sand\s", part):  # "&" is no word to a full-text index
                            bare = re.sub(r"(?i)\s+and\s+", " ", part)
                            terms.setdefault(re.sub(r"\W+", " ", bare.lower()).strip(), bare)
            self._rules.append(
                _Rules(
                    id=c.id,
                    threshold=c.rules.threshold,
                    patterns=tuple(patterns),
                    triggers=frozenset(i for pat in patterns for i, _ in pat.any),
                    local_decoys=frozenset(local),
                    excludes=frozenset(index[x] for x in excludes),
                    fts_terms=tuple(terms.values()),
                )
            )
        self._by_id = {r.id: r for r in self._rules}
        self._trigger_rx = _combined_rx({k: units_of[k] for k in trigger_keys}, ends)
        self._all_rx = _combined_rx(units_of)

    @classmethod
    def from_commitments(cls, commitments: Sequence[Commitment]) -> Matcher:
        """Compile the rules of these commitments (regexes, decoy kinds) once."""
        return cls(commitments)

    def fts_terms(self, commitment_id: str) -> list[str]:
        """The phrases at least one of which a text must contain to match (for an FTS recall query).

        These are the `any` phrases, unquoted; the caller quotes them. Case-sensitive ones come
        back as written ("ICE"), so a case-blind full-text index over-fetches, never misses.
        """
        try:
            return list(self._by_id[commitment_id].fts_terms)
        except KeyError:
            raise KeyError(f"no commitment {commitment_id!r}") from None

    # ------------------------------------------------------------------ matching

    def match(self, text: str) -> list[Candidate]:
        """Candidates for a short text (an agenda item), one per commitment at its threshold."""
        occurrences = self._scan(text)
        if not occurrences:
            return []
        return self._evaluate(text, occurrences, 0, len(text), frozenset())

    def match_passages(self, text: str) -> list[Candidate]:
        """Candidates for a long text (minutes): the best window per commitment.

        Windows are paragraphs (long ones cut into runs of sentences) and numbered item blocks,
        so a `with_any` phrase must sit in the same paragraph or item as its trigger. Exclusions
        apply to the whole document; decoys to each window. Offsets are into `text`.
        """
        occurrences = self._scan(text)
        if not occurrences:
            return []
        present = {i for i, _, _ in occurrences}
        excluded = frozenset(r.id for r in self._rules if not r.excludes.isdisjoint(present))
        starts = [s for _, s, _ in occurrences]
        best: dict[str, tuple[tuple[float, int, int], Candidate]] = {}
        for lo, hi in _windows(text):
            inside = occurrences[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]
            inside = [o for o in inside if o[2] <= hi]
            if not inside:
                continue
            for cand in self._evaluate(text, inside, lo, hi, excluded, check_excludes=False):
                rank = (cand.score, -(hi - lo), -lo)
                if cand.commitment_id not in best or rank > best[cand.commitment_id][0]:
                    best[cand.commitment_id] = (rank, cand)
        return sorted((c for _, c in best.values()), key=lambda c: (-c.score, c.start))

    def _scan(self, text: str) -> list[Occurrence]:
        """Every occurrence of every phrase, sorted by start ([] when no trigger is present)."""
        lower = _lower(text)
        offsets = None
        unglued = _unglue(text, lower, self._vocabulary)
        if unglued is not None:
            lower, offsets = unglued
        joined = _join_broken(lower, self._vocabulary)
        if joined is not None:
            lower, kept = joined
            offsets = [offsets[k] for k in kept] if offsets is not None else kept
        if not self._trigger_rx.search(lower):
            return []
        found: list[Occurrence] = []
        search, phrases, chains = self._all_rx.search, self._phrases, self._chains
        pos = 0
        while m := search(lower, pos):
            start = m.start()
            for i in chains[_norm(m.group())]:
                hit = phrases[i].rx.match(lower, start)
                if hit:
                    found.append((i, start, hit.end()))
            pos = start + 1
        if self._gaps:
            heads: dict[int, list[int]] = {}
            for i, start, _ in found:
                heads.setdefault(i, []).append(start)
            for i, head, rx in self._gaps:
                for start in heads.get(head, ()):
                    if m := rx.match(lower, start):
                        found.append((i, start, m.end()))
        if offsets is not None:  # back to the original text's offsets
            found = [(i, offsets[s], offsets[e - 1] + 1) for i, s, e in found]
        found.sort(key=lambda o: (o[1], o[2]))
        return found

    def _evaluate(
        self,
        text: str,
        occurrences: list[Occurrence],
        lo: int,
        hi: int,
        skip: frozenset[str],
        check_excludes: bool = True,
    ) -> list[Candidate]:
        lower = _lower(text)
        sense: bool | None = None  # does the text speak of immigration (decided when needed)
        spans: dict[int, list[tuple[int, int]]] = {}
        for i, s, e in occurrences:
            spans.setdefault(i, []).append((s, e))
        present = spans.keys()
        out = []
        for rules in self._rules:
            if rules.id in skip or rules.triggers.isdisjoint(present):
                continue
            if check_excludes and not rules.excludes.isdisjoint(present):
                continue
            blocked = [sp for d in rules.local_decoys if d in spans for sp in spans[d]]
            if sense is None:
                sense = bool(_IMMIGRATION_SENSE.search(lower))
            fired = []
            for pat in rules.patterns:
                if pat.any_set.isdisjoint(present) or (
                    pat.with_set and pat.with_set.isdisjoint(present)
                ):
                    continue
                hits = sorted(
                    h
                    for i, exact in pat.any
                    for h in _live(text, spans, i, exact, blocked)
                    if exact is None or sense or not _in_capitals(text, *h)
                )
                if not hits:
                    continue
                co = sorted(h for i in pat.with_any for h in _live(text, spans, i, None, blocked))
                if pat.with_any and not co:
                    continue
                fired.append((pat, hits, co))
            if not fired:
                continue
            read = []
            for pat, hits, co in fired:
                stance_of, negs = pat.stance, []
                if pat.stance == "contrary" and pat.refusable:
                    negs = _negations(lower, hits[0], [*co, *hits])
                    if len(negs) % 2:
                        stance_of = "supports"
                    elif failed := _unadopted(lower, hits[0], [*co, *hits], lo, hi):
                        stance_of, negs = "supports", failed  # a contrary measure voted down
                    elif why := _not_done(lower, hits[0], lo, hi):
                        stance_of, negs = "context", [why]
                elif pat.stance == "supports":
                    negs = _unadopted(lower, hits[0], [*co, *hits], lo, hi)
                    if negs:
                        stance_of = "contrary"
                read.append((pat, hits, co, stance_of, negs))
            weigh = Counter()
            for p, _, _, st, _ in read:
                weigh[st] += p.weight
            supports, contrary = weigh["supports"], weigh["contrary"]
            score = round(supports + contrary + weigh["context"], 6)
            if score < rules.threshold - 1e-9:
                continue
            margin = abs(supports - contrary) / score
            fragment = False
            # Words that only say an item bears on the promise (a TRUTH Act report, a contrary
            # act named as a subject: "policies regarding cooperation with ICE") leave the
            # stance open: either side needs more weight than they have.
            if contrary > supports + weigh["context"] and margin >= _CONTRARY_MARGIN:
                stance: Stance = "contrary"
                # A clause of a list whose lead-in ("No officer shall:") is not in the text
                # may be forbidding the act it names: unsure, so context.
                if _LIST_FRAGMENT.match(text, lo, hi):
                    stance, fragment = "context", True
            elif supports > contrary and supports > weigh["context"]:
                stance = "supports"
            else:  # unsure: never a guessed "contrary"
                stance = "context"
            confidence = round(min(1.0, score / (2 * rules.threshold)) * (0.5 + 0.5 * margin), 2)
            cand = self._candidate(text, rules.id, score, stance, read, lo, hi, confidence)
            if fragment:
                cand.rules[-1:] = [_FRAGMENT_WHY]
            out.append(cand)
        out.sort(key=lambda c: -c.score)
        return out

    @staticmethod
    def _candidate(text, commitment_id, score, stance, read, lo, hi, confidence) -> Candidate:
        # The passage justifies the stance: anchor it on the heaviest pattern of that stance.
        pat, hits, co, _, _ = max(read, key=lambda f: (f[3] == stance, f[0].weight, -f[1][0][0]))
        anchor = hits[0]
        near = min(co, key=lambda h: abs(h[0] - anchor[0])) if co else None
        start, end = _passage(text, lo, hi, anchor, near)
        terms: list[str] = []
        last_end = -1
        # Overlapping hits ("(HSI)" and "HSI") give one term: the first, longest one.
        for s, e in sorted({h for _, hs, _, _, _ in read for h in hs}, key=lambda h: (h[0], -h[1])):
            if s >= last_end and text[s:e] not in terms:
                terms.append(text[s:e])
            last_end = max(last_end, e)
        rules = []
        for p, hs, cs, read_as, negs in read:
            why = f'"{_flat(text[hs[0][0] : hs[0][1]])}"'
            if cs:
                why += f' with "{_flat(text[cs[0][0] : cs[0][1]])}"'
            line = f"{p.label} ({p.stance} {p.weight:g}: {why})"
            if read_as != p.stance:
                if read_as == "context":
                    line += f" read as context: {negs[0]}"
                else:
                    how = "refused by" if read_as == "supports" else "the measure failed:"
                    line += f" read as {read_as}: {how} " + ", ".join(f'"{n}"' for n in negs)
            rules.append(line)
        if stance == "context" and any(f[3] == "context" != f[0].stance for f in read):
            rules.append("the act is named as a subject or a condition, not done: context")
        elif stance == "context" and any(f[0].stance == "context" for f in read):
            rules.append("words that say the item bears on the promise, not which way: context")
        elif stance == "context":
            rules.append("stance unclear (supporting and contrary signs weigh alike): context")
        return Candidate(
            commitment_id, score, stance, terms, rules, start, end, text[start:end], confidence
        )


def _live(
    text: str,
    spans: dict[int, list[tuple[int, int]]],
    i: int,
    exact: re.Pattern[str] | None,
    blocked: list[tuple[int, int]],
) -> list[tuple[int, int]]:
    """Occurrences of phrase i that count: right case, not inside a local decoy."""
    return [
        (s, e)
        for s, e in spans.get(i, ())
        if (exact is None or exact.match(text, s, e))
        and not any(s < be and bs < e for bs, be in blocked)
    ]


def _flat(s: str) -> str:
    return " ".join(s.split())


# ---------------------------------------------------------------- reading the stance

# Words that refuse, forbid, end or oppose what follows them in the clause. A contrary act
# ("287(g) agreement", "ICE detention contract") under an odd number of them is refused, so it
# supports the promise: "shall not enter into any 287(g) agreement", "terminating the contract
# with ICE", "opposing legislation that would withhold funds from sanctuary cities" (two: the
# opposition of a withholding, which stays contrary only when the pattern itself is about
# opposing). Only contrary patterns are read this way: a supporting one under "prohibiting"
# ("prohibiting discrimination on the basis of immigration status") still supports, and a
# declaration that is denied ("not a sanctuary jurisdiction") is written as its own contrary
# pattern in the rules, so a stray negation can never turn support into a wrong "contrary".
# "whether or not" refuses nothing either.
# "not" that describes a person ("an applicant who is not a United States citizen", "not lawfully
# present") refuses nothing: the rule's act still applies to them.
_NOT_A_PERSON = (
    r"(?!\s+(?:a\s+)?(?:(?:united\s+states|u\.\s?s\.?)\s+)?(?:citizens?|nationals?)(?!\w)"
    r"|\s+(?:lawfully|legally)\s+(?:present|admitted|residing))"
)
# "terminating June 30, 2020" gives a contract's end date: no refusal.
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"
_NEGATOR = re.compile(
    rf"(?<!\w)(?:(?<!or\s)not{_NOT_A_PERSON}|never|neither|nor|no(?![.#]|\s*\d)|no longer"
    r"|limit\w*|restrict\w*|prevent\w*|refrain\w*|refus\w*|prohibit\w*|ban|bans|banning"
    r"|forbid\w*|terminat\w*(?!\s+(?:on\s+|effective\s+)?(?:\d|" + _MONTH + r"))"
    r"|rescind\w*|rescission|repeal\w*|revok\w*|oppos\w*|end|ends|ending"
    # "has ended the jail's 287(g) program", "for scrapping a contract to house detainees"; a
    # "fiscal year ended June 30" ends nothing
    r"|(?<!year )(?<!period )(?<!quarter )(?<!months )ended|scrap|scraps|scrapped|scrapping"
    # ("Status: Withdrawn" is a record's status: a measure shelved, not an act refused)
    r"|(?<!status: )(?<!status:)withdraw\w*|withdrew|withhold\w*|cease\w*|discontinu\w*"
    r"|phase out|phasing out|phased out"
    r"|exit|exits|exiting"
    r"|declin\w*|reject\w*|cancel\w*|bar|bars|barring|regardless of|irrespective of"
    r"|fail(?:s|ed) to"  # "failed to end its ICE contract": two refusals, the act stands
    r"|without regard to|cannot|can not|unable to"
    # "urges the police to opt out of Secure Communities", "to block all county cooperation with
    # ICE", "will stop honoring detainer requests" (a verb after "stop": a traffic stop is none),
    # "a resolution against Secure Communities"
    r"|opt(?:s|ed|ing)?[\s-]+out|block\w*|stop(?:s|ped|ping)?(?=\s+\w+ing\b)"
    r"|(?:resolution|ordinance|motion|petition|vote|voted|voting|stand|position|testif\w*)"
    r"\s+against"
    # defied, not done: "keeps its policy despite threats to defund sanctuary cities" (only when
    # the act is inside the "despite" phrase; "Despite objections, it approved" is done)
    r"|(?:despite|in spite of|notwithstanding)(?=[^,;:]*$))(?!\w)"
)
# The same refusal written after the act: "... 287(g) agreement is hereby terminated".
_NEGATED_AFTER = re.compile(
    r"[^.;:!?]{0,60}?(?<!\w)(?:(?:is|are|shall be|will be|be|was|were|has been|have been)\s+"
    r"(?:hereby\s+|also\s+)?(?P<neg>not\s+(?:permitted|allowed|authorized)|prohibited|terminated"
    r"|rescinded|repealed|ended|discontinued|banned|forbidden|cancel+ed)"
    # or the body says it takes no part: "... the 287(g) program; the county does not participate"
    r"|(?P<apart>(?:does|do|did|will|would|shall)\s+not\s+(?:intend\s+to\s+)?"
    r"(?:participate|take part|join|enter|honor|cooperate)))(?!\w)"
)
# A supporting measure the body declined: "NOT ADOPTED", "declined to adopt", "was voted down",
# or the next sentence saying "the ordinance was not considered".
# Only the words of a failed vote count here, never a bare "not" or "rejecting" ("rejecting the
# policy of separating families" supports the promise), so a supporting rule reads as contrary
# only when the record says the measure itself failed.
# A body's refusal written just before the act ("declined to establish", "refused to end", "did
# not adopt", "failed to terminate") says the same of the act the rule names.
_UNADOPTED_BEFORE = re.compile(
    r"(?<!\w)(?:not adopted|not approved|not passed|declin\w* to (?:adopt|approve|pass|consider)"
    r"|voted down|voted against|shot down|failed to (?:adopt|pass|approve)"
    r"|did not (?:adopt|approve|pass|enact)"
    r"|(?:declin\w*|refus\w*|failed)(?=\s+to\s+(?:adopt|approve|pass|enact|create|establish"
    r"|join|sign|declare|end|terminate|cancel|limit|restrict|prohibit|fund)\w*"
    r"(?:\s+(?:a|an|the|its|their))?\s*$))(?!\w)"
)
# A record's own status field (Legistar prints "Status: Failed to Pass" above the title): it says
# the measure failed wherever in the record the rule's words are.
_STATUS_FAILED = re.compile(
    r"(?<!\w)status:\s*(?P<neg>failed(?: to (?:pass|adopt))?|defeated|not adopted|vetoed)(?!\w)"
)
_UNADOPTED_AFTER = re.compile(
    r"[^.;:!?]{0,80}?(?:[.;]\s+(?:[\w ,]{0,20}\s)?the (?:ordinance|resolution|measure|proposal)"
    r"[^.;:!?]{0,40}?)?(?<!\w)(?:is|was|were|has been|had been)\s+"
    r"(?P<neg>not adopted|not approved|not passed|not considered|voted down|defeated|tabled "
    r"indefinitely)(?!\w)"
    # or the next sentence says so: "... to support the Safe Communities Act. It failed"
    r"|[^.;!?]{0,200}?[.;]\s+(?:it|the (?:article|ordinance|resolution|measure|proposal|motion))"
    r"\s+(?P<next>failed|was defeated|was rejected|did not pass)(?!\w)"
    # or the measure's own verb: "A resolution opposing the resettlement of refugees failed"
    r"|[^.;:!?]{0,60}?(?<!\w)(?P<fell>failed|fails)(?!\s+to\b)(?!\w)"
)


# The readers of one hit all ask for it. A small cache: its keys hold whole lowered documents.
@functools.lru_cache(maxsize=16)
def _clause_before(lower: str, hit: tuple[int, int]) -> tuple[int, str, int]:
    """The text before `hit` that can hold its negation: (its offset, it, where its clause starts
    in it)."""
    lo = max(0, hit[0] - _CLAUSE_BACK)
    before = lower[lo : hit[0]]
    cut = 0
    for m in _CLAUSE_START.finditer(before):
        cut = m.end()
    return lo, before, cut


def _unadopted(
    lower: str, hit: tuple[int, int], own: list[tuple[int, int]], start: int, end: int
) -> list[str]:
    """Words saying the measure around `hit` failed, in its clause or just after it, or in the
    status field of the record being read (lower[start:end]: one item, or a window of minutes)."""
    lo, before, cut = _clause_before(lower, hit)
    found = [
        m.group()
        for m in _UNADOPTED_BEFORE.finditer(before, cut)
        if not any(lo + m.start() < oe and os < lo + m.end() for os, oe in own)
    ]
    after = _UNADOPTED_AFTER.match(lower, hit[1])
    if after:
        found.append(
            " ".join((after.group("neg") or after.group("next") or after.group("fell")).split())
        )
    found.extend(m.group("neg") for m in _STATUS_FAILED.finditer(lower, start, end))
    return found


# Where a clause starts: a sentence end that is not an abbreviation ("U.S. Immigration", "No. 5").
_CLAUSE_START = re.compile(
    r"(?:(?<!u\.s)(?<!\bno)(?<!\bnos)(?<!\b[a-z])\.|[;!?])\s|\bwhereas\b|\bresolved\b"
    r"|\btherefore\b|\n\s*\n"
)
_CLAUSE_BACK = 160  # characters before a hit that can hold its negation

# A text that opens as one clause of a list, with no subject: "(c) Perform the functions of an
# immigration officer", "- Honoring any civil immigration detainer", "(b) assisting with ...".
# Ordinances list what officers shall not do; cut out of its lead-in, such a clause names the
# act it may be forbidding, so its contrary reading is a guess.
_LIST_FRAGMENT = re.compile(
    r"\s*(?:(?:\(?[A-Za-z0-9]{1,4}\)|[a-z0-9]{1,3}[.)]|[-\u2022\u2013*])\s+"  # "(c)", "2.", "-"
    r"(?:[a-z]|(?!Authoriz|Approv|Accept|Adopt|Amend|Award|Ratif|Consider|Renew|Extend|Execut)"
    r"[A-Z][a-z]+ing\b|(?:Perform|Permit|Assist|Participate|Honor|Respond|Allow|Use|Share"
    r"|Detain|Arrest|Notify|Disclose|Inquire|Investigate|Stop|Question|Enforce|Cooperate"
    r"|Expend|Hold|Engage|Act)\b))"
)
_FRAGMENT_WHY = "a clause of a list whose opening words are missing (it may forbid this): context"
# A contrary act named as the subject of a measure, report or policy ("policies regarding the
# Department's role in ... cooperation with ICE", "a report concerning ICE detainers") is not an
# act the body does; with a verb of doing between ("regarding approving the 287(g) agreement",
# "pertaining to entering into", "its policy to honor detainers") it is. Read without a verb, it
# leaves the stance open. A measure's own title ("An ordinance relating to citizenship status
# requirements for licenses", "An act concerning English as the official language") names what
# the measure does, so it is no subject marker.
_TOPIC = re.compile(
    r"(?<!\w)(?<!ordinance )(?<!act )(?<!bill )(?<!resolution )(?<!law )(?<!code )(?<!chapter )"
    r"(?P<marker>regarding|concerning|pertaining to|relating to|related to|with respect to"
    r"|in regard to|in regards to|role in|policies on|policy on|discuss|discussion of"
    r"|overview of|report on|briefing on|update on|presentation on|spoke on|spoke about"
    r"|similar to)\s+"
    r"(?:(?!to\s|approv|authoriz|enter|execut|adopt|accept|renew|extend|sign|participat|join"
    r"|continu|expand|ratif|award|amend|support|agree|honor|[\w'’-]+ing\s)"
    r"[\w'’().,/-]+\s+){0,12}$"
)
# A contrary act inside a condition is not done either: "to notify the Board if the County is
# asked to enter into a 287(g) agreement", "until it has a protocol to use the SAVE program".
_HYPOTHETICAL = re.compile(r"(?<!\w)(?P<marker>if|until|in the event)\s[^,;:]*$")
# A contrary measure put off without a vote ("was effectively buried by the committee", "was
# yanked from consideration", a record whose status is "Tabled"): nothing was done.
_SHELVED = re.compile(
    r"[^.;!?]{0,80}?(?<!\w)(?:is|was|were|has been|had been|been)\s+(?:\w+ly\s+)?"
    r"(?P<neg>tabled|withdrawn|pulled|yanked|buried|shelved|postponed|pushed back|put off|delayed"
    r"|deferred|removed from the agenda)"
    r"(?!\w)"
)
_SHELVED_STATUS = re.compile(
    r"(?<!\w)status:\s*(?P<neg>tabled|filed|held in committee|withdrawn)(?!\w)"
)
# An item that only informs: a staff report, a work session, a discussion or update, with no
# act in it ("WORK SESSION STAFF REPORT ... Re: English as Official Language").
_INFORMATIONAL = re.compile(
    r"\W*(?:[\w.#-]+\s+){0,4}?(?P<marker>work session|staff report|discussion|presentation"
    r"|update|informational|information only|receive and file|report on|questions)(?!\w)"
)
_DOING = re.compile(
    r"(?<!\w)(?:approv|adopt|authoriz|execut|enter into|entering into|ratif|award|renew"
    r"|accept(?!\s+(?:this|the)\s+report)"
    r"|extend|sign|join|participat|consideration of|consider)"
)


def _not_done(lower: str, hit: tuple[int, int], start: int, end: int) -> str:
    """Why the act at `hit` is named but not done (its subject marker, its condition, a measure
    shelved, an item that only informs), or ''. The record's status and opening words are those
    of lower[start:end], the item or minutes window being read."""
    _, before, cut = _clause_before(lower, hit)
    if m := _TOPIC.search(before, cut):
        return f'the subject of "{m.group("marker")}"'
    if m := _HYPOTHETICAL.search(before, cut):
        return f'a condition ("{m.group("marker")}")'
    if m := _SHELVED.match(lower, hit[1]) or _SHELVED_STATUS.search(lower, start, end):
        return f'shelved ("{m.group("neg")}")'
    if (m := _INFORMATIONAL.match(lower, start, end)) and not _DOING.search(lower, start, end):
        return f'an item that informs ("{m.group("marker")}")'
    return ""


# A condition set off before the main clause ("where no ICE arrest warrant has been presented,
# we will continue notifying ICE", "if the person is not a citizen, the officer shall notify
# ICE"): a negation inside it belongs to the condition and refuses nothing in the main clause.
# "shall not, unless a judge signs a warrant, notify ICE" keeps its "not": it is outside.
_CONDITION = re.compile(r"(?<!\w)(?:if|when|whenever|where|unless|absent)\s[^,;:]{0,150},")
_CONTRARY_MARGIN = 0.1  # contrary only when (contrary - supports) / total reaches this


def _negations(lower: str, hit: tuple[int, int], own: list[tuple[int, int]]) -> list[str]:
    """Negating words of the clause around `hit`, except those that are the pattern's own."""
    lo, before, cut = _clause_before(lower, hit)
    conditions = [(lo + m.start(), lo + m.end()) for m in _CONDITION.finditer(before, cut)]
    found = []
    for m in _NEGATOR.finditer(before, cut):
        s, e = lo + m.start(), lo + m.end()
        if not any(s < oe and os < e for os, oe in [*own, *conditions]):
            found.append(m.group())
    after = _NEGATED_AFTER.match(lower, hit[1])
    if after and not any(after.start() < oe and os < after.end() for os, oe in own):
        found.append(" ".join((after.group("neg") or after.group("apart")).split()))
    return found


# ---------------------------------------------------------------- passages and windows


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentence_cuts(text: str, lo: int, hi: int) -> list[int]:
    """Offsets where sentences start within [lo, hi), lo and hi included."""
    cuts = [lo]
    for m in _SENTENCE_END.finditer(text, lo, hi):
        if m.group()[0] == ".":
            word = re.search(r"[\w.]+$", text[max(lo, m.start() - 8) : m.start()])
            w = word.group().lower() if word else ""
            # "No. 1247-20", "U.S. Department", "William A. Bell" are not sentence ends
            if w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                continue
        if lo < m.end() < hi:
            cuts.append(m.end())
    cuts.append(hi)
    return cuts


def _passage(
    text: str, lo: int, hi: int, anchor: tuple[int, int], near: tuple[int, int] | None
) -> tuple[int, int]:
    """The sentence(s) around `anchor` within [lo, hi), at most PASSAGE_MAX characters."""
    lo, hi = _trim(text, lo, hi)
    if hi - lo <= PASSAGE_MAX:
        return lo, hi
    cuts = _sentence_cuts(text, lo, hi)
    i = bisect.bisect_right(cuts, anchor[0]) - 1
    j = bisect.bisect_left(cuts, anchor[1])
    s, e = cuts[i], cuts[min(j, len(cuts) - 1)]
    if e - s > PASSAGE_MAX:  # one long sentence: a window centred on the anchor
        room = max(0, PASSAGE_MAX - (anchor[1] - anchor[0]))
        s = max(lo, anchor[0] - room // 2)
        e = min(hi, s + PASSAGE_MAX)
        s = max(lo, e - PASSAGE_MAX)
        while s < anchor[0] and s > lo and not text[s - 1].isspace():
            s += 1
        while e > anchor[1] and e < hi and not text[e].isspace():
            e -= 1
        return _trim(text, s, e)
    # Grow by whole sentences, towards the co-occurring phrase first.
    toward_next = near is not None and near[0] >= anchor[0]
    while True:
        grown = False
        for forward in (toward_next, not toward_next):
            if forward and j < len(cuts) - 1 and cuts[j + 1] - s <= PASSAGE_MAX:
                j += 1
                e = cuts[j]
                grown = True
                break
            if not forward and i > 0 and e - cuts[i - 1] <= PASSAGE_MAX:
                i -= 1
                s = cuts[i]
                grown = True
                break
        if not grown:
            return _trim(text, s, e)


def _paragraphs(text: str) -> list[tuple[int, int, int]]:
    """Paragraphs (blank-line separated, also cut before numbered item markers) as (start, end,
    paragraph number); a long paragraph comes back as several runs of sentences sharing a number.
    """
    cuts = {0, len(text)}
    cuts.update(m.end() for m in _PARAGRAPH_BREAK.finditer(text))
    cuts.update(m.start() for m in _ITEM_MARKER.finditer(text))
    ordered = sorted(cuts)
    out = []
    for number, (s, e) in enumerate(zip(ordered, ordered[1:], strict=False)):
        s, e = _trim(text, s, e)
        if e <= s:
            continue
        if e - s <= _LONG_SEGMENT:
            out.append((s, e, number))
            continue
        chunk = s
        for prev, cut in zip(sentences := _sentence_cuts(text, s, e), sentences[1:], strict=False):
            if cut - chunk > _CHUNK and prev > chunk:
                out.append((*_trim(text, chunk, prev), number))
                chunk = prev
        out.append((*_trim(text, chunk, e), number))
    return [p for p in out if p[1] > p[0]]


def _windows(text: str) -> list[tuple[int, int]]:
    """Paragraphs (or runs of sentences), adjacent runs of one paragraph, whole item blocks."""
    paragraphs = _paragraphs(text)
    windows = [(s, e) for s, e, _ in paragraphs]
    for (s1, _, n1), (_, e2, n2) in zip(paragraphs, paragraphs[1:], strict=False):
        if n1 == n2:
            windows.append((s1, e2))
    bounds = [0, *(m.start() for m in _ITEM_MARKER.finditer(text)), len(text)]
    for s, e in zip(bounds, bounds[1:], strict=False):
        inner = [p for p in paragraphs if s <= p[0] and p[1] <= e]
        if len(inner) > 1 and inner[-1][1] - inner[0][0] <= _BLOCK_MAX:
            windows.append((inner[0][0], inner[-1][1]))
    return windows
