"""The document archive: bytes stored once under their SHA-256, and a versioned record of each.

A blob is written to a temporary file and renamed into place, so a killed process never leaves
a half-written document. The database row comes after the blob; a re-run finds the blob there.
A re-posted agenda with new bytes becomes a new version of the same document; nothing is
overwritten or deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from .db import utcnow


def blob_path(archive_dir: Path, sha256: str) -> Path:
    return archive_dir / sha256[:2] / sha256[2:]


def store_blob(archive_dir: Path, data: bytes) -> str:
    """Store bytes under their SHA-256 (once); return the hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = blob_path(archive_dir, sha256)
    if path.exists():
        return sha256
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256


def read_blob(archive_dir: Path, sha256: str) -> bytes:
    return blob_path(archive_dir, sha256).read_bytes()


@dataclass(frozen=True)
class Stored:
    document_id: int
    change: str  # "new" (first version), "changed" (a new version), "same" (bytes already kept)


def latest_version(
    db: sqlite_utils.Database, meeting_id: str | None, kind: str, url: str | None = None
) -> dict | None:
    """The newest stored version of a meeting's document of this kind; for a document of no
    meeting (a press release), the newest one fetched from `url`."""
    if meeting_id is None:
        where, params = "meeting_id is null and kind = ? and url = ?", [kind, url]
    else:
        where, params = "meeting_id = ? and kind = ?", [meeting_id, kind]
    rows = list(
        db.query(f"select * from documents where {where} order by version desc limit 1", params)
    )
    return rows[0] if rows else None


def record(
    db: sqlite_utils.Database,
    archive_dir: Path,
    *,
    meeting_id: str | None,
    kind: str,
    url: str,
    data: bytes,
    final_url: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    source_id: str | None = None,
    title: str | None = None,
    day: str | None = None,
) -> Stored:
    """Archive `data` as the newest version of the (meeting, kind) document, or of the
    document at `url` when it belongs to no meeting."""
    sha256 = store_blob(archive_dir, data)
    now = utcnow()
    previous = latest_version(db, meeting_id, kind, url) if meeting_id or source_id else None
    if previous and previous["sha256"] == sha256:
        db["documents"].update(
            previous["id"],
            {
                "fetched_at": now,
                "etag": etag,
                "last_modified": last_modified,
                "url": url,
                "final_url": final_url or url,
                # The same bytes from another source: the copy is now the one it fetched.
                "source_id": source_id or previous["source_id"],
            },
        )
        return Stored(previous["id"], "same")
    row = {
        "meeting_id": meeting_id,
        "kind": kind,
        "url": url,
        "final_url": final_url or url,
        "sha256": sha256,
        "version": previous["version"] + 1 if previous else 1,
        "supersedes_id": previous["id"] if previous else None,
        "fetched_at": now,
        "etag": etag,
        "last_modified": last_modified,
        "content_type": content_type,
        "headers": json.dumps(headers or {}),
        "size": len(data),
        "extract_status": "pending",
        "source_id": source_id,
        "title": title,
        "date": day,
    }
    document_id = db["documents"].insert(row).last_pk
    return Stored(document_id, "changed" if previous else "new")
