"""`python run.py match-text`: JSON Lines in, one JSON line of proposals per input out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tracker.cli import main

ROOT = Path(__file__).resolve().parents[1]
HSI = (
    "A Resolution authorizing the Mayor to execute a Memorandum of Understanding with "
    "Homeland Security Investigations (HSI) for the cross-designation of police officers as "
    "Customs Officers."
)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_reads_a_file_and_answers_each_line_in_order_with_why(runner, tmp_path):
    source = tmp_path / "items.jsonl"
    source.write_text(
        json.dumps({"id": "hsi", "text": HSI})
        + "\n\n"
        + json.dumps({"id": 7, "text": "A Resolution for weed abatement at 1205 5th Avenue North"})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["match-text", str(source)])
    assert result.exit_code == 0, result.output
    first, second = lines(result.output)
    assert first["id"] == "hsi" and second == {"id": 7, "proposals": []}
    police = {p["commitment_id"]: p for p in first["proposals"]}["police-not-immigration-agents"]
    assert police["stance"] == "contrary" and police["score"] >= 1
    assert 0 < police["confidence"] <= 1
    assert any("Homeland Security Investigations" in why for why in police["why"])


def test_reads_stdin_through_run_py_and_says_refusal_supports():
    text = "The City shall not enter into any 287(g) agreement."
    done = subprocess.run(
        [sys.executable, "run.py", "match-text"],
        input=json.dumps({"id": "x", "text": text}) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    (answer,) = lines(done.stdout)
    stances = {p["commitment_id"]: p["stance"] for p in answer["proposals"]}
    assert stances["police-not-immigration-agents"] == "supports"
    assert "contrary" not in stances.values()


def test_a_bad_line_is_named_in_one_line_and_loses_nothing(runner, tmp_path):
    source = tmp_path / "items.jsonl"
    source.write_text(
        '{"id": "a", "text": "Resolution in support of DACA"}\n'
        "not json at all\n"
        '{"id": "c", "text": 5}\n'
        '{"id": "d", "text": "A Resolution declaring Birmingham a Sanctuary City"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(main, ["match-text", str(source)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, None, "d"]
    assert out[1]["line"] == 2 and "not JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and '"text" must be a string' in out[2]["error"]
    assert out[3]["proposals"][0]["commitment_id"] == "declare-sanctuary"
    assert result.stderr.strip().count("\n") == 0
    assert "2 of 4 lines unreadable" in result.stderr


def test_prints_the_models_own_candidate_and_what_would_wait_in_the_queue(runner, tmp_path):
    # What a match would store: no rule claims the first, so the relevance model, sure of it,
    # proposes it with an open stance; the second would wait in the unassigned queue.
    source = tmp_path / "items.jsonl"
    source.write_text(
        json.dumps({"id": "reform", "text": "A Resolution calling for the reform of United States "
                    "immigration law and policy."}) + "\n"
        + json.dumps({"id": "day", "text": "A Resolution recognizing International Migrants "
                      "Day."}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    result = runner.invoke(main, ["match-text", str(source)])
    assert result.exit_code == 0, result.output
    reform, day = lines(result.output)
    (proposal,) = reform["proposals"]
    assert (proposal["commitment_id"], proposal["stance"]) == ("change-state-law", "context")
    assert proposal["confidence"] < 0.5 and proposal["why"][0].startswith("relevance model")
    assert "unassigned" not in reform
    assert day["proposals"] == [] and day["unassigned"]["reason"] == "words"
    assert "Migrants" in day["unassigned"]["words"] and day["unassigned"]["confidence"] < 0.5
    assert day["unassigned"]["suggested"][0] == "welcoming-integration"
