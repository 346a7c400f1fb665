"""Evidence: matcher candidates stored idempotently, editors' reviews, manual evidence.

The one writer of the evidence table besides the curated loader. A reviewed piece of evidence
is never changed by a re-match; pending candidates are re-scored, and dropped when the rules no
longer propose them.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils

from . import archive
from .catalog import load_commitments, record_commitments, rules_sha256
from .config import Settings
from .db import CURRENT_DOCUMENT, immediate, utcnow
from .errors import StatusError, TrackerError
from .matching import Matcher
from .runs import Run
from .vocab import DocumentKind, EvidenceKind, ReviewState, RunKind, Stance

logger = logging.getLogger(__name__)

# Items of the newest version of each agenda, and pages of the newest minutes, of meetings that
# are not test clips: older versions stay archived but are not matched.
CURRENT_ITEMS = f"""
select i.id, i.text, i.page, i.document_id, d.sha256, d.final_url, m.date, m.title, i.number
from items i
join documents d on d.id = i.document_id
join meetings m on m.id = i.meeting_id
where m.hidden = 0 and {CURRENT_DOCUMENT}
"""
CURRENT_MINUTES_PAGES = f"""
select p.id, p.text, p.page, p.document_id, d.sha256, d.final_url, m.date, m.title
from pages p
join documents d on d.id = p.document_id
join meetings m on m.id = d.meeting_id
where d.kind = 'minutes' and m.hidden = 0 and {CURRENT_DOCUMENT}
"""

# Pages of the newest version of each press release (a document of no meeting, dated itself).
CURRENT_PRESS_RELEASE_PAGES = f"""
select p.id, p.text, p.page, p.document_id, d.sha256, d.final_url, d.date, d.title
from pages p
join documents d on d.id = p.document_id
where d.kind = '{DocumentKind.PRESS_RELEASE}' and d.meeting_id is null and {CURRENT_DOCUMENT}
"""


@dataclass
class MatchReport:
    proposed: int = 0
    new: int = 0
    updated: int = 0
    dropped: int = 0
    kept_reviewed: int = 0
    seconds: float = 0.0


def _fts_query(terms: list[str]) -> str:
    # Every term quoted: a hyphen in "Resolution 2024-17" is FTS syntax otherwise.
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _recall(db: sqlite_utils.Database, table: str, matcher: Matcher, ids: list[str]) -> set[int]:
    """Row ids of `table` that FTS5 says may match any commitment's trigger terms."""
    found: set[int] = set()
    for cid in ids:
        terms = matcher.fts_terms(cid)
        if not terms:
            continue
        found.update(
            r["rowid"]
            for r in db.query(
                f"select rowid from {table}_fts where {table}_fts match ?", [_fts_query(terms)]
            )
        )
    return found


def match_all(db: sqlite_utils.Database, commitments_path: Path) -> MatchReport:
    """Re-run matching over every current agenda item, minutes page and press release;
    idempotent."""
    started = time.perf_counter()
    commitments = load_commitments(commitments_path)
    with db.atomic():  # the catalogue the rules come from; records any rule change
        record_commitments(db, commitments)
    shas = {c.id: rules_sha256(c) for c in commitments}
    matcher = Matcher.from_commitments(commitments)
    ids = [c.id for c in commitments]
    report = MatchReport()
    proposals: dict[tuple[str, str], dict] = {}

    item_ids = _recall(db, "items", matcher, ids)
    for row in db.query(CURRENT_ITEMS):
        if row["id"] not in item_ids:
            continue
        for cand in matcher.match(row["text"]):
            proposals[(cand.commitment_id, f"item:{row['id']}")] = _candidate_row(
                cand,
                row,
                item_id=row["id"],
                sha=shas[cand.commitment_id],
                title=f"Item {row['number']}, {row['title']}",
            )
    page_ids = _recall(db, "pages", matcher, ids)
    for row in db.query(CURRENT_MINUTES_PAGES):
        if row["id"] not in page_ids:
            continue
        for cand in matcher.match_passages(row["text"] or ""):
            proposals[(cand.commitment_id, f"page:{row['id']}")] = _candidate_row(
                cand,
                row,
                item_id=None,
                sha=shas[cand.commitment_id],
                title=f"Minutes p. {row['page']}, {row['title']}",
            )
    for row in db.query(CURRENT_PRESS_RELEASE_PAGES):
        if row["id"] not in page_ids:
            continue
        for cand in matcher.match_passages(row["text"] or ""):
            proposals[(cand.commitment_id, f"page:{row['id']}")] = _candidate_row(
                cand,
                row,
                item_id=None,
                sha=shas[cand.commitment_id],
                title=f"Press release, {row['title'] or row['final_url']}",
            )
    report.proposed = len(proposals)

    now = utcnow()
    with immediate(db):  # no review can land between reading the rows and writing them
        existing = {
            (r["commitment_id"], r["match_key"]): r
            for r in db.query("select * from evidence where kind = 'match'")
        }
        for key, row in proposals.items():
            old = existing.get(key)
            if old is None:
                db["evidence"].insert({**row, "created_at": now, "updated_at": now})
                report.new += 1
            elif old["review_state"] == ReviewState.CANDIDATE:
                _update_pending(db, old["id"], {**row, "updated_at": now})
                report.updated += 1
            else:
                report.kept_reviewed += 1
        for key, old in existing.items():
            if key not in proposals and old["review_state"] == ReviewState.CANDIDATE:
                db.execute(
                    "delete from evidence where id = ? and review_state = 'candidate'", [old["id"]]
                )
                report.dropped += 1
    report.seconds = time.perf_counter() - started
    return report


def _update_pending(db: sqlite_utils.Database, evidence_id: int, row: dict) -> None:
    """Re-score a candidate; a reviewed row is never touched (the SQL itself checks)."""
    columns = ", ".join(f"[{k}] = :{k}" for k in row)
    db.execute(
        f"update evidence set {columns} where id = :id and review_state = 'candidate'",
        {**row, "id": evidence_id},
    )


def _candidate_row(cand, row: dict, *, item_id: int | None, sha: str, title: str) -> dict:
    return {
        "commitment_id": cand.commitment_id,
        "kind": EvidenceKind.MATCH,
        "match_key": f"item:{item_id}" if item_id else f"page:{row['id']}",
        "stance": cand.stance,
        "review_state": ReviewState.CANDIDATE,
        "score": round(cand.score, 3),
        "date": row["date"],
        "title": title,
        "snippet": cand.passage,
        "why": json.dumps({"terms": list(cand.terms), "rules": list(cand.rules)}),
        "rules_sha256": sha,
        "source_url": row["final_url"],
        "item_id": item_id,
        "document_id": row["document_id"],
        "document_sha256": row["sha256"],
        "page": row["page"],
        "passage_start": cand.start,
        "passage_end": cand.end,
    }


def match_run(db: sqlite_utils.Database, settings: Settings) -> Run:
    """`match_all` recorded as a run (for the health page and the scheduler)."""
    run = Run(db, RunKind.MATCH)
    try:
        report = match_all(db, settings.place.catalogue)
    except TrackerError as exc:
        return run.finish(failed=str(exc))
    run.message = (
        f"{report.proposed} proposed: {report.new} new, {report.updated} re-scored, "
        f"{report.dropped} dropped, {report.kept_reviewed} already reviewed "
        f"({report.seconds:.2f} s)"
    )
    return run.finish()


def review_queue(
    db: sqlite_utils.Database,
    *,
    commitment_id: str | None = None,
    state: str | None = ReviewState.CANDIDATE,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """The matcher's evidence, best first (a page of it, and how many in all); an unknown
    commitment id is an error, not an empty list."""
    if commitment_id and not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    where = (
        "kind = :kind and (:state is null or review_state = :state)"
        " and (:c is null or commitment_id = :c)"
    )
    params = {"kind": EvidenceKind.MATCH, "state": state, "c": commitment_id}
    total = db.execute(f"select count(*) from evidence where {where}", params).fetchone()[0]
    rows = list(
        db.query(
            f"""select * from evidence where {where}
                order by score desc, date desc, id limit :limit offset :offset""",
            {**params, "limit": limit, "offset": offset},
        )
    )
    return rows, total


def get(db: sqlite_utils.Database, evidence_id: int) -> dict:
    rows = list(db.query("select * from evidence where id = ?", [evidence_id]))
    if not rows:
        raise StatusError(f"no evidence with id {evidence_id}")
    return rows[0]


def review(
    db: sqlite_utils.Database,
    evidence_id: int,
    decision: str,
    *,
    who: str,
    note: str,
    stance: str | None = None,
) -> dict:
    """Accept or reject a candidate, with a note; the decision is final for re-matching."""
    if decision not in (ReviewState.ACCEPTED, ReviewState.REJECTED):
        raise StatusError(f"decision {decision!r}: accept or reject")
    if not note.strip():
        raise StatusError("a review needs a note that says why")
    if stance is not None and stance not in tuple(Stance):
        raise StatusError(f"stance {stance!r} unknown (one of: {', '.join(Stance)})")
    row = get(db, evidence_id)
    now = utcnow()
    changes = {
        "review_state": decision,
        "reviewer": who,
        "review_note": note,
        "reviewed_at": now,
        "updated_at": now,
    }
    if stance:
        changes["stance"] = stance
    with db.atomic():
        db["evidence"].update(evidence_id, changes)
        db["audit_log"].insert(
            {
                "at": now,
                "who": who,
                "action": f"review:{decision}",
                "target": f"evidence:{evidence_id}",
                "detail": json.dumps({"note": note, "was": row["review_state"], "stance": stance}),
            }
        )
    return get(db, evidence_id)


def add_manual(
    db: sqlite_utils.Database,
    settings: Settings,
    *,
    commitment_id: str,
    url: str,
    day: date,
    note: str,
    who: str,
    stance: str,
    title: str | None = None,
    file: Path | None = None,
    data: bytes | None = None,
    snippet: str | None = None,
) -> int:
    """Evidence an editor obtained elsewhere (records request, news story, a reader's tip):
    archived from `file` or `data`, accepted. `snippet` is the quoted passage (default: note)."""
    from .process import process_document

    if not db["commitments"].count_where("id = ?", [commitment_id]):
        raise StatusError(f"no commitment with id {commitment_id!r}")
    if stance not in tuple(Stance):
        raise StatusError(f"stance {stance!r} unknown (one of: {', '.join(Stance)})")
    if not note.strip():
        raise StatusError("manual evidence needs a note that says what it shows")
    if not url.startswith(("http://", "https://")):
        raise StatusError(f"--url {url!r}: expected an http(s) address")
    document = None
    if file is not None:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise StatusError(f"{file}: cannot read ({exc.strerror})") from None
    if data is not None:
        with db.atomic():
            stored = archive.record(
                db,
                settings.archive_dir,
                meeting_id=None,
                kind=DocumentKind.MANUAL,
                url=url,
                data=data,
            )
        document = db["documents"].get(stored.document_id)
        process_document(db, settings, document)
    now = utcnow()
    with db.atomic():
        evidence_id = (
            db["evidence"]
            .insert(
                {
                    "commitment_id": commitment_id,
                    "kind": EvidenceKind.MANUAL,
                    "stance": stance,
                    "review_state": "accepted",
                    "date": day.isoformat(),
                    "title": title or note[:120],
                    "snippet": snippet or note,
                    "source_url": url,
                    "source_urls": json.dumps([url]),
                    "document_id": document["id"] if document else None,
                    "document_sha256": document["sha256"] if document else None,
                    "reviewer": who,
                    "review_note": note,
                    "reviewed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            .last_pk
        )
        db["audit_log"].insert(
            {
                "at": now,
                "who": who,
                "action": "evidence:add",
                "target": f"evidence:{evidence_id}",
                "detail": json.dumps({"url": url, "file": str(file) if file else None}),
            }
        )
    return evidence_id


def stage(item: dict | None, meeting: dict | None) -> tuple[str, bool] | None:
    """Where an agenda item stands in the council's process, and whether that is provisional.

    From the agenda's markers and the minutes: on an upcoming agenda, adopted, failed, tabled,
    referred, deferred, withdrawn; provisional until the meeting's minutes are parsed.
    """
    if not item or not meeting:
        return None
    if item.get("outcome"):
        return item["outcome"], bool(item.get("outcome_provisional"))
    if meeting["status"] in ("tentative", "confirmed"):
        return "on-agenda", True
    if meeting["status"] == "cancelled":
        return "meeting-cancelled", True
    return "heard", True
