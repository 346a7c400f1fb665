"""The layers a newcomer can see: parsers stay light, doors hold no SQL."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_parser_imports_without_the_web_app_the_pdf_library_or_the_scheduler():
    import subprocess
    import sys

    heavy = ("flask", "pypdfium2", "apscheduler", "requests", "waitress")
    code = (
        "import sys, tracker.agenda, tracker.minutes, scrapers.granicus; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_views_and_commands_hold_no_sql():
    doors = [*sorted((ROOT / "tracker" / "web").glob("*.py")), ROOT / "tracker" / "cli.py"]
    sql = re.compile(r"\.(query|execute|count_where|rows_where)\(|\bselect\s+\*?\w", re.I)
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in doors
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if sql.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == [], "queries belong in the record layer (tracker/*.py):\n" + "\n".join(found)
