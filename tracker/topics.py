"""The unassigned queue: items that bear on immigration but that no commitment's rules claim.

Nothing relevant is silently dropped: when the matcher proposes no commitment for an item (or a
minutes record) that speaks of immigration, refugees, deportation, TPS, DACA or sanctuary, or that
the relevance model (tracker.relevance) rates likely to bear on a promise though it names none of
them, it waits here, at a low confidence, for an editor to attach it to a promise or dismiss it.
`match_all` (tracker.evidence) is the one writer of open rows; `attach` and `dismiss` decide them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from . import relevance
from .catalog import Commitment
from .db import utcnow
from .errors import StatusError
from .matching import Candidate, find_phrases
from .vocab import EvidenceKind, ReviewState, Stance

CONFIDENCE = 0.2  # a topic word alone is a weak sign: shown to editors as such
OPEN, ATTACHED, DISMISSED = "open", "attached", "dismissed"

# Word prefixes and acronyms a text about immigrants uses; acronyms only in capitals, so "tps"
# in a URL or "Daca" in a name are not read as the programmes.
_TOPIC = re.compile(
    r"\b(?:immigra\w*|emigra\w*|refugee\w*|deport\w*|asylum|asylee\w*|undocumented"
    r"|sanctuary|temporary\s+protect(?:ed|ive)\s+status|deferred\s+action\s+for\s+child(?:hood)?\s+arrivals"
    r"|non-?citizens?|migrants?)\b"
    r"|\b(?-i:TPS|DACA|ICE)\b",
    re.I,
)
# "Sanctuary" as a name (a church, a street, a wildlife refuge) is not the policy; "ICE" is an
# ICE rink or facility only with the immigration sense elsewhere.
_NAMES = re.compile(
    r"\bsanctuary\s+(?:of\s+\w+\s+)?(?:baptist|church|ministr\w*|cove|apartments?|road|rd\b"
    r"|street|st\b|lane|drive|park|wildlife|bird|animal|chapel|fellowship|temple)"
    r"|\b(?:bird|wildlife|animal|nature|horse|pet|dog|cat)\s+sanctuary"
    r"|\b(?:the\s+)?(?:church|choir|worship)\s+sanctuary",
    re.I,
)
_ICE_ONLY = "ice"
# Substrings one of which every topic word holds: a cheap test before the regex (most items
# of a council's agenda speak of none of this).
_CHEAP = (
    "migra",
    "refugee",
    "deport",
    "asyl",
    "undocumented",
    "sanctuary",
    "temporary protect",
    "deferred action",
    "citizen",
)
_CHEAP_CASED = ("TPS", "DACA", "ICE")


def terms(text: str) -> list[str]:
    """The immigration words in `text` (empty when it does not speak of immigration)."""
    if not text:
        return []
    lower = text.lower()
    if not any(w in lower for w in _CHEAP) and not any(w in text for w in _CHEAP_CASED):
        return []
    if not _TOPIC.search(text):
        return []
    names = [m.span() for m in _NAMES.finditer(text)]
    found: list[str] = []
    for m in _TOPIC.finditer(text):
        if any(s <= m.start() < e for s, e in names):
            continue
        word = " ".join(m.group().split())
        if word.lower() not in (f.lower() for f in found):
            found.append(word)
    # ICE alone (in capitals: a title "ICE SKATING RINK") is not a topic.
    if [w.lower() for w in found] == [_ICE_ONLY]:
        return []
    return found


@dataclass(frozen=True)
class Suggestion:
    """A promise an unassigned item may bear on, and the hint words that point to it."""

    commitment_id: str
    words: tuple[str, ...]


class Suggester:
    """Which promise an item no rule claims most likely bears on, from each promise's `hints`.

    A suggestion is for an editor, never a candidate: the promise whose hints the item holds
    most (distinct words; the catalogue's order breaks a tie) comes first. Hints are spelled as
    rule phrases (tracker.matching.find_phrases): "detain" finds "detainers", and "ID", in
    capitals, is not the "id" in "idea"."""

    LIMIT = 2

    def __init__(self, commitments: Sequence[Commitment]):
        self._hints = [(c.id, c.hints) for c in commitments if c.hints]

    def suggest(self, text: str, limit: int | None = LIMIT) -> list[Suggestion]:
        ranked = []
        for position, (commitment_id, hints) in enumerate(self._hints):
            words: list[str] = []
            for start, end, _ in find_phrases(hints, text):
                word = " ".join(text[start:end].split()).lower()
                if word not in words:
                    words.append(word)
            if words:
                ranked.append((-len(words), position, Suggestion(commitment_id, tuple(words))))
        return [s for *_, s in sorted(ranked, key=lambda r: r[:2])[:limit]]


WORDS, MODEL = "words", "model"  # what put an item in the queue
MODEL_CONFIDENCE = 0.1  # a statistical likeness, weaker still than a topic word
# A model candidate passed a stricter test (relevance.Reading.sure) but is still a likeness,
# with no stance read: well below evidence.PUBLIC_MIN_CONFIDENCE, so never on public pages.
MODEL_CANDIDATE_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Entry:
    """Why an item goes to the queue and which promises to offer an editor first."""

    reason: str  # WORDS or MODEL
    words: tuple[str, ...]  # the topic words, or the words that weighed most in the model
    suggested: tuple[Suggestion, ...]
    confidence: float


class Screener:
    """Whether an item no rule claims goes to the unassigned queue, and with which promises.

    A topic word puts it there (`terms`); without one, the relevance model's probability can.
    The promises offered first are those whose hints the item holds, then the model's ranking.
    Neither order is reliably better on unseen holdouts: on the relevant items that waited here,
    this one was right first for 11 of 21 on holdouts 19-20 (the model's own first, 7) and for
    11 of 22 on holdouts 21-22 (the model's, 13). When the model is sure of the item and of one
    promise, `second_look` makes it that promise's candidate instead (`candidate`)."""

    def __init__(self, commitments: Sequence[Commitment], model: relevance.Model | None = None):
        self._suggester = Suggester(commitments)
        self._model = model
        self._ids = {c.id for c in commitments}

    @classmethod
    def shipped(cls, commitments: Sequence[Commitment]) -> Screener:
        return cls(commitments, relevance.load())

    @property
    def model(self) -> relevance.Model | None:
        return self._model

    def screen(self, text: str, known: dict[str, float] | None = None) -> Entry | None:
        """The queue entry for `text`, or None. `known` maps a text's digest to the model's
        probability for it (relevance_cache): an unchanged item is not scored again, and the
        dict gains the texts scored now."""
        words = terms(text)
        if not words and (
            self._model is None or self._probability(text, known) < relevance.THRESHOLD
        ):
            return None
        # The promises whose hints the item holds come first, in the hints' order and described
        # by those words; the model ranks the rest, described by its own words.
        offered = self._suggester.suggest(text, limit=None)
        reading = self._model.read(text) if self._model is not None else None
        if reading is not None:
            hinted = {s.commitment_id for s in offered}
            offered += [
                Suggestion(cid, found)
                for cid, _, found in reading.promises
                if cid in self._ids and cid not in hinted
            ]
        suggested = tuple(offered[: Suggester.LIMIT])
        if words:
            return Entry(WORDS, tuple(words), suggested, CONFIDENCE)
        return Entry(MODEL, reading.words, suggested, MODEL_CONFIDENCE)

    def second_look(
        self, text: str, found: list[Candidate], known: dict[str, float] | None = None
    ) -> tuple[list[Candidate], Entry | None]:
        """What matching makes of a text the rules `found` candidates for (maybe none): those;
        when none, the model's own candidate if it is sure; else the queue's entry, if any.
        The model scores the text once for both (in `known`, or here when none is given)."""
        if found:
            return found, None
        known = {} if known is None else known
        if cand := self.candidate(text, known):
            return [cand], None
        return [], self.screen(text, known)

    def candidate(self, text: str, known: dict[str, float] | None = None) -> Candidate | None:
        """The model's own candidate for an item no rule claims, when it is sure of the item and
        of one promise (relevance.Reading.sure); its stance is context, since a model reads none.
        The why names the words that weighed towards that promise."""
        if self._model is None or self._probability(text, known) < relevance.SURE:
            return None
        reading = self._model.read(text)
        if not reading.sure or reading.promises[0][0] not in self._ids:
            return None
        cid, chance, words = reading.promises[0]
        found = [t for w in words if (t := _as_written(text, w))]
        quoted = ", ".join(f'"{w}"' for w in found or words)
        why = (
            f"relevance model: {reading.probability:.2f} that the item bears on a promise and "
            f"{chance:.2f} that it is this one, on the words {quoted}; a model reads no stance: "
            "context"
        )
        return Candidate(
            cid, reading.probability, "context", found, [why], 0, len(text), text,
            MODEL_CANDIDATE_CONFIDENCE,
        )  # fmt: skip

    def _probability(self, text: str, known: dict[str, float] | None) -> float:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
        probability = None if known is None else known.get(digest)
        if probability is None:
            probability = self._model.probability(text)
            if known is not None:
                known[digest] = probability
        return probability


def _as_written(text: str, term: str) -> str | None:
    """A model term ("legal representation", lower case) as the text spells it, or None."""
    rx = r"\b" + r"\W+".join(map(re.escape, term.split())) + r"\b"
    m = re.search(rx, text, re.I)
    return m.group() if m else None


def known_scores(db: sqlite_utils.Database, model: relevance.Model | None) -> dict[str, float]:
    """The model's cached probabilities (text digest -> probability)."""
    if model is None:
        return {}
    query = "select digest, probability from relevance_cache where model = ?"
    return dict(db.execute(query, [model.fingerprint]).fetchall())


def store_scores(
    db: sqlite_utils.Database, model: relevance.Model | None, scores: dict[str, float], old: int
) -> None:
    """Keep the probabilities scored in this match (`scores` holds `old` cached ones first) and
    drop those of any other model. The caller holds the write transaction."""
    if model is None:
        return
    db.execute("delete from relevance_cache where model != ?", [model.fingerprint])
    rows = ({"digest": d, "model": model.fingerprint, "probability": p}
            for d, p in list(scores.items())[old:])  # fmt: skip
    db["relevance_cache"].insert_all(rows, pk="digest", replace=True, batch_size=1000)


def sync(db: sqlite_utils.Database, proposed: dict[str, dict], now: str) -> tuple[int, int]:
    """Store this match's unassigned units (key -> row): new ones opened, open ones refreshed,
    open ones no longer unassigned removed; an editor's decision is never touched.
    Returns (new, dropped). The caller holds the write transaction."""
    existing = {r["evidence_key"]: r for r in db.query("select * from unassigned")}
    new = dropped = 0
    for key, row in proposed.items():
        old = existing.get(key)
        if old is None:
            db["unassigned"].insert({**row, "state": OPEN, "created_at": now, "updated_at": now})
            new += 1
        elif old["state"] == OPEN:
            db["unassigned"].update(old["id"], {**row, "updated_at": now})
    for key, old in existing.items():
        if key not in proposed and old["state"] == OPEN:
            db.execute("delete from unassigned where id = ? and state = 'open'", [old["id"]])
            dropped += 1
    return new, dropped


def queue(
    db: sqlite_utils.Database, *, state: str | None = OPEN, limit: int = 50, offset: int = 0
) -> tuple[list[dict], int]:
    """Unassigned units, newest meeting first (a page of them, and how many in all)."""
    where = ":state is null or state = :state"
    total = db.execute(
        f"select count(*) from unassigned where {where}", {"state": state}
    ).fetchone()[0]
    rows = list(
        db.query(
            f"""select * from unassigned where {where}
                order by date desc, item_number, id limit :limit offset :offset""",
            {"state": state, "limit": limit, "offset": offset},
        )
    )
    for row in rows:
        row["terms"] = json.loads(row["terms"] or "[]")
        row["suggested"] = json.loads(row["suggested"] or "[]")
    return rows, total


def get(db: sqlite_utils.Database, unassigned_id: int) -> dict:
    rows = list(db.query("select * from unassigned where id = ?", [unassigned_id]))
    if not rows:
        raise StatusError(f"no unassigned item with id {unassigned_id}")
    return rows[0]


def attach(
    db: sqlite_utils.Database,
    unassigned_id: int,
    commitment_id: str,
    stance: str,
    who: str,
    note: str,
) -> int:
    """An editor's decision that an unassigned item is evidence for a promise: it becomes
    accepted evidence of that commitment (same unit key, so re-matching keeps it). Returns the
    evidence id."""
    row = get(db, unassigned_id)
    if row["state"] != OPEN:
        raise StatusError(f"unassigned item {unassigned_id} was already {row['state']}")
    if not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    if stance not in tuple(Stance):
        raise StatusError(f"stance {stance!r} unknown (one of: {', '.join(Stance)})")
    if not note.strip():
        raise StatusError("attaching an item needs a note that says why")
    now = utcnow()
    clash = list(
        db.query(
            "select id from evidence where commitment_id = ? and match_key = ?",
            [commitment_id, row["evidence_key"]],
        )
    )
    if clash:
        raise StatusError(f"evidence {clash[0]['id']} already holds this item for {commitment_id}")
    with db.atomic():
        evidence_id = (
            db["evidence"]
            .insert(
                {
                    "commitment_id": commitment_id,
                    "kind": EvidenceKind.MATCH,
                    "match_key": row["evidence_key"],
                    "stance": stance,
                    "review_state": ReviewState.ACCEPTED,
                    "score": 0,
                    "confidence": row["confidence"],
                    "date": row["date"],
                    "title": row["title"],
                    "snippet": row["snippet"],
                    "why": json.dumps({"terms": json.loads(row["terms"] or "[]"), "rules": []}),
                    "source_url": row["source_url"],
                    "item_id": row["item_id"],
                    "document_id": row["document_id"],
                    "document_sha256": row["document_sha256"],
                    "page": row["page"],
                    "unit_kind": row["unit_kind"],
                    "meeting_id": row["meeting_id"],
                    "item_number": row["item_number"],
                    "minutes_snippet": row["minutes_snippet"],
                    "minutes_page": row["minutes_page"],
                    "reviewer": who,
                    "review_note": note,
                    "reviewed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            .last_pk
        )
        _decide(db, row, ATTACHED, who, note, now, evidence_id)
    return evidence_id


def dismiss(db: sqlite_utils.Database, unassigned_id: int, who: str, note: str) -> None:
    """An editor's decision that an unassigned item bears on no promise."""
    row = get(db, unassigned_id)
    if row["state"] != OPEN:
        raise StatusError(f"unassigned item {unassigned_id} was already {row['state']}")
    if not note.strip():
        raise StatusError("dismissing an item needs a note that says why")
    with db.atomic():
        _decide(db, row, DISMISSED, who, note, utcnow(), None)


def _decide(db, row: dict, state: str, who: str, note: str, now: str, evidence_id) -> None:
    db["unassigned"].update(
        row["id"],
        {
            "state": state,
            "evidence_id": evidence_id,
            "decided_by": who,
            "decided_at": now,
            "note": note,
            "updated_at": now,
        },
    )
    db["audit_log"].insert(
        {
            "at": now,
            "who": who,
            "action": f"unassigned:{state}",
            "target": f"evidence:{evidence_id}" if evidence_id else f"unassigned:{row['id']}",
            "detail": json.dumps({"note": note, "key": row["evidence_key"]}),
        }
    )
