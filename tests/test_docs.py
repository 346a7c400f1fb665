"""Docs that cannot drift: every setting and every command is in the README."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

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
