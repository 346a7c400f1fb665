"""Full-text search over agenda items and document pages (SQLite FTS5)."""

from __future__ import annotations

import sqlite_utils

from .db import CURRENT_DOCUMENT

OPEN, CLOSE = "\x02", "\x03"  # snippet() sentinels, replaced by <mark> after escaping


SEARCH_SQL = f"""
select 'item' as kind, i.id, m.id as meeting_id, m.date, m.title as meeting_title,
       d.sha256, d.kind as document_kind, i.page, i.number,
       snippet(items_fts, -1, :open, :close, '…', 24) as snippet
from items_fts join items i on i.rowid = items_fts.rowid
join documents d on d.id = i.document_id
join meetings m on m.id = i.meeting_id
where items_fts match :q and m.hidden = 0 and {CURRENT_DOCUMENT}
  and (:from is null or m.date >= :from) and (:to is null or m.date <= :to)
  and (:commitment is null or exists(
       select 1 from evidence e where e.item_id = i.id and e.commitment_id = :commitment
       and e.review_state != 'rejected'))
union all
select 'page', p.id, m.id, coalesce(m.date, d.date), coalesce(m.title, d.title), d.sha256,
       d.kind, p.page, null,
       snippet(pages_fts, 0, :open, :close, '…', 24)
from pages_fts join pages p on p.rowid = pages_fts.rowid
join documents d on d.id = p.document_id
left join meetings m on m.id = d.meeting_id
where pages_fts match :q and coalesce(m.hidden, 0) = 0 and {CURRENT_DOCUMENT}
  -- an agenda page is left out when one of its items is already a result
  and not exists(select 1 from items i2 where i2.document_id = p.document_id
       and i2.page = p.page and i2.id in (select rowid from items_fts where items_fts match :q))
  and (:from is null or coalesce(m.date, d.date) >= :from)
  and (:to is null or coalesce(m.date, d.date) <= :to)
  and (:commitment is null or exists(
       select 1 from evidence e where e.document_id = p.document_id and e.page = p.page
       and e.commitment_id = :commitment and e.review_state != 'rejected'))
"""


def run_search(
    db: sqlite_utils.Database, params: dict, page: int, per_page: int
) -> tuple[int, list[dict], int]:
    """(total, one page of results, that page's number), newest meetings first."""
    total = next(db.query(f"select count(*) as n from ({SEARCH_SQL})", params))["n"]
    page = min(page, max(1, -(-total // per_page)))
    rows = list(
        db.query(
            f"""select * from ({SEARCH_SQL})
                order by date desc, meeting_id, kind, number, page limit :limit offset :offset""",
            {**params, "limit": per_page, "offset": (page - 1) * per_page},
        )
    )
    return total, rows, page


def quoted_words(q: str) -> str:
    """The reader's words, each quoted, so FTS5 reads none of them as syntax."""
    printable = "".join(ch if ch.isprintable() else " " for ch in q)
    words = [w.replace('"', "") for w in printable.split()]
    return " ".join(f'"{w}"' for w in words if w)
