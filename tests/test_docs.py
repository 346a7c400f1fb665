"""Docs that cannot drift: every setting and every command is in the README."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from tests.test_cli import all_commands
from tracker.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
# Settings whose variable name differs from the field name.
VARIABLES = {"jurisdiction_file": "TRACKER_JURISDICTION"}


def test_every_setting_is_documented_in_the_configuration_table():
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for f in fields(Settings):
        name = VARIABLES.get(f.name, f"TRACKER_{f.name.upper()}")
        assert f"`{name}`" in table, f"{name} is not in the README's configuration table"


def test_every_setting_the_readme_names_exists():
    known = {VARIABLES.get(f.name, f"TRACKER_{f.name.upper()}") for f in fields(Settings)}
    named = set(re.findall(r"`(TRACKER_[A-Z_]+)`", README))
    assert named <= known, f"the README names settings that do not exist: {named - known}"


def test_every_command_is_in_the_readme():
    lines = [line for line in README.splitlines() if "python run.py" in line]
    for path, _command in all_commands():
        group, *sub = path
        assert any(
            f"python run.py {group}" in line and all(re.search(rf"\b{s}\b", line) for s in sub)
            for line in lines
        ), f"python run.py {' '.join(path)} is not in the README"


ROOT = Path(__file__).resolve().parent.parent


def test_ci_checks_the_style_before_the_tests():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    style = ci.index("ruff check . && ruff format --check .")
    assert style < ci.index("python -m pytest")


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]])
def test_the_code_passes_ruff(command):
    # The style check CI runs, here too, so that a merge that breaks it fails where it is made.
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed (pip install -r requirements-dev.txt)")
    done = subprocess.run([ruff, *command], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_tells_a_newcomer_about_the_virtual_environment_and_the_first_scrape():
    setup = README.split("## What it does", 1)[0]
    assert "```sh\npip install -r requirements.txt && python run.py\n```" in setup
    assert "```sh\npip install -r requirements-dev.txt && python -m pytest\n```" in setup
    assert "python3-venv" in setup and "python3 -m venv" in setup
    assert "first start tries a scrape" in setup
