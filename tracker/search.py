"""Full-text search over agenda items and document pages (SQLite FTS5)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlite_utils

from .db import CURRENT_DOCUMENT_KNOWN
from .errors import SearchTimeout

OPEN, CLOSE = "\x02", "\x03"  # snippet() sentinels, replaced by <mark> after escaping
# FTS5's cost grows faster than the number of terms (3,000 repeated words: 36 s, spent where
# no progress handler can stop it), so the query itself is capped before it reaches SQLite.
MAX_QUERY_CHARS = 500
MAX_TERMS = 32  # words, operators included
MAX_DISTINCT_TERMS = 16  # different words
PROGRESS_STEPS = 10_000  # SQLite steps between two looks at the clock


SEARCH_SQL = f"""
select 'item' as kind, i.id, m.id as meeting_id, m.date, m.title as meeting_title,
       d.sha256, d.kind as document_kind, i.page, i.number,
       snippet(items_fts, -1, :open, :close, '…', 24) as snippet
from items_fts join items i on i.rowid = items_fts.rowid
join documents d on d.id = i.document_id
join meetings m on m.id = i.meeting_id
where items_fts match :q and m.hidden = 0 and {CURRENT_DOCUMENT_KNOWN}
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
where pages_fts match :q and coalesce(m.hidden, 0) = 0 and {CURRENT_DOCUMENT_KNOWN}
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


def cap_query(q: str) -> tuple[str, bool]:
    """The reader's query cut to what search will run (characters, words, different words),
    and whether anything was cut."""
    capped = len(q) > MAX_QUERY_CHARS
    if capped:
        q = q[:MAX_QUERY_CHARS]
        if not q[-1].isspace() and " " in q:
            q = q.rsplit(" ", 1)[0]  # no half word at the end
    words: list[str] = []
    distinct: set[str] = set()
    for word in q.split():
        key = word.casefold()
        if len(words) == MAX_TERMS or (key not in distinct and len(distinct) == MAX_DISTINCT_TERMS):
            capped = True
            break
        distinct.add(key)
        words.append(word)
    return (" ".join(words) if capped else q), capped


@dataclass
class SearchResult:
    total: int = 0
    rows: list[dict] = field(default_factory=list)
    page: int = 1
    misunderstood: bool = False  # FTS5 could not read the query: its words were searched


def search(
    db: sqlite_utils.Database,
    params: dict,
    page: int,
    per_page: int,
    seconds: float | None = None,
) -> SearchResult:
    """Run a search; a query FTS5 cannot read is searched again as its quoted words.

    Raises SearchTimeout when it runs longer than `seconds` (None: no limit)."""
    result = SearchResult(page=page)
    with time_limit(db.conn, seconds):
        try:
            result.total, result.rows, result.page = run_search(db, params, page, per_page)
        except sqlite3.OperationalError as exc:
            if str(exc) == "interrupted":  # the time limit, not the reader's syntax
                raise
            # The reader's text went to FTS5 as a query: any other error there is its syntax
            # (quotes, NEAR(), a hyphen in "2024-17"); answer with the words alone, quoted.
            result.misunderstood = True
            words = quoted_words(params["q"])
            try:
                if words:
                    found = run_search(db, {**params, "q": words}, page, per_page)
                    result.total, result.rows, result.page = found
            except sqlite3.OperationalError:
                result.total, result.rows = 0, []
    return result


@contextmanager
def time_limit(conn: sqlite3.Connection, seconds: float | None):
    """Abort this connection's statements once `seconds` have passed (SearchTimeout)."""
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    expired = False

    def check() -> int:
        nonlocal expired
        expired = expired or time.monotonic() >= deadline
        return int(expired)  # non-zero: SQLite stops the statement ("interrupted")

    conn.set_progress_handler(check, PROGRESS_STEPS)
    try:
        yield
        if expired:  # an interrupted statement caught inside (the syntax fallback)
            raise SearchTimeout(f"search stopped after {seconds:g} s")
    except sqlite3.OperationalError:
        if expired:
            raise SearchTimeout(f"search stopped after {seconds:g} s") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
