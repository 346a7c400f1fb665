"""Every command has help; bad input gives one line and a non-zero exit."""

import json

import click

from tracker.cli import main


def command_names():
    return sorted(main.commands)


def all_commands(group=main, prefix=()):
    """Every command path, subcommands of groups included: ("review", "accept"), …"""
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from all_commands(command, (*prefix, name))


def test_help_lists_every_command(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in command_names():
        assert name in result.output


def test_each_command_has_its_own_help(runner):
    paths = list(all_commands())
    assert ("review", "accept") in [p for p, _ in paths]
    for path, command in paths:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Usage:" in result.output
        assert command.help, f"{' '.join(path)} has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{' '.join(path)} {param.opts[0]} has no help text"


def test_bad_setting_is_one_line_and_exit_1(runner, monkeypatch):
    monkeypatch.setenv("TRACKER_PORT", "fivethousand")
    result = runner.invoke(main, ["load-curated"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: TRACKER_PORT")
    assert "Traceback" not in result.output


def test_load_curated_is_idempotent(runner, settings):
    first = runner.invoke(main, ["load-curated"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["load-curated"])
    assert "0 new curated evidence, 0 new status events" in second.output


def test_export_writes_json_and_csv_with_the_documented_fields(runner, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(main, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    required = {
        "commitments": {"id", "title_en", "title_es", "made_by", "status", "status_since"},
        "status_events": {"commitment_id", "status", "effective_date", "note", "evidence_ids"},
        "evidence": {
            "id",
            "commitment_id",
            "stance",
            "review_state",
            "score",
            "source_url",
            "item_id",
            "document_sha256",
            "page",
            "snippet",
            "date",
        },
        "meetings": {"id", "title", "date", "status", "source", "external_ids", "documents"},
        "items": {
            "id",
            "meeting_id",
            "number",
            "marker",
            "consent",
            "public_hearing",
            "permanent",
            "addendum",
            "withdrawn",
            "deferred",
            "text",
            "sponsor",
            "page",
            "outcome",
        },
    }
    for name, fields in required.items():
        header = (out / f"{name}.csv").read_text().splitlines()[0].split(",")
        assert fields <= set(header), name
        rows = json.loads((out / f"{name}.json").read_text())
        for row in rows:
            assert fields <= set(row), name
    commitments = json.loads((out / "commitments.json").read_text())
    assert len(commitments) == 15
    assert {c["id"]: c["status"] for c in commitments}["declare-sanctuary"] == "kept"
    events = json.loads((out / "status_events.json").read_text())
    assert {e["commitment_id"] for e in events} == {c["id"] for c in commitments}


def test_exported_csv_cannot_carry_a_spreadsheet_formula(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "add-evidence",
            "--stance",
            "context",
            "--commitment",
            "municipal-id",
            "--url",
            "https://example.org/x",
            "--date",
            "2024-01-01",
            "--note",
            '=HYPERLINK("http://evil.example","click")',
        ],
    )
    assert result.exit_code == 0, result.output
    runner.invoke(main, ["export", "--out", str(tmp_path / "e")])
    csv_text = (tmp_path / "e" / "evidence.csv").read_text()
    assert "'=HYPERLINK" in csv_text
    rows = json.loads((tmp_path / "e" / "evidence.json").read_text())
    assert any(r["snippet"].startswith("=HYPERLINK") for r in rows)  # JSON keeps the text


def test_manual_evidence_needs_a_web_address(runner):
    result = runner.invoke(
        main,
        [
            "add-evidence",
            "--stance",
            "context",
            "--commitment",
            "municipal-id",
            "--url",
            "javascript:alert(1)",
            "--date",
            "2024-01-01",
            "--note",
            "x",
        ],
    )
    assert result.exit_code == 1 and "expected an http(s) address" in result.output
