"""Matching rules over time: which phrases each version of a commitment's rules added or dropped."""

from __future__ import annotations

import json

from .catalog import rules_fingerprint

# The parts of a rule set whose phrases come and go, in display order, with what a change says.
RULE_PARTS = ("any", "with_any", "decoys", "exclude_if_any")


def phrase_sets(rules: dict) -> dict[str, set[str]]:
    """Every phrase of a rule set, by part (see RULE_PARTS)."""
    patterns = rules.get("patterns") or []
    return {
        "any": {p for pattern in patterns for p in pattern.get("any") or []},
        "with_any": {p for pattern in patterns for p in pattern.get("with_any") or []},
        "decoys": set(rules.get("decoys") or []),
        "exclude_if_any": set(rules.get("exclude_if_any") or []),
    }


def rule_changes(old: dict, new: dict) -> dict:
    """What changed between two versions of a commitment's rules, for people to read."""
    before, after = phrase_sets(old), phrase_sets(new)
    parts = []
    for part in RULE_PARTS:
        added = sorted(after[part] - before[part], key=str.casefold)
        removed = sorted(before[part] - after[part], key=str.casefold)
        if added or removed:
            parts.append({"part": part, "added": added, "removed": removed})
    threshold = (
        (old.get("threshold"), new.get("threshold"))
        if old.get("threshold") != new.get("threshold")
        else None
    )
    return {"parts": parts, "threshold": threshold, "other": not parts and threshold is None}


def rule_history(versions: list[dict], current: dict | None = None) -> list[dict]:
    """Rule versions oldest first, each after the first with what changed since the one before.

    A version is marked current when it is the one in use (a revert to an older version is not
    a new row: the first sighting of each version is what is stored)."""
    in_use = rules_fingerprint(current) if current is not None else None
    history = []
    previous = None
    for version in versions:
        rules = json.loads(version["rules"] or "{}")
        history.append(
            {
                "first_seen": version["first_seen"],
                "sha256": version["sha256"],
                "current": version["sha256"] == in_use,
                "changes": rule_changes(previous, rules) if previous is not None else None,
            }
        )
        previous = rules
    return history


def commitments_with_rules(db) -> list[dict]:
    """Every commitment in catalogue order, its rules parsed and the history of their versions."""
    commitments = list(db.query("select * from commitments order by position"))
    versions: dict[str, list[dict]] = {}
    for row in db.query("select * from rule_versions order by first_seen, id"):
        versions.setdefault(row["commitment_id"], []).append(row)
    for c in commitments:
        c["rules_data"] = json.loads(c["rules"] or "{}")
        c["rule_history"] = rule_history(versions.get(c["id"], []), c["rules_data"])
    return commitments
