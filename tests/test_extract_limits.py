"""Tests for the limits of tracker/extract.py: hostile documents cost one failed document.

Small limits (300 MB, a few seconds) keep these fast; the defaults are checked once. Time bounds
are loose (a busy CI machine): without the limits these documents never finish, or kill pytest.
"""

import io
import os
import resource
import signal
import threading
import time

import docx
import pytest
from pdfs import (
    bomb_content_size,
    lines_content,
    make_deflate_bomb,
    make_many_pages_pdf,
    make_pdf,
    make_scanned_pdf,
)

from tracker import extract as extract_mod
from tracker.extract import Extraction, Limits, detect_kind, extract, stop_worker

SMALL_MEMORY = Limits(memory_bytes=300 << 20, seconds=20)
LINE = "Resolution 2017-14 public safety"
AGENDA = [
    ["BIRMINGHAM CITY COUNCIL", "REGULAR MEETING AGENDA", "Tuesday, January 31, 2017 – 9:30 a.m."],
    ["CONSENT AGENDA", "Item 12 – Resolution 2017-14 — public safety"],
]


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return make_deflate_bomb(200 << 20)


def _parent_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# Deflate bomb


def test_deflate_bomb_is_small_and_inflates_to_hundreds_of_mb(bomb):
    assert len(bomb) < 1_000_000
    assert bomb_content_size(bomb) > 200_000_000


def test_deflate_bomb_fails_at_the_memory_limit_and_the_parent_survives(bomb):
    before = _parent_peak_mb()
    start = time.monotonic()
    result = extract(bomb, "application/pdf", "bomb.pdf", limits=SMALL_MEMORY)
    assert time.monotonic() - start < 15
    assert result == Extraction("broken", [], "extraction exceeded 300 MB memory limit", "pdf")
    # In process, this file took PDFium past 7 GB; the parent must not grow with it.
    assert _parent_peak_mb() - before < 50
    # A killed child's peak comes from wait4, whose ru_maxrss on Linux keeps the size the child
    # had when forked from us (it survives exec): in a long test run that is our own size.
    assert extract_mod._WORKER.last_peak_rss <= max(300, before + 50) * (1 << 20)


def test_deflate_bomb_under_the_default_limits(bomb):
    start = time.monotonic()
    result = extract(bomb, "application/pdf")
    assert time.monotonic() - start < 30
    assert (result.status, result.error) == ("broken", "extraction exceeded 1 GB memory limit")


def test_document_after_a_bomb_is_extracted(bomb):
    assert extract(bomb, limits=SMALL_MEMORY).status == "broken"
    result = extract(make_pdf(AGENDA), limits=SMALL_MEMORY)
    assert result.status == "ok"
    assert result.pages[1] == "CONSENT AGENDA\nItem 12 – Resolution 2017-14 — public safety"


# Time and pages


def test_slow_document_is_killed_at_the_time_limit():
    # 20,000 pages of 200 lines: about 90 s of PDFium work.
    data = make_many_pages_pdf(20_000, lines_content(LINE, 200))
    start = time.monotonic()
    result = extract(data, limits=Limits(seconds=1, max_pages=20_000))
    assert time.monotonic() - start < 5
    assert result == Extraction("broken", [], "extraction exceeded 1 s time limit", "pdf")
    assert extract(make_pdf(AGENDA)).status == "ok"


def test_20000_page_pdf_is_read_up_to_the_page_limit():
    data = make_many_pages_pdf(20_000)
    start = time.monotonic()
    result = extract(data)
    assert time.monotonic() - start < 20
    assert (result.status, len(result.pages)) == ("partial", 2_000)
    assert result.error == "only the first 2,000 of 20,000 pages read (page limit)"
    assert result.pages[-1] == "Agenda item"


def test_page_limit_is_a_parameter():
    data = make_pdf([[f"Page {n}"] for n in range(1, 9)])
    result = extract(data, limits=Limits(max_pages=5))
    assert result.pages == [f"Page {n}" for n in range(1, 6)]
    assert (result.status, result.error) == (
        "partial",
        "only the first 5 of 8 pages read (page limit)",
    )


def test_pdf_at_exactly_the_page_limit_is_ok():
    assert extract(make_pdf([["One"], ["Two"]]), limits=Limits(max_pages=2)).status == "ok"


# Text


def test_long_page_is_cut_at_the_page_limit():
    data = make_many_pages_pdf(2, lines_content(LINE, 200))
    whole = extract(data)
    assert whole.status == "ok" and len(whole.pages[0]) > 6_000
    result = extract(data, limits=Limits(max_page_chars=1_000))
    # PDFium counts a line break as two characters, "\r\n"; the text keeps "\n".
    assert [950 < len(page) <= 1_000 for page in result.pages] == [True, True]
    assert whole.pages[0].startswith(result.pages[0])
    assert (result.status, result.error) == (
        "partial",
        "text of page(s) 1, 2 cut at 1,000 characters",
    )


def test_document_limit_stops_reading_pages():
    data = make_pdf([[LINE] * 10 for _ in range(5)])
    page = extract(data).pages[0]
    result = extract(data, limits=Limits(max_document_chars=len(page) + 100))
    assert len(result.pages) == 2
    assert result.pages[0] == page and page.startswith(result.pages[1])
    assert 50 < len(result.pages[1]) <= 100  # the limit counts PDFium's "\r\n" as two
    assert (result.status, result.error) == (
        "partial",
        f"text cut at {len(page) + 100:,} characters (document limit), on page 2 of 5",
    )


def test_cap_note_joins_the_other_reason():
    data = make_pdf([["Call to order"], [], ["Adjourned"]])
    result = extract(data, limits=Limits(max_pages=2))
    assert (result.status, result.pages) == ("partial", ["Call to order", ""])
    assert result.error == (
        "no text on page(s) 2 of 2; only the first 2 of 3 pages read (page limit)"
    )


def test_html_text_is_cut_at_the_document_limit():
    body = b"<html><body>" + b"<p>Item 30 adopted</p>" * 100 + b"</body></html>"
    result = extract(body, "text/html", limits=Limits(max_document_chars=50))
    assert (result.status, result.kind, [len(p) for p in result.pages]) == ("partial", "html", [50])
    assert result.error == "text cut at 50 characters (document limit)"


def test_docx_text_is_cut_at_the_document_limit():
    result = extract(_docx("MINUTES " * 100), limits=Limits(max_document_chars=40))
    assert (result.status, result.kind, result.pages) == ("partial", "docx", ["MINUTES " * 5])


# Ordinary documents


@pytest.mark.parametrize(
    "data",
    [
        make_pdf(AGENDA),
        make_pdf([["Resolución № 2017–14 ≥ 2"]]),
        make_pdf([["Call to order"], []]),
        make_scanned_pdf(1),
        make_pdf(AGENDA, encrypt_password="clerk"),
        make_pdf(AGENDA)[:-200],
        b"<html><body><h1>Agenda</h1><p>Item 30 &ndash; adopted</p></body></html>",
        _docx("MINUTES – all present"),
    ],
    ids=["agenda", "unicode", "blank-page", "scan", "encrypted", "truncated", "html", "docx"],
)
def test_worker_gives_what_in_process_extraction_gives(data):
    kind = detect_kind(data)
    assert extract(data) == extract_mod._extract_kind(kind, data, None, Limits())


def test_worker_is_reused_between_documents():
    extract(make_pdf(AGENDA))
    pid = extract_mod._WORKER.pid
    extract(make_pdf(AGENDA))
    assert extract_mod._WORKER.pid == pid


def test_dead_worker_is_replaced():
    extract(make_pdf(AGENDA))
    pid = extract_mod._WORKER.pid
    os.kill(pid, signal.SIGKILL)
    assert extract(make_pdf(AGENDA)).status == "ok"
    assert extract_mod._WORKER.pid != pid


def test_worker_crash_mid_document_is_one_failed_document():
    data = make_many_pages_pdf(20_000, lines_content(LINE, 200))
    extract(make_pdf(AGENDA))
    killer = threading.Timer(0.3, os.kill, (extract_mod._WORKER.pid, signal.SIGSEGV))
    killer.start()
    result = extract(data, limits=Limits(max_pages=20_000))
    killer.join()
    assert result == Extraction(
        "broken", [], "the extraction process failed: it was killed by SIGSEGV", "pdf"
    )
    assert extract(make_pdf(AGENDA)).status == "ok"


def test_threads_share_the_worker():
    data = make_pdf(AGENDA)
    expected = extract(data)
    results: list[Extraction] = []
    threads = [threading.Thread(target=lambda: results.append(extract(data))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_stopped_worker_starts_again():
    extract(make_pdf(AGENDA))
    stop_worker()
    assert extract_mod._WORKER.pid is None
    assert extract(make_pdf(AGENDA)).status == "ok"


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'"not an object"',
        b'{"status": "ok", "pages": "a string", "error": null, "kind": "pdf"}',
        b'{"status": "hacked", "pages": [], "error": null, "kind": "pdf"}',
        b'{"status": "ok", "pages": [1], "error": null, "kind": "pdf"}',
        b'{"failure": "unheard of"}',
        b"\xff",
    ],
)
def test_a_malformed_reply_from_the_child_is_a_crash(body):
    with pytest.raises(extract_mod._WorkerFailed) as failure:
        extract_mod._parse_reply(body)
    assert failure.value.reason == "crash"
    assert failure.value.detail.startswith("it sent an unreadable reply")
