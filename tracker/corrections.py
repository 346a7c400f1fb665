"""The corrections log: retroactive status changes and reversed reviews (the record is
append-only, so every correction is a later row)."""

from __future__ import annotations

import json

# A later-recorded event dated on or before an earlier one rewrites what the record said for
# those dates. Statuses loaded in one batch from curated_events.yaml are one entry, not
# corrections of each other.
RETROACTIVE = """
select e.id as id, p.id as earlier_id
from status_events e
join status_events p on p.commitment_id = e.commitment_id and p.id < e.id
where e.effective_date <= p.effective_date
  and not (e.curated_key is not null and p.curated_key is not null
           and e.recorded_at = p.recorded_at)
"""


def status_corrections(db) -> list[dict]:
    """Status events that correct the record, each with the earlier entries it supersedes."""
    earlier: dict[int, list[int]] = {}
    for row in db.query(RETROACTIVE):
        earlier.setdefault(row["id"], []).append(row["earlier_id"])
    flagged = {
        row["id"]
        for row in db.query("select id from status_events where lower(note) like 'correction%'")
    }
    ids = sorted(set(earlier) | flagged)
    if not ids:
        return []
    # The log is small (a few entries per promise): read it whole.
    events = {
        row["id"]: row
        for row in db.query(
            """select s.*, c.title_en, c.title_es from status_events s
               join commitments c on c.id = s.commitment_id"""
        )
    }
    out = []
    for event_id in ids:
        event = events[event_id]
        replaced = sorted(
            (events[i] for i in earlier.get(event_id, [])),
            key=lambda p: (p["effective_date"], p["id"]),
        )
        if not replaced:
            # A note that says "Correction" but reaches back over nothing: compare with the
            # entry that was in effect on its date just before it was recorded.
            previous = list(
                db.query(
                    """select * from status_events where commitment_id = ? and id < ?
                       and effective_date <= ? order by effective_date desc, id desc limit 1""",
                    [event["commitment_id"], event_id, event["effective_date"]],
                )
            )
            replaced = [events[p["id"]] for p in previous]
        out.append(
            {
                "type": "status",
                "at": event["recorded_at"],
                "event": event,
                "commitment": {"id": event["commitment_id"], **_titles(event)},
                "replaced": replaced,
            }
        )
    return out


def _titles(row: dict) -> dict:
    return {"title_en": row["title_en"], "title_es": row["title_es"]}


def review_reversals(db) -> list[dict]:
    """Reviews that overturned an earlier accept or reject decision."""
    out = []
    for row in db.query("select * from audit_log where action like 'review:%' order by id"):
        decision = row["action"].split(":", 1)[1]
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            continue
        was = detail.get("was") if isinstance(detail, dict) else None
        if was not in ("accepted", "rejected") or was == decision:
            continue
        evidence = None
        if (row["target"] or "").startswith("evidence:"):
            found = list(
                db.query(
                    """select e.*, c.title_en as c_title_en, c.title_es as c_title_es
                       from evidence e join commitments c on c.id = e.commitment_id
                       where e.id = ?""",
                    [row["target"].split(":", 1)[1]],
                )
            )
            evidence = found[0] if found else None
        out.append(
            {
                "type": "review",
                "at": row["at"],
                "entry": row,
                "was": was,
                "decision": decision,
                "note": detail.get("note"),
                "evidence": evidence,
                "commitment": {
                    "id": evidence["commitment_id"],
                    "title_en": evidence["c_title_en"],
                    "title_es": evidence["c_title_es"],
                }
                if evidence
                else None,
            }
        )
    return out
