"""Deterministic PDFs for tests and the benchmark: text pages, scanned-like pages, encryption.

Built with fpdf2. Text is set in the core Helvetica font with the Windows-1252 encoding, which
covers the en dash, em dash, curly quotes and Spanish accents found in agendas; text outside it
falls back to an embedded DejaVu Sans. The creation date is fixed, so the same call gives the
same bytes (except with a TrueType font, whose subset is still stable for the same text).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

__all__ = ["make_pdf", "make_scanned_pdf"]

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
