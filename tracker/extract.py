"""Text out of fetched documents: bytes in, one string per page out, for PDF, HTML and DOCX.

The kind of a document is sniffed from its bytes (a council site may answer a PDF link with an
HTML error page); Content-Type and filename are only hints. `extract` never raises for bad
input: it returns an `Extraction` whose `status` says what happened and `error` says why.

Extraction runs in a child process (`_Worker`) with an address-space limit and a wall-time
limit, so a hostile document (a deflate bomb, a PDFium loop) costs one failed document, not the
scraper or the web server whose scheduler runs it. Text per page, per document and the number of
pages read are capped (`Limits`); a capped document is "partial".
"""

from __future__ import annotations

import atexit
import codecs
import io
import json
import logging
import os
import re
import resource
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import docx
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from bs4 import BeautifulSoup, Tag
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    PageElement,
    ProcessingInstruction,
)
from bs4.exceptions import ParserRejectedMarkup
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

logger = logging.getLogger(__name__)

__all__ = ["Extraction", "Limits", "detect_kind", "extract", "ocr_available", "stop_worker"]

STATUSES = ("ok", "no-text", "partial", "encrypted", "broken", "unsupported")
KINDS = ("pdf", "html", "docx", "unknown")

SNIFF_BYTES = 1024
# A complete PDF ends with %%EOF; writers may leave a little padding after it.
EOF_WINDOW = 2048
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_MAIN_PART = "word/document.xml"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
# Tags that start an HTML document in practice (after the WHATWG sniffing algorithm).
HTML_LEADING_TAGS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<title",
    b"<script",
    b"<style",
    b"<iframe",
    b"<table",
    b"<div",
    b"<p",
    b"<h1",
    b"<br",
    b"<a",
    b"<b",
    b"<font",
    b"<!--",
)
TAG_NAME_ENDS = (b" ", b">", b"\t", b"\n", b"\r", b"/")
HTML_DROP_TAGS = frozenset({"script", "style", "nav", "noscript", "template", "aside"})
# A site's header, footer and sidebar repeat on every page it has: their words ("Sanctuary City
# Resolution" in a list of recent posts) would make every page match.
HTML_DROP_ROLES = frozenset({"banner", "contentinfo", "complementary", "navigation", "search"})
HTML_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "section", "summary",
        "table", "title", "tr", "ul",
    }
)  # fmt: skip
HTML_CELL_TAGS = frozenset({"td", "th"})
HTML_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)

# PDFium keeps global state and is not thread-safe; one document at a time per process.
_PDFIUM_LOCK = threading.Lock()

# Limits. A 60-page agenda packet takes about 0.1 s, under 100 MB and 5,000 characters a page;
# a 400 MB deflate bomb took PDFium to 7 GB. The defaults sit far above real council documents
# and far below what takes down a 2.5 GB server.
# Address space of the extraction process: its own start-up is ~50 MB, a real document adds
# little, and 1 GB leaves the web server (same machine, same memory limit) room to live.
MEMORY_LIMIT_BYTES = 1 << 30
# Wall time per document: 2,000 dense pages take ~5 s here, so 60 s only stops a stuck parse.
TIME_LIMIT_SECONDS = 60.0
# Pages read from one PDF: the thickest council packets (budget books) run to a few hundred
# pages; a 20,000-page file is junk or an attack, and its first 2,000 pages still get read.
MAX_PAGES = 2000
# Characters kept from one page: a dense Letter page at 6 pt is ~15,000; 100,000 only cuts a
# generated page of text drawn over itself.
MAX_PAGE_CHARS = 100_000
# Characters kept from one document: 2,000 dense pages; it bounds the text the parent process
# holds and stores (~10-40 MB as a Python string), whatever the worker found.
MAX_DOCUMENT_CHARS = 10_000_000


@dataclass(frozen=True)
class Extraction:
    """The text of one document, page by page, and how the extraction went."""

    status: str  # one of STATUSES
    pages: list[str] = field(default_factory=list)  # page 1 at index 0; "" for a page without text
    error: str | None = None  # one line a person can act on, for any status but "ok"
    kind: str = "unknown"  # one of KINDS


@dataclass(frozen=True)
class Limits:
    """How much one document may cost; the defaults suit production, tests pass small ones."""

    memory_bytes: int = MEMORY_LIMIT_BYTES  # address space of the extraction process
    seconds: float = TIME_LIMIT_SECONDS  # wall time of one document, then the process is killed
    max_pages: int = MAX_PAGES  # PDF pages read; later pages are dropped and it is "partial"
    max_page_chars: int = MAX_PAGE_CHARS  # characters kept per PDF page
    max_document_chars: int = MAX_DOCUMENT_CHARS  # characters kept per document


def ocr_available() -> bool:
    """Whether the optional `ocrmypdf` command is on PATH (for pages with no text layer)."""
    return shutil.which("ocrmypdf") is not None


def extract(
    data: bytes,
    content_type: str | None = None,
    filename: str | None = None,
    *,
    limits: Limits | None = None,
) -> Extraction:
    """Per-page text of a PDF, HTML or DOCX document; never raises for bad input.

    The document is read in a child process within `limits` (default `Limits()`).
    """
    limits = limits or Limits()
    kind = detect_kind(data, content_type, filename)
    if kind == "unknown":
        result = _unrecognised(data, content_type)
    else:
        result = _WORKER.extract(kind, data, content_type, limits)
    if result.status != "ok":
        logger.debug(
            "%s: %s %s: %s", filename or "document", result.kind, result.status, result.error
        )
    return result


def stop_worker() -> None:
    """Stop the extraction process, if one runs; the next `extract` starts a new one."""
    _WORKER.stop()


def _extract_kind(kind: str, data: bytes, content_type: str | None, limits: Limits) -> Extraction:
    """Extract in this process: what the worker runs. No memory or time limit here."""
    if kind == "pdf":
        return _extract_pdf(data, limits)
    if kind == "docx":
        result = _extract_docx(data)
    elif kind == "html":
        result = _extract_html(data, _charset(content_type))
    else:
        return _unrecognised(data, content_type)
    return _cap_single_page(result, limits.max_document_chars)


def _cap_single_page(result: Extraction, cap: int) -> Extraction:
    """HTML and DOCX are one page: the document limit is the only text limit."""
    if sum(len(text) for text in result.pages) <= cap:
        return result
    note = f"text cut at {cap:,} characters (document limit)"
    return Extraction("partial", [text[:cap] for text in result.pages], note, result.kind)


def detect_kind(data: bytes, content_type: str | None = None, filename: str | None = None) -> str:
    """The kind of a document ("pdf", "docx", "html" or "unknown") from its magic bytes.

    Content-Type and filename only settle HTML fragments and damaged ZIP files.
    """
    head = data[:SNIFF_BYTES]
    if PDF_MAGIC in head:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return "docx" if _is_docx_zip(data, content_type, filename) else "unknown"
    if _looks_like_html(head, content_type):
        return "html"
    return "unknown"


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type, if Python knows the codec."""
    match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", content_type or "", re.IGNORECASE)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1)).name
    except LookupError:
        return None


def _is_docx_zip(data: bytes, content_type: str | None, filename: str | None) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return DOCX_MAIN_PART in archive.namelist()
    except zipfile.BadZipFile:
        # A truncated ZIP has no central directory, but its local headers still name the parts.
        by_type = _media_type(content_type) == DOCX_CONTENT_TYPE
        by_name = (filename or "").lower().endswith(".docx")
        return by_type or by_name or DOCX_MAIN_PART.encode() in data


def _looks_like_html(head: bytes, content_type: str | None) -> bool:
    text = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    if not text.startswith(b"<"):
        return False
    if b"<!doctype html" in text or b"<html" in text:
        return True
    for tag in HTML_LEADING_TAGS:
        if text.startswith(tag) and text[len(tag) : len(tag) + 1] in TAG_NAME_ENDS:
            return True
    # A fragment declared as HTML, but not an XML document declared as HTML by mistake.
    return _media_type(content_type) in HTML_CONTENT_TYPES and not text.startswith(b"<?xml")


def _unrecognised(data: bytes, content_type: str | None) -> Extraction:
    if not data.strip():
        return Extraction("broken", [], f"empty body ({len(data)} bytes)", "unknown")
    if data.startswith(OLE2_MAGIC):
        reason = "legacy Microsoft Office file (.doc/.xls, OLE2) is not supported"
    elif data.startswith(ZIP_MAGIC):
        reason = f"ZIP archive without {DOCX_MAIN_PART}, so not a DOCX"
    else:
        reason = f"not a PDF, DOCX or HTML document (starts with {data[:8]!r})"
    claimed = _media_type(content_type)
    if claimed:
        reason += f"; Content-Type said {claimed}"
    return Extraction("unsupported", [], reason, "unknown")


# PDF


def _extract_pdf(data: bytes, limits: Limits) -> Extraction:
    truncated = b"%%EOF" not in data[-EOF_WINDOW:]
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            return _pdf_open_error(exc, truncated)
        try:
            total = len(document)
            pages, unreadable, cut, full = _pdf_pages(document, limits)
        finally:
            document.close()

    count = len(pages)
    empty = [number for number, text in enumerate(pages, start=1) if not text]
    notes = _cap_notes(count, total, cut, full, limits)
    if count == 0:
        return Extraction("broken", [], "the PDF has no pages", "pdf")
    if unreadable:
        error = f"PDFium could not read page(s) {_numbers(unreadable)} of {count}"
        return Extraction("broken", pages, _join(error, *notes), "pdf")
    if truncated:
        error = f"the file looks truncated (no %%EOF at its end); {count} page(s) read anyway"
        return Extraction("broken", pages, _join(error, *notes), "pdf")
    if len(empty) == count:
        error = f"no text layer on any of the {count} page(s) (a scan?)"
        return Extraction("no-text", pages, _join(error, *notes), "pdf")
    if empty:
        error = f"no text on page(s) {_numbers(empty)} of {count}"
        return Extraction("partial", pages, _join(error, *notes), "pdf")
    if notes:
        return Extraction("partial", pages, _join(*notes), "pdf")
    return Extraction("ok", pages, None, "pdf")


def _cap_notes(count: int, total: int, cut: list[int], full: bool, limits: Limits) -> list[str]:
    """Why a PDF's text is incomplete although every page read was readable."""
    notes = []
    if cut:
        notes.append(f"text of page(s) {_numbers(cut)} cut at {limits.max_page_chars:,} characters")
    if full:
        note = f"text cut at {limits.max_document_chars:,} characters (document limit)"
        if count < total:
            note += f", on page {count:,} of {total:,}"
        notes.append(note)
    elif count < total:
        notes.append(f"only the first {count:,} of {total:,} pages read (page limit)")
    return notes


def _join(*parts: str) -> str:
    return "; ".join(parts)


def _pdf_open_error(exc: pdfium.PdfiumError, truncated: bool) -> Extraction:
    if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return Extraction("encrypted", [], "the PDF is encrypted and needs a password", "pdf")
    if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return Extraction("encrypted", [], "the PDF uses an unsupported security handler", "pdf")
    # "Failed to load document (PDFium: Data format error)." -> "data format error"
    reason = str(exc).removeprefix("Failed to load document ").strip("().")
    reason = reason.removeprefix("PDFium: ").lower() or "unknown error"
    hint = " (no %%EOF at its end: truncated download?)" if truncated else ""
    return Extraction("broken", [], f"PDFium could not open the file: {reason}{hint}", "pdf")


def _pdf_pages(
    document: pdfium.PdfDocument, limits: Limits
) -> tuple[list[str], list[int], list[int], bool]:
    """Text of the pages read ("" for none), the 1-based numbers of pages PDFium could not load
    and of pages whose text was cut at the page limit, and whether the document limit was hit.

    Stops at `limits.max_pages` pages, or once `limits.max_document_chars` are read.
    """
    pages: list[str] = []
    unreadable: list[int] = []
    cut: list[int] = []
    budget = limits.max_document_chars
    for index in range(min(len(document), limits.max_pages)):
        if budget <= 0:
            break
        try:
            page = document[index]
        except pdfium.PdfiumError:
            unreadable.append(index + 1)
            pages.append("")
            continue
        try:
            textpage = page.get_textpage()
            try:
                text, whole = _page_text(textpage, min(limits.max_page_chars, budget))
            finally:
                textpage.close()
        except pdfium.PdfiumError:
            unreadable.append(index + 1)
            text, whole = "", True
        finally:
            page.close()
        if not whole and budget >= limits.max_page_chars:
            cut.append(index + 1)  # the page limit cut it, not the end of the document budget
        budget -= len(text)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        pages.append(text if text.strip() else "")
    return pages, unreadable, cut, budget <= 0


def _page_text(textpage: pdfium.PdfTextPage, cap: int) -> tuple[str, bool]:
    """The text of a page, at most `cap` characters, and whether it is the whole text."""
    if textpage.count_chars() <= cap:
        # Bounded text keeps PDFium's reading order and drops what lies off the page.
        return textpage.get_text_bounded(), True
    # Only the first `cap` characters are copied out of PDFium, however long the page is.
    return textpage.get_text_range(0, cap), False


def _numbers(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown if len(numbers) <= limit else f"{shown} and {len(numbers) - limit} more"


# DOCX


def _extract_docx(data: bytes) -> Extraction:
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document.iter_inner_content()))
    except (zipfile.BadZipFile, PackageNotFoundError) as exc:
        return Extraction("broken", [], f"damaged DOCX (ZIP) file: {exc}", "docx")
    except (etree.XMLSyntaxError, KeyError, ValueError) as exc:
        return Extraction("broken", [], f"damaged DOCX content: {exc}", "docx")
    text = "\n".join(lines)
    if not text.strip():
        return Extraction("no-text", [""], "the DOCX has no text", "docx")
    return Extraction("ok", [text], None, "docx")


def _docx_lines(blocks: Iterable[Paragraph | Table]) -> Iterator[str]:
    """Paragraphs as lines and table rows as tab-separated cells, in document order."""
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text
        else:
            for row in block.rows:
                cells = []
                seen = set()
                for cell in row.cells:
                    # A merged cell is returned once per grid column it spans.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(_docx_lines(cell.iter_inner_content())).strip())
                yield "\t".join(cells)


# HTML


def _extract_html(data: bytes, charset: str | None) -> Extraction:
    try:
        soup = BeautifulSoup(data, "lxml", from_encoding=charset)
    except ParserRejectedMarkup as exc:
        return Extraction("broken", [], f"unparseable HTML: {exc}", "html")
    text = _html_text(soup)
    if not text:
        return Extraction("no-text", [""], "the HTML page has no visible text", "html")
    return Extraction("ok", [text], None, "html")


def _html_text(root: Tag) -> str:
    """Visible text with a line per block element and tabs between table cells.

    Walks the tree with an explicit stack: council pages can nest deeper than Python recurses.
    """
    chunks: list[str] = []
    stack: list[PageElement | str] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, str) and not isinstance(node, NavigableString):
            chunks.append(node)  # a separator pushed when a block or cell was opened
        elif isinstance(node, NavigableString):
            if not isinstance(node, HTML_SKIPPED_STRINGS):
                chunks.append(re.sub(r"\s+", " ", node))
        elif isinstance(node, Tag):
            name = node.name
            if name in HTML_DROP_TAGS or node.get("role") in HTML_DROP_ROLES:
                continue
            if name == "br":
                chunks.append("\n")
                continue
            if name == "pre":
                chunks.append("\n" + node.get_text() + "\n")
                continue
            if name in HTML_BLOCK_TAGS:
                chunks.append("\n")
                stack.append("\n")
            elif name in HTML_CELL_TAGS:
                stack.append("\t")
            stack.extend(reversed(node.contents))
    lines = []
    for line in "".join(chunks).split("\n"):
        line = re.sub(r" *\t[ \t]*", "\t", line).strip(" \t")
        if line:
            lines.append(line)
    return "\n".join(lines)


# The extraction process
#
# One long-lived child runs `_serve` (this file as a script, so it imports PDFium, lxml and
# python-docx but not Flask): start-up costs ~0.4 s once, not per document. It is started with
# subprocess, not fork: the web server has threads, and a forked copy of a threaded process
# may hang on a lock another thread held. Messages are length-prefixed JSON, never pickle: the
# child parses hostile files, and the parent must not run what a subverted child sends.

_FRAME = struct.Struct(">Q")
# A reply is JSON with ASCII escapes: at most 12 bytes per character (a surrogate pair).
_REPLY_BYTES_PER_CHAR = 12
# Time allowed to receive a reply once the child has started sending it.
_REPLY_GRACE_SECONDS = 10.0
# The child ends itself this long after the parent's time limit, should the parent be gone.
_ALARM_GRACE_SECONDS = 5
_STOP_SECONDS = 2.0


class _WorkerFailed(Exception):
    """The extraction process died or overran; `reason` is "memory", "time" or "crash"."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


class _Worker:
    """The parent's handle on the extraction process: started on first use, restarted after a
    failure, shared by threads one document at a time."""

    def __init__(self) -> None:
        self._reset()
        self._registered = False
        self.last_peak_rss = 0  # bytes, of the process that handled the last document

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._proc: subprocess.Popen[bytes] | None = None
        self._memory = 0
        self._served = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def extract(
        self, kind: str, data: bytes, content_type: str | None, limits: Limits
    ) -> Extraction:
        if self._pid != os.getpid():
            # A forked copy of the parent: the child and the lock belong to the original.
            self._reset()
        with self._lock:
            # A process that already served documents may have fragmented its address space:
            # a memory failure there is retried once in a fresh process, so that a document's
            # result does not depend on the documents read before it.
            while True:
                try:
                    self._ensure(limits.memory_bytes)
                except OSError as exc:
                    return _failed_extraction(
                        kind, _WorkerFailed("crash", f"not started: {exc}"), limits
                    )
                fresh = self._served == 0
                try:
                    return self._request(kind, data, content_type, limits)
                except _WorkerFailed as failure:
                    self._reap(kill=True)
                    if failure.reason == "memory" and not fresh:
                        continue
                    return _failed_extraction(kind, failure, limits)

    def stop(self) -> None:
        # At exit another thread may be mid-document: do not wait for it, kill its child.
        locked = self._lock.acquire(timeout=_STOP_SECONDS)
        try:
            proc = self._proc
            if proc is None:
                return
            if locked and proc.stdin:
                try:
                    proc.stdin.close()  # the child's loop ends at EOF
                    proc.wait(_STOP_SECONDS)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._reap(kill=True)
        finally:
            if locked:
                self._lock.release()

    def _ensure(self, memory: int) -> None:
        if self._proc is not None and self._proc.poll() is None and self._memory == memory:
            return
        self._reap(kill=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
        # -P: the script's folder (tracker/) must not shadow top-level modules in the child.
        self._proc = subprocess.Popen(
            [sys.executable, "-P", os.path.abspath(__file__), "--serve", str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._memory = memory
        self._served = 0
        if not self._registered:
            atexit.register(self.stop)
            self._registered = True

    def _request(
        self, kind: str, data: bytes, content_type: str | None, limits: Limits
    ) -> Extraction:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        header = json.dumps(
            {
                "kind": kind,
                "content_type": content_type,
                "seconds": limits.seconds,
                "max_pages": limits.max_pages,
                "max_page_chars": limits.max_page_chars,
                "max_document_chars": limits.max_document_chars,
            }
        ).encode()
        deadline = time.monotonic() + limits.seconds
        try:
            proc.stdin.write(_FRAME.pack(len(header)) + header + _FRAME.pack(len(data)))
            proc.stdin.write(data)
            proc.stdin.flush()
        except OSError:
            raise self._died() from None
        fd = proc.stdout.fileno()
        try:
            size = _read_exact(fd, _FRAME.size, deadline)
            if size is None:
                raise _WorkerFailed("time")
            (length,) = _FRAME.unpack(size)
            most = _REPLY_BYTES_PER_CHAR * limits.max_document_chars + 1024 * limits.max_pages
            if length > most + 4096:
                raise _WorkerFailed("crash", f"it sent a reply of {length:,} bytes")
            body = _read_exact(fd, length, time.monotonic() + _REPLY_GRACE_SECONDS)
            if body is None:
                raise _WorkerFailed("crash", "its reply never ended")
        except EOFError:
            raise self._died() from None
        self._served += 1
        reply = _parse_reply(body)
        self.last_peak_rss = reply["peak_rss"]
        if "failure" in reply:
            raise _WorkerFailed(reply["failure"], reply.get("detail", ""))
        result = Extraction(reply["status"], reply["pages"], reply["error"], reply["kind"])
        if int(reply.get("vm_size", 0)) > self._memory // 2:
            self._reap(kill=False)  # fresh room for the next document
        return result

    def _died(self) -> _WorkerFailed:
        """The failure that explains why the child closed its pipe."""
        code = self._reap(kill=False)
        if code in (-signal.SIGABRT, -signal.SIGKILL):
            # PDFium aborts when an allocation fails under RLIMIT_AS; the kernel's OOM
            # killer sends SIGKILL.
            return _WorkerFailed("memory")
        if code == -signal.SIGALRM:
            return _WorkerFailed("time")
        return _WorkerFailed("crash", _exit_text(code))

    def _reap(self, kill: bool) -> int | None:
        """Wait for the child (killing it first if asked); its exit code, None if none ran."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if kill and proc.poll() is None:
            proc.kill()
        for pipe in (proc.stdin, proc.stdout):
            if pipe:
                try:
                    pipe.close()
                except OSError:
                    pass
        if proc.returncode is None:
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except ChildProcessError:
                proc.wait()
            else:
                proc.returncode = os.waitstatus_to_exitcode(status)
                self.last_peak_rss = usage.ru_maxrss * 1024
        return proc.returncode


def _parse_reply(body: bytes) -> dict:
    """The child's reply, checked field by field: the child parses hostile files."""
    try:
        reply = json.loads(body)
        if not isinstance(reply, dict):
            raise ValueError("not an object")
        reply.setdefault("vm_size", 0)
        reply.setdefault("peak_rss", 0)
        if not all(isinstance(reply[name], int) for name in ("vm_size", "peak_rss")):
            raise ValueError("bad memory figures")
        if "failure" in reply:
            if reply["failure"] not in ("memory", "crash"):
                raise ValueError("unknown failure")
            reply["detail"] = str(reply.get("detail", ""))
            return reply
        pages, error = reply["pages"], reply["error"]
        if (
            reply["status"] not in STATUSES
            or reply["kind"] not in KINDS
            or not (error is None or isinstance(error, str))
            or not (isinstance(pages, list) and all(isinstance(text, str) for text in pages))
        ):
            raise ValueError("bad extraction")
    except (ValueError, KeyError, RecursionError) as exc:
        raise _WorkerFailed("crash", f"it sent an unreadable reply ({exc})") from None
    return reply


def _read_exact(fd: int, size: int, deadline: float) -> bytes | None:
    """`size` bytes from a pipe, or None at the deadline; EOFError if the pipe closes."""
    chunks = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while len(chunks) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(fd, min(size - len(chunks), 1 << 20))
            if not chunk:
                raise EOFError
            chunks += chunk
    return bytes(chunks)


def _failed_extraction(kind: str, failure: _WorkerFailed, limits: Limits) -> Extraction:
    if failure.reason == "memory":
        error = f"extraction exceeded {_size_text(limits.memory_bytes)} memory limit"
    elif failure.reason == "time":
        error = f"extraction exceeded {limits.seconds:g} s time limit"
    else:
        error = f"the extraction process failed: {failure.detail or 'no reason given'}"
    logger.warning("%s document: %s", kind, error)
    return Extraction("broken", [], error, kind)


def _size_text(size: int) -> str:
    if size >= 1 << 30 and size % (1 << 30) == 0:
        return f"{size >> 30} GB"
    return f"{size / (1 << 20):g} MB"


def _exit_text(code: int | None) -> str:
    if code is None or code >= 0:
        return f"it exited with code {code}"
    try:
        return f"it was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"it was killed by signal {-code}"


_WORKER = _Worker()
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _serve(memory: int) -> int:
    """The child's loop: read a document, extract it within the limits, reply; until EOF."""
    # Never above a limit the parent already runs under (raising it would fail).
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory = min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # A PDFium abort must not leave a 1 GB core file behind.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Replies get their own descriptor; anything a library prints to stdout goes to stderr.
    reply_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    while True:
        size = requests.read(_FRAME.size)
        if len(size) < _FRAME.size:
            return 0
        header = json.loads(requests.read(_FRAME.unpack(size)[0]))
        data = requests.read(_FRAME.unpack(requests.read(_FRAME.size))[0])
        limits = Limits(
            memory_bytes=memory,
            seconds=float(header["seconds"]),
            max_pages=int(header["max_pages"]),
            max_page_chars=int(header["max_page_chars"]),
            max_document_chars=int(header["max_document_chars"]),
        )
        # If the parent is gone and cannot kill us, SIGALRM's default action ends the process.
        signal.alarm(int(limits.seconds) + _ALARM_GRACE_SECONDS)
        try:
            body = _reply(header["kind"], data, header["content_type"], limits)
            healthy = True
        except MemoryError:
            body = json.dumps({"failure": "memory"} | _memory_use()).encode()
            healthy = False
        except Exception as exc:  # a bug, not a bad document: report it, start afresh
            detail = f"{type(exc).__name__}: {exc}"
            body = json.dumps({"failure": "crash", "detail": detail}).encode()
            healthy = False
        finally:
            signal.alarm(0)
        del data
        reply_out.write(_FRAME.pack(len(body)) + body)
        reply_out.flush()
        del body
        if not healthy:
            return 1


def _reply(kind: str, data: bytes, content_type: str | None, limits: Limits) -> bytes:
    result = _extract_kind(kind, data, content_type, limits)
    reply = {"status": result.status, "pages": result.pages, "error": result.error}
    return json.dumps(reply | {"kind": result.kind} | _memory_use()).encode()


def _memory_use() -> dict[str, int]:
    """This process's address space now and its peak resident size, in bytes."""
    # Not getrusage: on Linux ru_maxrss survives exec, so it would start at the parent's size.
    use = {"vm_size": 0, "peak_rss": 0}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("VmSize:", "VmHWM:")):
                    name = "vm_size" if line.startswith("VmSize:") else "peak_rss"
                    use[name] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return use


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    sys.exit(_serve(int(sys.argv[2])))
