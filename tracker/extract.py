"""Text out of fetched documents: bytes in, one string per page out, for PDF, HTML and DOCX.

The kind of a document is sniffed from its bytes (a council site may answer a PDF link with an
HTML error page); Content-Type and filename are only hints. `extract` never raises for bad
input: it returns an `Extraction` whose `status` says what happened and `error` says why.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import shutil
import threading
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

__all__ = ["Extraction", "detect_kind", "extract", "ocr_available"]

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


@dataclass(frozen=True)
class Extraction:
    """The text of one document, page by page, and how the extraction went."""

    status: str  # one of STATUSES
    pages: list[str] = field(default_factory=list)  # page 1 at index 0; "" for a page without text
    error: str | None = None  # one line a person can act on, for any status but "ok"
    kind: str = "unknown"  # one of KINDS


def ocr_available() -> bool:
    """Whether the optional `ocrmypdf` command is on PATH (for pages with no text layer)."""
    return shutil.which("ocrmypdf") is not None


def extract(
    data: bytes, content_type: str | None = None, filename: str | None = None
) -> Extraction:
    """Per-page text of a PDF, HTML or DOCX document; never raises for bad input."""
    kind = detect_kind(data, content_type, filename)
    if kind == "pdf":
        result = _extract_pdf(data)
    elif kind == "docx":
        result = _extract_docx(data)
    elif kind == "html":
        result = _extract_html(data, _charset(content_type))
    else:
        result = _unrecognised(data, content_type)
    if result.status != "ok":
        logger.debug(
            "%s: %s %s: %s", filename or "document", result.kind, result.status, result.error
        )
    return result


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


def _extract_pdf(data: bytes) -> Extraction:
    truncated = b"%%EOF" not in data[-EOF_WINDOW:]
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            return _pdf_open_error(exc, truncated)
        try:
            pages, unreadable = _pdf_pages(document)
        finally:
            document.close()

    count = len(pages)
    empty = [number for number, text in enumerate(pages, start=1) if not text]
    if count == 0:
        return Extraction("broken", [], "the PDF has no pages", "pdf")
    if unreadable:
        error = f"PDFium could not read page(s) {_numbers(unreadable)} of {count}"
        return Extraction("broken", pages, error, "pdf")
    if truncated:
        error = f"the file looks truncated (no %%EOF at its end); {count} page(s) read anyway"
        return Extraction("broken", pages, error, "pdf")
    if len(empty) == count:
        error = f"no text layer on any of the {count} page(s) (a scan?)"
        return Extraction("no-text", pages, error, "pdf")
    if empty:
        error = f"no text on page(s) {_numbers(empty)} of {count}"
        return Extraction("partial", pages, error, "pdf")
    return Extraction("ok", pages, None, "pdf")


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


def _pdf_pages(document: pdfium.PdfDocument) -> tuple[list[str], list[int]]:
    """Text of every page ("" for none) and the 1-based numbers of pages PDFium could not load."""
    pages: list[str] = []
    unreadable: list[int] = []
    for index in range(len(document)):
        try:
            page = document[index]
        except pdfium.PdfiumError:
            unreadable.append(index + 1)
            pages.append("")
            continue
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_bounded()
            finally:
                textpage.close()
        except pdfium.PdfiumError:
            unreadable.append(index + 1)
            text = ""
        finally:
            page.close()
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        pages.append(text if text.strip() else "")
    return pages, unreadable


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
