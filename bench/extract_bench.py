"""Benchmark: pages per second of tracker.extract against `pdftotext -layout` and pypdf.

Generates agenda-like PDFs (tests/pdfs.py), then times each extractor on the same files in the
same run, best of --repeat runs. Target: ours at least 0.5x pdftotext's pages/s.
Usage: python bench/extract_bench.py [--files 20] [--pages 30] [--lines 45] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from itertools import zip_longest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from tests.pdfs import make_pdf  # noqa: E402
from tracker.extract import extract  # noqa: E402

TARGET_RATIO = 0.5
LINE_WIDTH = 84  # characters; fits a Letter page at 10 pt Helvetica

COUNCILLORS = [
    "Abbott", "Austin", "Hoyt", "Lundy", "O'Quinn", "Parker", "Rafferty", "Roberson", "Scales",
]  # fmt: skip
SUBJECTS = [
    "an agreement with the Birmingham Board of Education for after-school programs",
    "a contract with Alabama Power Company for street lighting on 3rd Avenue North",
    "the Mayor to apply for a grant from the U.S. Department of Justice – COPS program",
    "an appropriation of $250,000 to the Birmingham Police Department for body cameras",
    "the Welcoming City resolution — rights of immigrants and refugees in Birmingham",
    "a public hearing on the rezoning of 1715 2nd Avenue South from C-2 to MX-D",
    "the abatement of weeds on properties in the Ensley and Pratt City neighborhoods",
    "a lease with the Birmingham-Jefferson Civic Center Authority for parking",
    "an amendment to Chapter 4 of the General Code regarding police identification",
    "the appointment of members to the Birmingham Human Rights Commission",
]


def agenda_page(rng: random.Random, file_no: int, page_no: int, n_lines: int) -> list[str]:
    """About `n_lines` lines of clerk-like agenda text."""
    lines = [
        "BIRMINGHAM CITY COUNCIL – REGULAR MEETING",
        f"Tuesday, January {3 + file_no}, 2017 – 9:30 a.m. – Council Chamber, City Hall",
        "",
    ]
    item = page_no * 6
    while len(lines) < n_lines - 1:
        item += 1
        subject = rng.choice(SUBJECTS)
        sponsor = rng.choice(COUNCILLORS)
        text = (
            f"ITEM {item}. A Resolution authorizing {subject}, sponsored by Councilor "
            f"{sponsor} and recommended by the Committee of the Whole. (Resolution "
            f"2017-{rng.randint(1, 400):03d})"
        )
        lines.extend(textwrap.wrap(text, LINE_WIDTH))
        voters = rng.sample(COUNCILLORS, 4)
        votes = ", ".join(f"{name} – {rng.choice(['Aye', 'Aye', 'Aye', 'Nay'])}" for name in voters)
        lines.extend(textwrap.wrap(f"Roll call: {votes}.", LINE_WIDTH))
    lines = lines[: n_lines - 1]
    lines.append(f"Page {page_no + 1}")
    return lines


def make_corpus(directory: Path, files: int, pages: int, lines: int) -> list[Path]:
    rng = random.Random(2017)
    paths = []
    for file_no in range(files):
        body = [agenda_page(rng, file_no, page_no, lines) for page_no in range(pages)]
        path = directory / f"agenda-{file_no:02d}.pdf"
        path.write_bytes(make_pdf(body))
        paths.append(path)
    return paths


def ours(path: Path) -> list[str]:
    result = extract(path.read_bytes(), "application/pdf", path.name)
    if result.status != "ok":
        raise SystemExit(f"{path.name}: {result.status}: {result.error}")
    return result.pages


def pdftotext(path: Path) -> list[str]:
    completed = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
    )
    # Pages end with a form feed; the last one is followed by nothing.
    return completed.stdout.decode("utf-8").split("\f")[:-1]


def pypdf(path: Path) -> list[str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return [page.extract_text() for page in reader.pages]


def measure(
    tool: Callable[[Path], list[str]], paths: list[Path], repeat: int
) -> tuple[float, list[list[str]]]:
    """Best pages/s over `repeat` runs, and the texts of the last run."""
    best = 0.0
    texts: list[list[str]] = []
    for _ in range(repeat):
        start = time.perf_counter()
        texts = [tool(path) for path in paths]
        elapsed = time.perf_counter() - start
        best = max(best, sum(len(t) for t in texts) / elapsed)
    return best, texts


def same_words(a: list[list[str]], b: list[list[str]]) -> tuple[int, int]:
    """Pages whose whitespace-separated words agree, out of all pages."""
    # A page one tool has and the other lacks counts as a disagreement.
    pairs = [
        (x, y)
        for file_a, file_b in zip(a, b, strict=True)
        for x, y in zip_longest(file_a, file_b, fillvalue=None)
    ]
    agree = sum(x is not None and y is not None and x.split() == y.split() for x, y in pairs)
    return agree, sum(len(f) for f in a)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--lines", type=int, default=45)
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool; the best counts")
    parser.add_argument("--check", action="store_true", help="exit 1 if the target is missed")
    args = parser.parse_args(argv)

    has_pdftotext = shutil.which("pdftotext") is not None
    if not has_pdftotext:
        print(
            "pdftotext not found (Debian: apt-get install poppler-utils): "
            "the reference is missing, so no ratio; measuring the others only."
        )

    with tempfile.TemporaryDirectory(prefix="extract-bench-") as tmp:
        start = time.perf_counter()
        paths = make_corpus(Path(tmp), args.files, args.pages, args.lines)
        size = sum(p.stat().st_size for p in paths)
        print(
            f"{len(paths)} PDFs x {args.pages} pages x {args.lines} lines, {size / 1e6:.1f} MB, "
            f"generated in {time.perf_counter() - start:.1f} s; best of {args.repeat} runs"
        )
        tools: dict[str, Callable[[Path], list[str]]] = {"tracker.extract (pypdfium2)": ours}
        if has_pdftotext:
            tools["pdftotext -layout (subprocess)"] = pdftotext
        tools["pypdf extract_text"] = pypdf
        rates: dict[str, float] = {}
        texts: dict[str, list[list[str]]] = {}
        for name, tool in tools.items():
            rates[name], texts[name] = measure(tool, paths, args.repeat)

    reference = texts["tracker.extract (pypdfium2)"]
    print(f"\n{'extractor':<32} {'pages/s':>9} {'ms/page':>8}  pages with the same words as ours")
    for name, rate in rates.items():
        agree, total = same_words(reference, texts[name])
        print(f"{name:<32} {rate:>9.0f} {1000 / rate:>8.2f}  {agree}/{total}")
    if not has_pdftotext:
        return 0
    ratio = rates["tracker.extract (pypdfium2)"] / rates["pdftotext -layout (subprocess)"]
    met = ratio >= TARGET_RATIO
    verdict = "met" if met else "MISSED"
    print(f"\nours / pdftotext = {ratio:.2f}x (target >= {TARGET_RATIO}x: {verdict})")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
