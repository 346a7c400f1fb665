"""The tracker's vocabularies, one StrEnum each: what a stored or shown word may be.

They are strings (`Status.KEPT == "kept"`), so rows, URLs, exports and templates keep the plain
words; code names the member, so a typo fails at import and not on a page.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a promise stands (see /methodology)."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    STALLED = "stalled"  # derived from dates, never set by an editor
    PARTIAL = "partial"
    KEPT = "kept"
    BROKEN = "broken"


EDITOR_STATUSES = tuple(s for s in Status if s is not Status.STALLED)
NEEDS_EVIDENCE = (Status.KEPT, Status.PARTIAL, Status.BROKEN)


class Reason(StrEnum):
    """Reason codes an editor may give with a status event."""

    STALLED = "stalled"
    BROKEN = "broken"
    PRE_EMPTED = "pre-empted-by-state-law"


class Stance(StrEnum):
    """How a piece of evidence bears on its promise."""

    SUPPORTS = "supports"
    CONTRARY = "contrary"
    CONTEXT = "context"


class ReviewState(StrEnum):
    CANDIDATE = "candidate"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class EvidenceKind(StrEnum):
    MATCH = "match"  # proposed by the matcher
    CURATED = "curated"  # from curated_events.yaml
    MANUAL = "manual"  # added by an editor with add-evidence


class DocumentKind(StrEnum):
    AGENDA = "agenda"
    MINUTES = "minutes"
    MANUAL = "manual"
    PRESS_RELEASE = "press-release"  # a council web page of no meeting, archived as HTML


class Extract(StrEnum):
    """What text extraction made of a document."""

    OK = "ok"
    NO_TEXT = "no-text"  # a scan without a text layer
    PARTIAL = "partial"  # some pages unreadable
    ENCRYPTED = "encrypted"
    BROKEN = "broken"
    UNSUPPORTED = "unsupported"


READABLE = (Extract.OK, Extract.PARTIAL)


class MeetingStatus(StrEnum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    PASSED = "passed"
    CANCELLED = "cancelled"


class RunKind(StrEnum):
    SCRAPE = "scrape"
    PROCESS = "process"
    MATCH = "match"


class Outcome(StrEnum):
    """How a run ended."""

    OK = "ok"
    PARTIAL = "partial"  # finished, with some documents failed
    FAILED = "failed"
