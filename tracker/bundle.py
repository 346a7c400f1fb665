"""A commitment's evidence bundle: one ZIP with the archived documents its accepted evidence
rests on, a manifest (URL, fetch date, SHA-256, pages cited) and how to cite it.

The ZIP is deterministic (entries in a fixed order, stamped with the day it describes), so the
same record gives the same bytes: a stable ETag, and a static mirror that only changes when
the record does.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import sqlite_utils

from . import commitments as commitments_mod
from .archive import blob_path

EXTENSIONS = {"application/pdf": ".pdf", "text/html": ".html"}


def _extension(path: Path, content_type: str | None) -> str:
    with path.open("rb") as fh:
        if fh.read(5) == b"%PDF-":
            return ".pdf"
    return EXTENSIONS.get((content_type or "").split(";")[0].strip(), "")


def manifest(
    db: sqlite_utils.Database,
    archive_dir: Path,
    commitment_id: str,
    as_of: date | None,
    known: str | None,
) -> dict | None:
    """What the bundle holds: each accepted piece of evidence and each document it cites."""
    row = commitments_mod.get(db, commitment_id)
    if row is None:
        return None
    evidence = commitments_mod.accepted_evidence(db, commitment_id, as_of, known)
    documents: dict[str, dict] = {}
    entries = []
    for ev in sorted(evidence, key=lambda e: e["id"]):
        sha = ev["document_sha256"]
        entries.append(
            {
                "evidence_id": ev["id"],
                "date": ev["date"],
                "stance": ev["stance"],
                "title": ev["title"],
                "passage": ev["snippet"],
                "page": ev["page"],
                "source_urls": ev["source_urls"],
                "document_sha256": sha,
                "review_note": ev["review_note"],
            }
        )
        if not sha:
            continue
        doc = documents.get(sha)
        if doc is None:
            stored = next(
                db.query(
                    """select url, final_url, fetched_at, content_type, size from documents
                       where sha256 = ? order by fetched_at, id limit 1""",
                    [sha],
                ),
                None,
            )
            path = blob_path(archive_dir, sha)
            present = path.is_file()
            doc = documents[sha] = {
                "sha256": sha,
                "url": stored["url"] if stored else ev["source_url"],
                "final_url": stored["final_url"] if stored else None,
                "fetched_at": stored["fetched_at"] if stored else None,
                "size": path.stat().st_size if present else None,
                "file": (
                    f"documents/{sha}{_extension(path, stored and stored['content_type'])}"
                    if present
                    else None
                ),
                "pages_cited": [],
                "evidence_ids": [],
            }
        if ev["page"] and ev["page"] not in doc["pages_cited"]:
            doc["pages_cited"].append(ev["page"])
            doc["pages_cited"].sort()
        doc["evidence_ids"].append(ev["id"])
    return {
        "commitment": {"id": row["id"], "title_en": row["title_en"], "title_es": row["title_es"]},
        "evidence": entries,
        "documents": list(documents.values()),
    }


def bundle_zip(
    content: dict, archive_dir: Path, day: date, citations: dict[str, str], permalink: str
) -> bytes:
    """The ZIP: manifest.json, CITATION.txt and documents/<sha256>.<ext>."""
    stamp = (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    out = io.BytesIO()
    body = {**content, "as_of": day.isoformat(), "permalink": permalink, "citation": citations}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, data: bytes, compress: int = zipfile.ZIP_DEFLATED) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = compress
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)

        add("manifest.json", json.dumps(body, ensure_ascii=False, indent=1).encode())
        lines = [f"{style.upper()}: {text}" for style, text in citations.items()]
        add("CITATION.txt", ("\n\n".join(lines) + "\n").encode())
        for doc in content["documents"]:
            if doc["file"]:
                add(doc["file"], blob_path(archive_dir, doc["sha256"]).read_bytes())
    return out.getvalue()
