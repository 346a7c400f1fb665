"""Archived documents in the record: their versions, and where a piece of evidence sits in one."""

from __future__ import annotations

import re

import sqlite_utils

SHA256 = re.compile(r"[0-9a-f]{64}")


def documents_with_sha(db: sqlite_utils.Database, sha256: str) -> list[dict]:
    """Every document row holding these bytes, newest first (none for a malformed hash)."""
    rows = (
        list(
            db.query(
                """select d.*, m.title as meeting_title, m.date as meeting_date
                   from documents d left join meetings m on m.id = d.meeting_id
                   where d.sha256 = ? order by d.fetched_at desc, d.id desc""",
                [sha256],
            )
        )
        if SHA256.fullmatch(sha256)
        else []
    )
    return rows


def evidence_passage(
    db: sqlite_utils.Database, evidence_id: int | None, rows: list[dict], pages: list[dict]
) -> tuple[dict | None, dict | None]:
    """The ?evidence= row when it belongs to this document, and where its passage is.

    The passage is {"page", "start", "end"} into that page's text, or None when it can't be
    found: a page match has offsets into the page; an item match's snippet is looked up in it.
    """
    if evidence_id is None:
        return None, None
    found = list(
        db.query(
            """select e.*, c.title_en as commitment_title_en, c.title_es as commitment_title_es
               from evidence e
               join commitments c on c.id = e.commitment_id where e.id = ?""",
            [evidence_id],
        )
    )
    ids = {r["id"] for r in rows}
    if not found:
        return None, None
    ev = found[0]
    if ev["minutes_document_sha256"] and ev["minutes_document_sha256"] == rows[0]["sha256"]:
        # An item's evidence opened on its minutes: the minutes record's passage.
        ev = {**ev, "page": ev["minutes_page"], "snippet": ev["minutes_snippet"]}
        ev["match_key"] = ev["passage_start"] = ev["passage_end"] = None
    elif not (ev["document_id"] in ids or ev["document_sha256"] == rows[0]["sha256"]):
        return None, None
    page = next((p for p in pages if p["page"] == ev["page"]), None)
    if page is None:
        return ev, None
    text = page["text"] or ""
    start, end = ev["passage_start"], ev["passage_end"]
    offsets = (ev["match_key"] or "").startswith(("page:", "press:"))
    if offsets and start is not None and end is not None:
        if 0 <= start < end <= len(text):
            return ev, {"page": page["page"], "start": start, "end": end}
    span = find_passage(text, ev["snippet"] or "")
    if span is None:
        return ev, None
    return ev, {"page": page["page"], "start": span[0], "end": span[1]}


def find_passage(text: str, snippet: str) -> tuple[int, int] | None:
    """Where `snippet` occurs in `text`, letting line breaks and spaces differ."""
    # An excerpt's ellipses stand for text left out: they are not in the page.
    words = [w for w in snippet.split() if w != "\u2026"]
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), text, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


def pages(db: sqlite_utils.Database, document_id: int) -> list[dict]:
    return list(
        db.query("select page, text from pages where document_id = ? order by page", [document_id])
    )


def newer_version(db: sqlite_utils.Database, doc: dict) -> list[dict]:
    """The newest version of the same meeting's document of this kind, if this is not it."""
    return list(
        db.query(
            """select sha256, version from documents where meeting_id is ? and kind = ?
               and (meeting_id is not null or url = ?)
               and version > ? order by version desc limit 1""",
            [doc["meeting_id"], doc["kind"], doc["url"], doc["version"]],
        )
    )
