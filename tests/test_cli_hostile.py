"""The command line under bad input (issue 15, item 11): every failure is one line and a
non-zero exit, never a traceback: ids past SQLite's integers, folders we cannot write, a
catalogue that is not UTF-8, a full disk, a rule phrase of blanks, Click's own usage errors."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.places import COMMITMENTS_FILE, birmingham_at
from tracker.cli import main

ROOT = Path(__file__).resolve().parent.parent
TOO_BIG = str(2**63)  # SQLite's integers end at 2**63 - 1


def one_line(result) -> str:
    """The output of a failed command, asserted to be a single line and no traceback."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["review", "show", TOO_BIG],
        ["review", "accept", TOO_BIG, "--note", "x"],
        ["review", "reject", TOO_BIG, "--note", "x"],
        ["status", "set", "language-access", "partial", "--date", "2026-01-01"]
        + ["--evidence", TOO_BIG, "--note", "x"],
        ["review", "list", "--page", TOO_BIG],
        ["serve", "--port", "99999"],
    ],
)
def test_numbers_past_the_limits_are_one_line(runner, args):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    line = one_line(result)
    assert line.startswith("Error: Invalid value for")
    assert "is not in the range" in line


def test_the_largest_id_is_simply_not_found(runner):
    result = runner.invoke(main, ["review", "show", str(2**63 - 1)])
    assert result.exit_code == 1
    assert one_line(result) == f"Error: no evidence with id {2**63 - 1}"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["bogus"], "No such command 'bogus'. (see 'python run.py --help')"),
        (["--bogus"], "No such option '--bogus'"),
        (
            ["review", "show"],
            "Missing argument 'EVIDENCE_ID'. (see 'python run.py review show --help')",
        ),
        (["review", "show", "abc"], "'abc' is not a valid whole number"),
        (["review", "reject", "3"], "Missing option '--note'"),
        (["status", "set", "x", "nearly-kept"], "'nearly-kept' is not one of"),
    ],
)
def test_usage_errors_are_one_line_with_the_help_hint(runner, args, fragment):
    result = runner.invoke(main, args, prog_name="python run.py")
    assert result.exit_code == 2
    assert fragment in one_line(result)


def test_help_is_still_the_whole_help(runner):
    result = runner.invoke(main, ["review", "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and "accept" in result.output


@pytest.mark.parametrize("command", [["export", "--out"], ["backup"]])
def test_an_output_folder_we_cannot_write_is_one_line(runner, tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(main, [*command, str(blocker / "out")])
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith("Error: ") and "a-file" in line
    assert "Not a directory" in line


def _jurisdiction_with(tmp_path: Path, catalogue: bytes) -> Path:
    folder = tmp_path / "place"
    path = birmingham_at(folder, "http://127.0.0.1:9/")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["catalogue"] = str(folder / "catalogue.yaml")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (folder / "catalogue.yaml").write_bytes(catalogue)
    return path


def test_a_catalogue_that_is_not_utf8_is_one_line_naming_the_file(runner, tmp_path, monkeypatch):
    latin1 = COMMITMENTS_FILE.read_bytes().replace("ó".encode(), "ó".encode("latin-1"))
    monkeypatch.setenv("TRACKER_JURISDICTION", str(_jurisdiction_with(tmp_path, latin1)))
    result = runner.invoke(main, ["load-curated"])
    assert result.exit_code == 1
    line = one_line(result)
    assert "catalogue.yaml" in line and "not UTF-8" in line


def test_match_text_input_that_is_not_utf8_is_one_line(runner, tmp_path):
    lines = tmp_path / "latin1.jsonl"
    lines.write_bytes('{"id": 1, "text": "Café sanctuary city"}\n'.encode("latin-1"))
    result = runner.invoke(main, ["match-text", str(lines)])
    assert result.exit_code == 1
    assert one_line(result).startswith("Error: the input is not UTF-8 text")


@pytest.mark.parametrize("blank", ["   ", "\t", " - ", "—"])
@pytest.mark.parametrize("where", ["any", "decoys"])
def test_a_rule_phrase_of_blanks_is_refused_when_the_catalogue_loads(
    runner, tmp_path, monkeypatch, blank, where
):
    catalogue = yaml.safe_load(COMMITMENTS_FILE.read_text(encoding="utf-8"))
    rules = catalogue["commitments"][0]["rules"]
    (rules["patterns"][0]["any"] if where == "any" else rules["decoys"]).append(blank)
    text = yaml.safe_dump(catalogue, allow_unicode=True).encode()
    monkeypatch.setenv("TRACKER_JURISDICTION", str(_jurisdiction_with(tmp_path, text)))
    for command in (["load-curated"], ["match"], ["match-text"]):
        result = runner.invoke(main, command, input='{"id": 1, "text": "sanctuary city"}\n')
        assert result.exit_code == 1, command
        line = one_line(result)
        assert "catalogue.yaml" in line and "declare-sanctuary" in line, line
        assert "needs at least one letter or digit" in line


def test_a_database_file_that_is_not_a_database_is_one_line(runner, settings):
    settings.data_dir.mkdir(parents=True)
    settings.db_path.write_text("not a database, whatever its name says " * 100)
    result = runner.invoke(main, ["load-curated"])
    assert result.exit_code == 1
    line = one_line(result)
    assert str(settings.db_path) in line and "file is not a database" in line


def _run(args, data_dir: Path, stdout=subprocess.PIPE, preexec_fn=None):
    env = {**os.environ, "TRACKER_DATA_DIR": str(data_dir), "TRACKER_EDITOR": "Test editors"}
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        preexec_fn=preexec_fn,
    )


def test_a_full_disk_under_the_database_is_one_line(tmp_path):
    # The file-size limit makes the kernel refuse writes past 200 kB, as a full disk does.
    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    result = _run(["load-curated"], tmp_path / "data", preexec_fn=small_disk)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot write the database in ")


def test_a_full_disk_under_the_output_is_one_line(tmp_path):
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"id": 1, "text": "Resolution declaring a sanctuary city"}\n' * 2000)
    with open("/dev/full", "w") as full:
        result = _run(["match-text", str(lines)], tmp_path / "data", stdout=full)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line == "Error: No space left on device"
