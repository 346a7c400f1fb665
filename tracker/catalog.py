"""The commitments catalogue and curated events: YAML files validated, then loaded into the db."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from .db import utcnow
from .errors import CatalogError
from .vocab import (
    EDITOR_STATUSES,
    NEEDS_EVIDENCE,
    EvidenceKind,
    Reason,
    ReviewState,
    Stance,
    Status,
)

CURATED_REVIEWER = "curated history"  # reviewer of evidence loaded from curated_events.yaml

NonEmpty = Annotated[str, Field(min_length=1)]


def _has_a_word(phrase: str) -> str:
    # The matcher reads a phrase as letters between separators: one of spaces and dashes alone
    # would pass a length check here and then stop `match` with a traceback.
    if not any(ch.isalnum() for ch in phrase):
        raise ValueError("a phrase needs at least one letter or digit")
    return phrase


Phrase = Annotated[str, AfterValidator(_has_a_word)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in both languages; Spanish is required, not optional."""

    en: NonEmpty
    es: NonEmpty


class Source(Strict):
    """Where the promise was made or reported: publisher, URL, date, and the quoted words."""

    publisher: NonEmpty
    url: HttpUrl
    date: date
    quote: str | None = None


class Pattern(Strict):
    """A scoring rule: any of `any` counts, but only when one of `with_any` is in the same text."""

    any: list[Phrase] = Field(min_length=1)
    with_any: list[Phrase] = []
    weight: float = Field(gt=0)
    # context: the words show the item bears on the promise but not which way (an informational
    # report the law requires, a hearing); it adds to the score and never makes a contrary.
    stance: Stance = Stance.SUPPORTS
    case_sensitive: bool = False
    # False when the act is itself a prohibition ("prohibiting the renting of dwellings to illegal
    # aliens", "cease funding programs that serve illegal residents"): a "not" or "prohibiting"
    # before it is part of the act, not a refusal of it, so it never turns it into support.
    refusable: bool = True
    note: str | None = None
    # The note in Spanish, for /es/methodology. Not part of the rules: a translation matches
    # nothing, so it stays out of the fingerprint (see TRANSLATIONS) and never starts a new
    # rule version for every promise.
    note_es: str | None = None

    @model_validator(mode="after")
    def _translates_a_note(self) -> Pattern:
        if self.note_es and not self.note:
            raise ValueError("note_es is the Spanish of note: give the note in English too")
        return self


class Rules(Strict):
    """Matching rules as data: patterns that score, decoys that cancel a match, a threshold."""

    threshold: float = Field(gt=0)
    patterns: list[Pattern] = Field(min_length=1)
    decoys: list[Phrase] = []
    exclude_if_any: list[Phrase] = []


class Commitment(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")  # in URLs: stable once published
    made_by: Literal["resolution", "mayor", "campaign"]
    made_on: date
    title: Text
    summary: Text
    kept_when: Text
    sources: list[Source] = Field(min_length=1)
    rules: Rules
    # Words an item about immigration uses when it bears on this promise. They never make a
    # candidate: they only suggest a promise for an item no rule claims (the unassigned queue),
    # so they stay out of the rules fingerprint. Same spelling as a rule phrase: a word of four
    # or more letters is a prefix ("detain" finds "detainer").
    hints: list[Phrase] = []


class CommitmentsFile(Strict):
    commitments: list[Commitment]

    @field_validator("commitments")
    @classmethod
    def _unique_ids(cls, value: list[Commitment]) -> list[Commitment]:
        ids = [c.id for c in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate ids: {', '.join(dupes)}")
        if not value:
            raise ValueError("the catalogue lists no commitment")
        return value


class CuratedEvent(Strict):
    """A dated event an editor entered from press reports or public records."""

    key: NonEmpty  # stable: reloading the file never duplicates an event
    date: date
    date_precision: Literal["day", "month", "year"] = "day"
    title: Text
    summary: Text
    sources: list[HttpUrl] = Field(min_length=1)
    commitments: dict[NonEmpty, Stance] = Field(min_length=1)


class CuratedStatus(Strict):
    """An editor's status for a commitment, resting on curated events by key."""

    key: NonEmpty
    commitment: NonEmpty
    status: Status
    effective_date: date
    reason: Reason | None = None
    note: Text
    evidence: list[NonEmpty] = []
    who: NonEmpty = "editors"

    @field_validator("status")
    @classmethod
    def _editor_status(cls, value: Status) -> Status:
        if value not in EDITOR_STATUSES:
            raise ValueError(f"{value} is derived from dates, never set by an editor")
        return value


class CuratedFile(Strict):
    events: list[CuratedEvent]
    statuses: list[CuratedStatus]


# libyaml's parser when PyYAML was built with it: the catalogue loads in a tenth of the time, and
# `python run.py match` reads it on every run. Same safe subset of YAML either way.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}".replace("\n", " ")) from None


def describe(path: Path, raw: object, exc: ValidationError, list_key: str) -> CatalogError:
    """Turn pydantic's first error into one line naming the file, the entry id and the field."""
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
        entries = raw.get(list_key) if isinstance(raw, dict) else None
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        ident = entry.get("id") or entry.get("key") if isinstance(entry, dict) else None
        where = f" {list_key}[{loc[1]}]" + (f" (id {ident})" if ident else "")
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or "(top level)"
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "unknown field"
    elif err["type"] == "missing":
        message = "required field is missing"
    return CatalogError(f"{path}:{where} field {field}: {message}")


def load_commitments(path: Path) -> list[Commitment]:
    """Read and validate the commitments catalogue."""
    raw = read_yaml(path)
    try:
        return CommitmentsFile.model_validate(raw).commitments
    except ValidationError as exc:
        raise describe(path, raw, exc, "commitments") from None


def load_curated(path: Path, commitment_ids: Iterable[str]) -> CuratedFile:
    """Read and validate the curated events and editorial statuses of these commitments."""
    raw = read_yaml(path)
    try:
        curated = CuratedFile.model_validate(raw)
    except ValidationError as exc:
        list_key = "statuses" if exc.errors()[0]["loc"][:1] == ("statuses",) else "events"
        raise describe(path, raw, exc, list_key) from None
    by_key = {e.key: e for e in curated.events}
    if len(by_key) != len(curated.events):
        raise CatalogError(f"{path}: events: two events share a key")
    known = set(commitment_ids)
    for event in curated.events:
        for cid in event.commitments:
            if cid not in known:
                raise CatalogError(
                    f"{path}: events (key {event.key}) field commitments: "
                    f"{cid!r} is not in the catalogue"
                )
    for status in curated.statuses:
        if status.commitment not in known:
            raise CatalogError(
                f"{path}: statuses (key {status.key}) field commitment: "
                f"{status.commitment!r} is not in the catalogue"
            )
    for status in curated.statuses:
        for ref in status.evidence:
            if ref not in by_key or status.commitment not in by_key[ref].commitments:
                raise CatalogError(
                    f"{path}: statuses (key {status.key}) field evidence: "
                    f"no event with key {ref!r} bears on {status.commitment}"
                )
        if status.status in NEEDS_EVIDENCE and not status.evidence:
            raise CatalogError(
                f"{path}: statuses (key {status.key}) field evidence: "
                f"status {status.status} needs at least one piece of evidence"
            )
    return curated


# Pattern fields that translate a rule rather than change it. Dropped (key and all) before
# hashing, so a rule set hashes as it did before the field existed: a database whose rule
# versions were first seen without them keeps its history.
TRANSLATIONS = ("note_es",)


def rules_fingerprint(rules: dict) -> str:
    """A fingerprint of matching rules (as stored JSON), to tell when they changed."""
    what_matches = dict(rules)
    if "patterns" in rules:
        what_matches["patterns"] = [
            {k: v for k, v in pattern.items() if k not in TRANSLATIONS}
            for pattern in rules["patterns"]
        ]
    return hashlib.sha256(json.dumps(what_matches, sort_keys=True).encode()).hexdigest()


def rules_sha256(c: Commitment) -> str:
    return rules_fingerprint(c.rules.model_dump(mode="json"))


def commitment_row(c: Commitment, position: int) -> dict[str, object]:
    return {
        "id": c.id,
        "made_by": c.made_by,
        "made_on": c.made_on.isoformat(),
        "title_en": c.title.en,
        "title_es": c.title.es,
        "summary_en": c.summary.en,
        "summary_es": c.summary.es,
        "kept_when_en": c.kept_when.en,
        "kept_when_es": c.kept_when.es,
        "sources": json.dumps([s.model_dump(mode="json") for s in c.sources]),
        "rules": json.dumps(c.rules.model_dump(mode="json")),
        "position": position,
    }


def sync(db, commitments_path: Path, curated_path: Path) -> dict:
    """Load both files into the database, idempotently; return counts of what was added.

    Commitments are replaced by the file's version. Curated evidence is keyed by event key, so
    an edited event updates its row. Status events are append-only: a curated status already
    loaded is never changed; an edited one is reported so the editor adds a new entry instead.
    """
    from .status import record_event

    commitments = load_commitments(commitments_path)
    curated = load_curated(curated_path, [c.id for c in commitments])
    now = utcnow()
    added = {"evidence": 0, "status_events": 0, "changed_statuses": []}
    with db.atomic():
        record_commitments(db, commitments)
        for event in curated.events:
            for commitment_id, stance in event.commitments.items():
                row = {
                    "commitment_id": commitment_id,
                    "kind": EvidenceKind.CURATED,
                    "curated_key": event.key,
                    "stance": stance,
                    "review_state": ReviewState.ACCEPTED,
                    "date": event.date.isoformat(),
                    "date_precision": event.date_precision,
                    "title": event.title.en,
                    "title_es": event.title.es,
                    "snippet": event.summary.en,
                    "snippet_es": event.summary.es,
                    "source_url": str(event.sources[0]),
                    "source_urls": json.dumps([str(u) for u in event.sources]),
                    "reviewer": CURATED_REVIEWER,
                    "updated_at": now,
                }
                existing = list(
                    db["evidence"].rows_where(
                        "commitment_id = ? and curated_key = ?", [commitment_id, event.key]
                    )
                )
                if existing and existing[0]["reviewer"] != CURATED_REVIEWER:
                    # reviewed since by someone on the command line: their decision stands
                    for decided in ("stance", "review_state", "reviewer"):
                        row.pop(decided)
                    db["evidence"].update(existing[0]["id"], row)
                elif existing:
                    db["evidence"].update(existing[0]["id"], row)
                else:
                    db["evidence"].insert({**row, "created_at": now, "reviewed_at": now})
                    added["evidence"] += 1
        for status in curated.statuses:
            existing = list(db["status_events"].rows_where("curated_key = ?", [status.key]))
            if existing:
                old = existing[0]
                if (old["status"], old["effective_date"], old["note"]) != (
                    status.status,
                    status.effective_date.isoformat(),
                    status.note.en,
                ):
                    added["changed_statuses"].append(status.key)
                continue
            evidence_ids = (
                [
                    row["id"]
                    for row in db["evidence"].rows_where(
                        "commitment_id = ? and curated_key in ({})".format(
                            ",".join("?" * len(status.evidence))
                        ),
                        [status.commitment, *status.evidence],
                    )
                ]
                if status.evidence
                else []
            )
            record_event(
                db,
                status.commitment,
                status.status,
                status.effective_date,
                status.note.en,
                note_es=status.note.es,
                who=status.who,
                evidence_ids=evidence_ids,
                reason=status.reason,
                curated_key=status.key,
            )
            added["status_events"] += 1
    return added


def record_commitments(db, commitments: list[Commitment]) -> None:
    """Replace the commitments' rows with the catalogue's; keep the first sighting of every
    version of their rules (for /methodology's rule history)."""
    now = utcnow()
    for position, c in enumerate(commitments):
        row = commitment_row(c, position)
        db["commitments"].upsert(row, pk="id")
        db["rule_versions"].insert(
            {
                "commitment_id": c.id,
                "sha256": rules_sha256(c),
                "rules": row["rules"],
                "first_seen": now,
            },
            ignore=True,  # the unique (commitment, sha256) index keeps the first sighting
        )


def commitment_titles(db) -> list[dict]:
    """The commitments in catalogue order, with their titles (for menus and filters)."""
    return list(db.query("select id, title_en, title_es from commitments order by position"))


def ensure_loaded(db, commitments_path: Path, curated_path: Path) -> None:
    """On first start (no commitments yet) load the catalogue and the curated history."""
    if not db["commitments"].count:
        sync(db, commitments_path, curated_path)
