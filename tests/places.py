"""Jurisdiction files for tests: Birmingham's own, or a copy pointed at a fixture site."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
JURISDICTION_FILE = ROOT / "data" / "jurisdiction.yaml"
COMMITMENTS_FILE = ROOT / "data" / "commitments.yaml"
CURATED_FILE = ROOT / "data" / "curated_events.yaml"

# The catalogue's ids are permalinks, exports and tests: fixed once published.
COMMITMENT_IDS = (
    "declare-sanctuary",
    "equal-protection",
    "sanctuary-task-force",
    "welcoming-integration",
    "police-not-immigration-agents",
    "no-stop-and-frisk",
    "services-regardless-of-status",
    "municipal-id",
    "change-state-law",
    "sanctuary-ordinance",
    "no-city-resources-for-ice",
    "detainer-limits",
    "information-privacy",
    "language-access",
    "legal-defense",
)


def birmingham_at(
    folder: Path,
    granicus_url: str | None,
    *,
    wordpress_url: str | None = None,
    wordpress: dict | None = None,
    **changes,
) -> Path:
    """Birmingham's jurisdiction file with its sources at fixture sites, written into `folder`:
    Granicus at `granicus_url`, the council's WordPress site at `wordpress_url` (its entry's
    fields changed by `wordpress`); a source without a URL is left out, so that no test reaches
    the real site. `changes` replace top-level fields."""
    data = yaml.safe_load(JURISDICTION_FILE.read_text(encoding="utf-8"))
    data["catalogue"] = str(COMMITMENTS_FILE)
    data["curated"] = str(CURATED_FILE)
    sources = []
    for source in data["sources"]:
        if source["kind"] == "granicus" and granicus_url:
            source["base_url"] = granicus_url
            # The fixture page keeps the real site's protocol-relative video links.
            source["hosts"] = ["bhamal.granicus.com"]
            sources.append(source)
        elif source["kind"] == "wordpress" and wordpress_url:
            source["base_url"] = wordpress_url
            source.update(wordpress or {})
            sources.append(source)
    data["sources"] = sources
    data.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "jurisdiction.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
