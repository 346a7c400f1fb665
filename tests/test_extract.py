"""Tests for tracker/extract.py: what a reader of the archive would notice going wrong."""

import io
import random
import zipfile

import docx
import pytest
from pdfs import make_pdf, make_scanned_pdf

from tracker.extract import STATUSES, Extraction, detect_kind, extract, ocr_available

AGENDA = [
    ["BIRMINGHAM CITY COUNCIL", "REGULAR MEETING AGENDA", "Tuesday, January 31, 2017 – 9:30 a.m."],
    ["CONSENT AGENDA", "Item 12 – Resolution 2017-14 — public safety"],
    ["NON-CONSENT AGENDA", "Item 30 – Resolution declaring Birmingham a welcoming city"],
]


def _docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# PDF


def test_pdf_pages_in_order_with_their_text():
    result = extract(make_pdf(AGENDA), "application/pdf", "agenda.pdf")
    assert result == Extraction("ok", result.pages, None, "pdf")
    assert len(result.pages) == 3
    for page, lines in zip(result.pages, AGENDA, strict=True):
        assert page.split("\n") == lines


def test_pdf_dashes_survive():
    page = extract(make_pdf(AGENDA)).pages[1]
    assert "Item 12 – Resolution 2017-14 — public safety" in page


def test_pdf_text_outside_windows_1252_survives():
    # The generator falls back to an embedded DejaVu Sans for these.
    result = extract(make_pdf([["Resolución № 2017–14 ≥ 2"]]))
    assert result.pages == ["Resolución № 2017–14 ≥ 2"]


def test_pdf_has_no_carriage_returns():
    assert "\r" not in extract(make_pdf(AGENDA)).pages[0]


def test_generated_pdfs_are_deterministic():
    assert make_pdf(AGENDA) == make_pdf(AGENDA)
    assert make_scanned_pdf(2) == make_scanned_pdf(2)


def test_scanned_pdf_is_no_text():
    result = extract(make_scanned_pdf(2))
    assert (result.status, result.kind, result.pages) == ("no-text", "pdf", ["", ""])
    assert "2 page(s)" in result.error


def test_blank_page_makes_partial():
    result = extract(make_pdf([["Call to order"], []]))
    assert (result.status, result.pages) == ("partial", ["Call to order", ""])
    assert "page(s) 2 of 2" in result.error


def test_encrypted_pdf():
    result = extract(make_pdf(AGENDA, encrypt_password="clerk"))
    assert (result.status, result.kind, result.pages) == ("encrypted", "pdf", [])
    assert result.error == "the PDF is encrypted and needs a password"


def test_truncated_half_pdf_is_broken():
    data = make_pdf(AGENDA)
    # PDFium cannot find the catalogue without the cross-reference table at the end.
    result = extract(data[: len(data) // 2])
    assert (result.status, result.kind, result.pages) == ("broken", "pdf", [])
    assert result.error.startswith("PDFium could not open the file: ")
    assert "truncated" in result.error


def test_pdf_missing_only_its_end_is_read_but_flagged():
    data = make_pdf(AGENDA)
    result = extract(data[: data.rindex(b"%%EOF")])
    # PDFium recovers every page, but the download was cut: keep the text, flag the file.
    assert (result.status, len(result.pages)) == ("broken", 3)
    assert result.pages[0].startswith("BIRMINGHAM CITY COUNCIL")
    assert "truncated" in result.error


@pytest.mark.parametrize("data", [b"%PDF-1.7\n", b"%PDF-1.4\n" + bytes(range(256)) * 4])
def test_corrupt_pdf_is_broken(data):
    result = extract(data)
    assert (result.status, result.kind) == ("broken", "pdf")
    assert result.error


# Sniffing


def test_html_served_as_pdf_is_sniffed_as_html():
    body = b"<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>"
    result = extract(body, "application/pdf", "agenda-2017-01-31.pdf")
    assert (result.status, result.kind, result.pages) == ("ok", "html", ["Page not found"])


def test_pdf_served_as_html_is_sniffed_as_pdf():
    assert detect_kind(make_pdf(AGENDA), "text/html", "agenda.html") == "pdf"


def test_random_bytes_are_unsupported():
    data = random.Random(2017).randbytes(4096)
    result = extract(data, "application/pdf")
    assert (result.status, result.kind, result.pages) == ("unsupported", "unknown", [])
    assert "not a PDF, DOCX or HTML" in result.error
    assert "application/pdf" in result.error


@pytest.mark.parametrize("body", [b"", b"  \r\n"])
def test_empty_body_is_broken(body):
    result = extract(body, "application/pdf")
    assert (result.status, result.kind, result.pages) == ("broken", "unknown", [])
    assert result.error.startswith("empty body")


def test_zip_that_is_not_docx_is_unsupported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("minutes.txt", "not a word document")
    result = extract(buffer.getvalue())
    assert (result.status, result.kind) == ("unsupported", "unknown")


# HTML


def test_html_drops_scripts_styles_and_nav():
    body = b"""<html><head><title>Agenda</title><style>p { color: red }</style></head>
    <body><nav><a href="/">Home</a></nav>
    <script>var tracking = "do not index";</script>
    <p>Item 30 &ndash; Resolution
       declaring a welcoming city</p><p>Adopted</p></body></html>"""
    result = extract(body, "text/html")
    assert result.pages == ["Agenda\nItem 30 – Resolution declaring a welcoming city\nAdopted"]


def test_html_drops_the_site_header_footer_and_sidebar():
    body = b"""<html><body><header role="banner"><p>Birmingham City Council</p></header>
    <article><header class="entry-header"><h1>Council Adopts the Budget</h1></header>
    <p>The budget takes effect on July 1.</p></article>
    <aside class="widget-area"><ul><li>Sanctuary City Resolution</li></ul></aside>
    <div role="complementary">Recent posts</div>
    <footer role="contentinfo">710 North 20th Street</footer></body></html>"""
    result = extract(body, "text/html")
    assert result.pages == ["Council Adopts the Budget\nThe budget takes effect on July 1."]


def test_html_table_rows_are_lines():
    body = b"<table><tr><td>Item 1</td><td>Approved</td></tr><tr><td>Item 2</td></tr></table>"
    assert extract(body, "text/html").pages == ["Item 1\tApproved\nItem 2"]


def test_html_charset_from_content_type():
    body = "<p>Resolución – aprobada</p>".encode("cp1252")
    result = extract(body, "text/html; charset=windows-1252")
    assert result.pages == ["Resolución – aprobada"]


def test_html_fragment_needs_html_content_type():
    assert detect_kind(b"<span>Minutes</span>", "text/html") == "html"
    assert detect_kind(b"<span>Minutes</span>", "application/octet-stream") == "unknown"


# DOCX


def test_docx_paragraphs_and_tables():
    data = _docx_bytes(
        ["MINUTES", "The Council met at 9:30 a.m. – all present."],
        table=[["Item", "Vote"], ["Resolution 2017-14", "9-0"]],
    )
    result = extract(data, "application/octet-stream", "minutes.bin")
    assert (result.status, result.kind) == ("ok", "docx")
    assert result.pages == [
        "MINUTES\nThe Council met at 9:30 a.m. – all present.\nItem\tVote\nResolution 2017-14\t9-0"
    ]


def test_truncated_docx_is_broken():
    data = _docx_bytes(["MINUTES"] * 50)
    result = extract(data[: len(data) // 2])
    assert (result.status, result.kind, result.pages) == ("broken", "docx", [])
    assert result.error.startswith("damaged DOCX")


def test_docx_with_damaged_xml_is_broken():
    source = zipfile.ZipFile(io.BytesIO(_docx_bytes(["MINUTES"])))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            damaged = name == "word/document.xml"
            target.writestr(name, b"<w:document><w:body" if damaged else source.read(name))
    result = extract(buffer.getvalue())
    assert (result.status, result.kind, result.pages) == ("broken", "docx", [])
    assert result.error.startswith("damaged DOCX content: ")


# Never raises


@pytest.mark.parametrize("seed", range(20))
def test_mangled_documents_never_raise(seed):
    rng = random.Random(seed)
    original = [make_pdf(AGENDA), _docx_bytes(["MINUTES"]), b"<html><p>x</p></html>"][seed % 3]
    data = bytearray(original)
    for _ in range(20):
        data[rng.randrange(len(data))] = rng.randrange(256)
    result = extract(bytes(data[: rng.randrange(1, len(data) + 1)]))
    assert result.status in STATUSES
    assert result.status == "ok" or result.error


def test_ocr_available_is_a_bool():
    assert isinstance(ocr_available(), bool)
