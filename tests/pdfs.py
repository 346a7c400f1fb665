"""Deterministic PDFs for tests and the benchmark: text pages, scanned-like pages, encryption,
and hostile files written by hand (a deflate bomb, a PDF of 20,000 pages).

Built with fpdf2. Text is set in the core Helvetica font with the Windows-1252 encoding, which
covers the en dash, em dash, curly quotes and Spanish accents found in agendas; text outside it
falls back to an embedded DejaVu Sans. The creation date is fixed, so the same call gives the
same bytes (except with a TrueType font, whose subset is still stable for the same text).
"""

from __future__ import annotations

import io
import zlib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

__all__ = [
    "bomb_content_size",
    "lines_content",
    "make_deflate_bomb",
    "make_many_pages_pdf",
    "make_pdf",
    "make_scanned_pdf",
]

# A fixed date makes the output byte-for-byte stable (it feeds the /ID and /CreationDate).
FIXED_DATE = datetime(2017, 1, 31, 12, 0, tzinfo=UTC)
CORE_ENCODING = "windows-1252"
PAGE_FORMAT = "letter"
MARGIN_PT = 54.0
DEJAVU_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)


@cache
def _unicode_font() -> Path | None:
    """Path of a DejaVu Sans TTF on this machine, or None."""
    for path in DEJAVU_CANDIDATES:
        if path.is_file():
            return path
    return next(iter(sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))), None)


def _encodable(lines: list[str]) -> bool:
    try:
        "\n".join(lines).encode(CORE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _new_pdf() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="pt", format=PAGE_FORMAT)
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(MARGIN_PT, MARGIN_PT, MARGIN_PT)
    # One list of lines is one page: never let fpdf2 add pages on its own.
    pdf.set_auto_page_break(False)
    return pdf


def make_pdf(
    pages: list[list[str]],
    *,
    encrypt_password: str | None = None,
    font_size: int = 10,
) -> bytes:
    """A PDF with one page per item of `pages`, each a list of lines set top to bottom.

    An empty list gives a blank page. `encrypt_password` sets the user (open) password.
    Raises ValueError when a page has more lines, or a line is wider, than fits.
    """
    all_lines = [line for page in pages for line in page]
    pdf = _new_pdf()
    if _encodable(all_lines):
        pdf.core_fonts_encoding = CORE_ENCODING
        family = "Helvetica"
    else:
        font_path = _unicode_font()
        if font_path is None:
            raise ValueError(
                f"text is not {CORE_ENCODING}-encodable and no DejaVuSans.ttf was found "
                "under /usr/share/fonts (Debian: apt-get install fonts-dejavu-core)"
            )
        family = "DejaVuSans"
        pdf.add_font(family, fname=str(font_path))
    if encrypt_password is not None:
        # RC4 (fpdf2's default) needs no random salt, so the bytes stay deterministic.
        pdf.set_encryption(
            owner_password=encrypt_password + "-owner", user_password=encrypt_password
        )

    line_height = font_size * 1.25
    usable_height = pdf.h - 2 * MARGIN_PT
    usable_width = pdf.w - 2 * MARGIN_PT
    max_lines = int(usable_height // line_height)
    for number, lines in enumerate(pages, start=1):
        if len(lines) > max_lines:
            raise ValueError(
                f"page {number} has {len(lines)} lines; at {font_size} pt at most {max_lines} fit"
            )
        pdf.add_page()
        pdf.set_font(family, size=font_size)
        for line in lines:
            if pdf.get_string_width(line) > usable_width:
                raise ValueError(f"page {number}: line too wide for the page: {line[:40]!r}…")
            pdf.cell(w=usable_width, h=line_height, text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _scan_image(page_number: int) -> bytes:
    """A greyscale PNG that looks like a scanned page: grey bars where lines of text would be."""
    width, height = 850, 1100  # 100 dpi US Letter
    image = Image.new("L", (width, height), color=255)
    draw = ImageDraw.Draw(image)
    for row in range(40):
        top = 80 + row * 24
        # Line lengths vary by row and page, deterministically.
        right = 120 + (row * 37 + page_number * 53) % 600
        draw.rectangle((75, top, right, top + 10), fill=60)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_scanned_pdf(n_pages: int) -> bytes:
    """A PDF of `n_pages` pages that each hold only an image and a drawn frame, no text layer."""
    pdf = _new_pdf()
    for number in range(1, n_pages + 1):
        pdf.add_page()
        pdf.image(io.BytesIO(_scan_image(number)), x=0, y=0, w=pdf.w, h=pdf.h)
        pdf.rect(MARGIN_PT / 2, MARGIN_PT / 2, pdf.w - MARGIN_PT, pdf.h - MARGIN_PT)
    return bytes(pdf.output())


# Hand-written PDFs: fpdf2 would take minutes for 20,000 pages and cannot write a bomb.

BOMB_UNIT = b"(A) Tj "  # one text object per 7 bytes: PDFium needs ~90 bytes of memory per byte
BOMB_CHUNK = BOMB_UNIT * ((1 << 20) // len(BOMB_UNIT))
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (object 1 the catalogue), numbered from 1, with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(content: bytes, flate: bool = False) -> bytes:
    extra = b" /Filter /FlateDecode" if flate else b""
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(content), extra, content)


def _pages_pdf(n_pages: int, content_stream: bytes) -> bytes:
    """`n_pages` Letter pages that all draw the one content stream (object 3) in Helvetica."""
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(n_pages))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages),
        content_stream,
        HELVETICA,
    ]
    return _raw_pdf(objects + [page] * n_pages)


def lines_content(text: str, lines: int) -> bytes:
    """A content stream that sets `text` on `lines` lines in 4 pt type, column after column.

    Each line has its own place: PDFium drops text drawn twice at one spot (fake bold).
    """
    per_column = 180  # 4.25 pt apart, top to bottom of a Letter page
    width = 2.5 * len(text) + 6
    shown = [
        b"1 0 0 1 %.1f %.2f Tm (%s) Tj\n"
        % (6 + width * (n // per_column), 780 - 4.25 * (n % per_column), text.encode("latin-1"))
        for n in range(lines)
    ]
    return b"BT /F1 4 Tf\n" + b"".join(shown) + b"ET"


def make_many_pages_pdf(
    n_pages: int, content: bytes = b"BT /F1 12 Tf 72 720 Td (Agenda item) Tj ET"
) -> bytes:
    """A PDF of `n_pages` pages that share one small content stream: 20,000 pages in ~3 MB."""
    return _pages_pdf(n_pages, _stream(content))


def make_deflate_bomb(inflated_bytes: int) -> bytes:
    """A one-page PDF whose FlateDecode content stream inflates to about `inflated_bytes` of
    text-showing operators, at ~1,000:1 (400 MB in a 600 KB file)."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(b"BT /F1 12 Tf 72 720 Td\n")]
    parts += [compressor.compress(BOMB_CHUNK) for _ in range(inflated_bytes // len(BOMB_CHUNK))]
    parts += [compressor.compress(b"\nET"), compressor.flush()]
    return _pages_pdf(1, _stream(b"".join(parts), flate=True))


def bomb_content_size(pdf: bytes) -> int:
    """How many bytes the first FlateDecode stream of `pdf` inflates to, counted in chunks."""
    start = pdf.index(b"stream\n", pdf.index(b"/FlateDecode")) + len(b"stream\n")
    inflater = zlib.decompressobj()
    size = len(inflater.decompress(pdf[start:], 1 << 20))
    while inflater.unconsumed_tail and not inflater.eof:
        size += len(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
    return size
