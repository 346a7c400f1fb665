"""Council records: meetings, a meeting's items and votes, archived documents, search."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, time
from itertools import groupby

import sqlite_utils
from babel.dates import format_time
from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import format_number, get_locale, gettext, lazy_gettext
from markupsafe import Markup, escape

from ..archive import blob_path
from ..db import CURRENT_DOCUMENT
from ..evidence import stage
from ..process import READABLE
from .database import get_db
from .filters import meeting_place

bp = Blueprint("records", __name__)

PER_PAGE = 50
SHA256 = re.compile(r"[0-9a-f]{64}")

MEETING_STATUS_LABELS = {
    "tentative": lazy_gettext("Tentative"),
    "confirmed": lazy_gettext("Confirmed"),
    "passed": lazy_gettext("Held"),
    "cancelled": lazy_gettext("Cancelled"),
}
KIND_LABELS = {
    "agenda": lazy_gettext("Agenda"),
    "minutes": lazy_gettext("Minutes"),
    "manual": lazy_gettext("Document added by an editor"),
    "press-release": lazy_gettext("Press release"),
}
FLAG_LABELS = {
    "consent": lazy_gettext("Consent agenda"),
    "public_hearing": lazy_gettext("Public hearing"),
    "permanent": lazy_gettext("Ordinance (permanent)"),
    "addendum": lazy_gettext("Added late (addendum)"),
    "first_reading": lazy_gettext("First reading"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "deferred": lazy_gettext("Deferred"),
}
REVIEW_LABELS = {
    "candidate": lazy_gettext("Unreviewed"),
    "accepted": lazy_gettext("Accepted"),
}


@bp.context_processor
def _labels() -> dict:
    return {
        "MEETING_STATUS_LABELS": MEETING_STATUS_LABELS,
        "KIND_LABELS": KIND_LABELS,
        "FLAG_LABELS": FLAG_LABELS,
        "REVIEW_LABELS": REVIEW_LABELS,
        "format_number": format_number,
        "local_time": local_time,
    }


def local_time(value: str | None) -> str:
    """'09:30' as the reader's language writes a time ("9:30 AM", "9:30")."""
    try:
        return format_time(time.fromisoformat(value or ""), "short", locale=get_locale())
    except ValueError:
        return value or ""


# --- meetings -------------------------------------------------------------------------------


@bp.get("/meetings")
def meetings():
    db = get_db()
    year = request.args.get("year", "")
    year = year if re.fullmatch(r"\d{4}", year) else None
    show_hidden = request.args.get("hidden") == "1"
    rows = list_meetings(db, year=year, hidden=show_hidden)
    hidden_count = db["meetings"].count_where(
        "hidden = 1 and (:year is null or substr(date, 1, 4) = :year)", {"year": year}
    )
    years = [
        r["y"]
        for r in db.query("select distinct substr(date, 1, 4) y from meetings order by y desc")
    ]
    return render_template(
        "meetings.html",
        by_year=[(y, list(group)) for y, group in groupby(rows, key=lambda r: r["date"][:4])],
        year=year,
        years=years,
        show_hidden=show_hidden,
        hidden_count=hidden_count,
    )


def list_meetings(db: sqlite_utils.Database, *, year: str | None, hidden: bool) -> list[dict]:
    """Meetings newest first, with their documents and counts of current and matched items."""
    return list(
        db.query(
            f"""
            select m.*,
              exists(select 1 from documents d where d.meeting_id = m.id
                     and d.kind = 'agenda') as has_agenda,
              exists(select 1 from documents d where d.meeting_id = m.id
                     and d.kind = 'minutes') as has_minutes,
              (select count(*) from items i join documents d on d.id = i.document_id
               where i.meeting_id = m.id and {CURRENT_DOCUMENT}) as item_count,
              (select count(*) from items i join documents d on d.id = i.document_id
               where i.meeting_id = m.id and {CURRENT_DOCUMENT}
                 and exists(select 1 from evidence e where e.item_id = i.id
                            and e.review_state in ('candidate', 'accepted'))) as matched_count
            from meetings m
            where (:hidden or m.hidden = 0)
              and (:year is null or substr(m.date, 1, 4) = :year)
            order by m.date desc, m.time desc
            """,
            {"hidden": int(hidden), "year": year},
        )
    )


@bp.get("/meetings/<meeting_id>")
def meeting(meeting_id: str):
    db = get_db()
    rows = list(db.query("select * from meetings where id = ?", [meeting_id]))
    if not rows:
        abort(404)
    row = rows[0]
    items = current_items(db, meeting_id)
    matches = matches_by_item(db, [i["id"] for i in items])
    votes = current_votes(db, meeting_id)
    item_ids = set()
    for item in items:
        item_ids.add(item["id"])
        item["stage"] = stage(item, row)
        item["flags"] = [flag for flag in FLAG_LABELS if item.get(flag)]
        item["matches"] = matches.get(item["id"], [])
        item["votes"] = [v for v in votes if v["item_id"] == item["id"]]
    return render_template(
        "meeting.html",
        m=row,
        place=meeting_place(row),
        documents=meeting_documents(db, meeting_id),
        press_releases=press_releases_on(db, row["date"]),
        items=items,
        other_votes=[v for v in votes if v["item_id"] not in item_ids],
    )


def meeting_documents(db: sqlite_utils.Database, meeting_id: str) -> list[dict]:
    """Every archived version of the meeting's documents, newest version first per kind."""
    rows = list(
        db.query(
            "select * from documents where meeting_id = ? order by kind, version desc",
            [meeting_id],
        )
    )
    newest: set[str] = set()
    for row in rows:
        row["current"] = row["kind"] not in newest
        newest.add(row["kind"])
    return rows


def press_releases_on(db: sqlite_utils.Database, day: str) -> list[dict]:
    """The council's press releases of a meeting's day (the newest version of each)."""
    return list(
        db.query(
            f"""select d.* from documents d
                where d.kind = 'press-release' and d.meeting_id is null and d.date = ?
                  and {CURRENT_DOCUMENT} order by d.title, d.id""",
            [day],
        )
    )


def current_items(db: sqlite_utils.Database, meeting_id: str) -> list[dict]:
    """Items of the meeting's newest agenda version, in agenda order, with that agenda's sha."""
    return list(
        db.query(
            f"""select i.*, d.sha256 from items i join documents d on d.id = i.document_id
                where i.meeting_id = ? and {CURRENT_DOCUMENT} order by i.number""",
            [meeting_id],
        )
    )


def matches_by_item(db: sqlite_utils.Database, item_ids: list[int]) -> dict[int, list[dict]]:
    """Unreviewed and accepted evidence on these items, with the commitments' titles."""
    found: dict[int, list[dict]] = {}
    if not item_ids:
        return found
    marks = ", ".join("?" for _ in item_ids)
    for ev in db.query(
        f"""select e.id, e.item_id, e.commitment_id, e.review_state, e.stance,
                   c.title_en as commitment_title_en, c.title_es as commitment_title_es
            from evidence e join commitments c on c.id = e.commitment_id
            where e.item_id in ({marks}) and e.review_state in ('candidate', 'accepted')
            order by c.position""",
        item_ids,
    ):
        found.setdefault(ev["item_id"], []).append(ev)
    return found


def current_votes(db: sqlite_utils.Database, meeting_id: str) -> list[dict]:
    """Votes read from the meeting's newest minutes, names decoded from their JSON lists."""
    votes = list(
        db.query(
            f"""select v.*, d.sha256 from votes v join documents d on d.id = v.document_id
                where v.meeting_id = ? and {CURRENT_DOCUMENT} order by v.item_number, v.id""",
            [meeting_id],
        )
    )
    for vote in votes:
        for field in ("ayes", "nays", "abstaining"):
            vote[field] = json.loads(vote[field] or "[]")
    return votes


# --- documents ------------------------------------------------------------------------------


def documents_with_sha(db: sqlite_utils.Database, sha256: str) -> list[dict]:
    """Every document row holding these bytes, newest first (404 when there is none)."""
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
    if not rows:
        abort(404)
    return rows


@bp.get("/documents/<sha256>")
def document(sha256: str):
    db = get_db()
    rows = documents_with_sha(db, sha256)
    doc = rows[0]
    # Identical bytes give identical text: any row whose extraction worked has the pages.
    readable = next((r for r in rows if r["extract_status"] in READABLE), None)
    pages = (
        list(
            db.query(
                "select page, text from pages where document_id = ? order by page",
                [readable["id"]],
            )
        )
        if readable
        else []
    )
    evidence, passage = evidence_passage(db, request.args.get("evidence"), rows, pages)
    newer = list(
        db.query(
            """select sha256, version from documents where meeting_id is ? and kind = ?
               and (meeting_id is not null or url = ?)
               and version > ? order by version desc limit 1""",
            [doc["meeting_id"], doc["kind"], doc["url"], doc["version"]],
        )
    )
    return render_template(
        "document.html",
        doc=doc,
        others=rows[1:],
        newer=newer[0] if newer else None,
        readable=readable is not None,
        pages=pages,
        evidence=evidence,
        passage=passage,
    )


def evidence_passage(
    db: sqlite_utils.Database, raw_id: str | None, rows: list[dict], pages: list[dict]
) -> tuple[dict | None, dict | None]:
    """The ?evidence= row when it belongs to this document, and where its passage is.

    The passage is {"page", "start", "end"} into that page's text, or None when it can't be
    found: a page match has offsets into the page; an item match's snippet is looked up in it.
    """
    if not raw_id or not raw_id.isdigit():
        return None, None
    found = list(
        db.query(
            """select e.*, c.title_en as commitment_title_en, c.title_es as commitment_title_es
               from evidence e
               join commitments c on c.id = e.commitment_id where e.id = ?""",
            [int(raw_id)],
        )
    )
    ids = {r["id"] for r in rows}
    if not found or not (
        found[0]["document_id"] in ids or found[0]["document_sha256"] == rows[0]["sha256"]
    ):
        return None, None
    ev = found[0]
    page = next((p for p in pages if p["page"] == ev["page"]), None)
    if page is None:
        return ev, None
    text = page["text"] or ""
    start, end = ev["passage_start"], ev["passage_end"]
    if (ev["match_key"] or "").startswith("page:") and start is not None and end is not None:
        if 0 <= start < end <= len(text):
            return ev, {"page": page["page"], "start": start, "end": end}
    span = find_passage(text, ev["snippet"] or "")
    if span is None:
        return ev, None
    return ev, {"page": page["page"], "start": span[0], "end": span[1]}


def find_passage(text: str, snippet: str) -> tuple[int, int] | None:
    """Where `snippet` occurs in `text`, letting line breaks and spaces differ."""
    words = snippet.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), text, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


@bp.get("/documents/<sha256>/raw")
def document_raw(sha256: str):
    doc = documents_with_sha(get_db(), sha256)[0]
    path = blob_path(current_app.config["SETTINGS"].archive_dir, sha256)
    if not path.is_file():
        abort(404)
    with path.open("rb") as fh:
        head = fh.read(5)
    mimetype = (
        "application/pdf"
        if head == b"%PDF-"
        else (doc["content_type"] or "application/octet-stream").split(";")[0].strip()
    )
    extension = {"application/pdf": ".pdf", "text/html": ".html"}.get(mimetype, "")
    name = f"{doc['meeting_id'] or 'document'}-{doc['kind']}-v{doc['version']}{extension}"
    response = send_file(
        path, mimetype=mimetype, download_name=name, as_attachment=False, max_age=86400
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if mimetype != "application/pdf":
        # An archived web page must not run scripts on this site's origin.
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


# --- search ---------------------------------------------------------------------------------

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


@bp.get("/search")
def search():
    db = get_db()
    args = request.args
    q = args.get("q", "").strip()
    problems = []
    day_from, day_to = (search_date(args.get(name), problems) for name in ("from", "to"))
    commitments = list(db.query("select id, title_en, title_es from commitments order by position"))
    commitment = args.get("commitment") or None
    if commitment not in {c["id"] for c in commitments}:
        commitment = None
    page = int(args["page"]) if args.get("page", "").isdigit() and int(args["page"]) > 0 else 1
    results, total, misunderstood = [], 0, False
    if q:
        params = {
            "q": q,
            "from": day_from,
            "to": day_to,
            "commitment": commitment,
            "open": OPEN,
            "close": CLOSE,
        }
        try:
            total, results, page = run_search(db, params, page)
        except sqlite3.OperationalError:
            # The reader's text went to FTS5 as a query: any error there is its syntax
            # (quotes, NEAR(), a hyphen in "2024-17"); answer with the words alone, quoted.
            misunderstood = True
            params["q"] = quoted_words(q)
            try:
                if params["q"]:
                    total, results, page = run_search(db, params, page)
            except sqlite3.OperationalError:
                total, results = 0, []
    for row in results:
        row["snippet"] = highlight(row["snippet"] or "")
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "search.html",
        q=q,
        day_from=day_from,
        day_to=day_to,
        commitment=commitment,
        commitments=commitments,
        problems=problems,
        misunderstood=misunderstood,
        results=results,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * PER_PAGE + 1,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page < pages else None,
    )


def page_url(page: int) -> str:
    """This search with another page of results."""
    return url_for("records.search", **{**request.args.to_dict(), "page": page})


def search_date(raw: str | None, problems: list[str]) -> str | None:
    """A YYYY-MM-DD filter date, or None; a bad one is ignored and explained."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        problems.append(gettext("The date %(raw)s is not a date like 2019-06-01.", raw=raw))
        return None


def run_search(db: sqlite_utils.Database, params: dict, page: int) -> tuple[int, list[dict], int]:
    """(total, one page of results, that page's number), newest meetings first."""
    total = next(db.query(f"select count(*) as n from ({SEARCH_SQL})", params))["n"]
    page = min(page, max(1, -(-total // PER_PAGE)))
    rows = list(
        db.query(
            f"""select * from ({SEARCH_SQL})
                order by date desc, meeting_id, kind, number, page limit :limit offset :offset""",
            {**params, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE},
        )
    )
    return total, rows, page


def quoted_words(q: str) -> str:
    """The reader's words, each quoted, so FTS5 reads none of them as syntax."""
    printable = "".join(ch if ch.isprintable() else " " for ch in q)
    words = [w.replace('"', "") for w in printable.split()]
    return " ".join(f'"{w}"' for w in words if w)


def highlight(snippet: str) -> Markup:
    """A snippet() result escaped, with its sentinels turned into balanced <mark> tags."""
    out, inside = [], False
    for part in re.split(f"([{OPEN}{CLOSE}])", snippet):
        if part == OPEN:
            if not inside:
                out.append("<mark>")
            inside = True
        elif part == CLOSE:
            if inside:
                out.append("</mark>")
            inside = False
        else:
            out.append(str(escape(part)))
    if inside:
        out.append("</mark>")
    return Markup("".join(out))
