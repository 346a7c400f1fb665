"""A consistent copy of the database (SQLite's online backup API) and a manifest of the archive."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from .config import Settings


def _copy(db_path: Path, target: Path) -> None:
    source = sqlite3.connect(db_path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)  # consistent even while a scrape, a review or a send writes
    finally:
        dest.close()
        source.close()


def backup(settings: Settings, out_dir: Path) -> dict:
    """Write tracker-<stamp>.db, and desk-<stamp>.db and alerts-<stamp>.db when they exist (the
    accounts, tips and subscribers live apart from the published database, and are lost with the
    disk just the same), and archive-manifest-<stamp>.json into out_dir; return figures."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out_dir / f"tracker-{stamp}.db"
    _copy(settings.db_path, target)
    private = []
    for name, path in (("desk", settings.desk_db_path), ("alerts", settings.alerts_db_path)):
        if path.exists():
            private.append(out_dir / f"{name}-{stamp}.db")
            _copy(path, private[-1])
    files = []
    archive = settings.archive_dir
    for path in sorted(archive.rglob("*")) if archive.exists() else []:
        if not path.is_file() or path.name.startswith(".tmp-"):
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        files.append(
            {
                "path": str(path.relative_to(archive)),
                "size": path.stat().st_size,
                "sha256": digest.hexdigest(),
            }
        )
    manifest = out_dir / f"archive-manifest-{stamp}.json"
    manifest.write_text(
        json.dumps({"archive": str(archive), "created": stamp, "files": files}, indent=1)
    )
    mismatched = [f["path"] for f in files if f["path"].replace("/", "") != f["sha256"]]
    return {
        "database": target,
        "private": private,
        "manifest": manifest,
        "files": len(files),
        "bytes": sum(f["size"] for f in files),
        "mismatched": mismatched,
    }
