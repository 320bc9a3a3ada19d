"""``mindway score`` and ``mindway outcomes`` exactly as researchers script them: one JSON object
with exactly the contract's keys, and bad input answered by exit status 2 and one line."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner, Result

from mindway.cli.main import app
from tests.cli.harness import error_line

CONTRACT_KEYS = ["instrument", "total", "severity", "valid", "flags", "risk"]


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def as_json(*args: str) -> dict[str, Any]:
    result = run(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "one JSON object on one line"
    data: dict[str, Any] = json.loads(lines[0])
    return data


# --- score --json -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["phq9", "--answers", "1,2,3,0,1,2,0,1,1"],
         {"instrument": "phq9", "total": 11, "severity": "moderate", "valid": True,
          "flags": ["suicidal_ideation"], "risk": None}),
        (["phq9", "--answers", "0,0,0,0,1,1,1,1,,2"],  # one missing (4.5 -> 5) + difficulty
         {"instrument": "phq9", "total": 5, "severity": "mild", "valid": True, "flags": [],
          "risk": None}),
        (["phq9", "--answers", ",,,0,0,0,0,0,1"],
         {"instrument": "phq9", "total": None, "severity": None, "valid": False,
          "flags": ["suicidal_ideation"], "risk": None}),
        (["gad7", "--answers", "3,3,3,3,3,0,0"],
         {"instrument": "gad7", "total": 15, "severity": "severe", "valid": True, "flags": [],
          "risk": None}),
        (["cssrs", "--answers", "1,1,0,0,0,1,1"],
         {"instrument": "cssrs", "total": None, "severity": None, "valid": True, "flags": [],
          "risk": "high"}),
        (["cssrs", "--answers", "0,0,,,,0,"],
         {"instrument": "cssrs", "total": None, "severity": None, "valid": True, "flags": [],
          "risk": "none"}),
        (["auditc", "--answers", "1,1,1"],
         {"instrument": "auditc", "total": 3, "severity": None, "valid": True,
          "flags": ["positive_if_female"], "risk": None}),
        (["auditc", "--answers", "1,1,1", "--sex", "female"],
         {"instrument": "auditc", "total": 3, "severity": None, "valid": True,
          "flags": ["positive"], "risk": None}),
        (["who5", "--answers", "1,1,1,1,3"],
         {"instrument": "who5", "total": 28, "severity": None, "valid": True,
          "flags": ["poor_wellbeing", "likely_depression"], "risk": None}),
        (["k10", "--answers", "2,2,2,2,2,2,2,2,2,", "--bands", "crufad"],
         {"instrument": "k10", "total": 20, "severity": "mild", "valid": True, "flags": [],
          "risk": None}),
        (["PHQ2", "--answers", "2,1"],
         {"instrument": "phq2", "total": 3, "severity": None, "valid": True,
          "flags": ["positive_screen"], "risk": None}),
    ],
)  # fmt: skip
def test_score_json_is_exactly_the_contract(args: list[str], expected: dict[str, Any]) -> None:
    data = as_json("score", *args, "--json")
    assert list(data) == CONTRACT_KEYS
    assert data == expected


def test_format_json_is_the_same_as_json() -> None:
    assert as_json("score", "isi", "--answers", "4,4,4,4,4,2,0", "--format", "json") == as_json(
        "score", "isi", "--answers", "4,4,4,4,4,2,0", "--json"
    )


def test_text_output_is_a_short_summary() -> None:
    result = run("score", "phq9", "--answers", "1,2,3,0,1,2,0,1,1,1")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "PHQ-9: total 11 of 27, moderate"
    assert "flags: suicidal_ideation" in result.stdout
    assert "Somewhat difficult" in result.stdout
    assert run("score", "cssrs", "--answers", "1,0,,,,0,").stdout.startswith(
        "C-SSRS screener: risk low"
    )


def test_fhir_output_is_a_valid_r4_bundle() -> None:
    result = run("score", "phq9", "--answers", "1,2,3,0,1,2,0,1,1", "--format", "fhir")
    assert result.exit_code == 0, result.output
    bundle = Bundle.model_validate(json.loads(result.stdout))
    assert bundle.type == "collection"
    kinds = [e.resource.get_resource_type() for e in bundle.entry or [] if e.resource]
    assert kinds[:2] == ["QuestionnaireResponse", "Observation"]


# --- score: bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bdi", "--answers", "1,2"], "unknown instrument 'bdi'"),
        (["phq9", "--answers", "1,2,3"], "phq9 takes 9 or 10 answers, got 3"),
        (["phq9", "--answers", "1,2,3,0,1,2,0,1,4"], "answer 9 of phq9 must be 0-3, got 4"),
        (["phq9", "--answers", "1,2,3,0,1,2,0,1,-1"], "must be 0-3, got -1"),
        (["phq9", "--answers", "1,2,3,0,1,2,0,1,x"], "answer 9 is not a number"),
        (["phq9", "--answers", "1,2,3,0,1,2,0,1,1.5"], "answer 9 is not a whole number"),
        (["phq9", "--answers", "1,1,1,1,1,1,1,1,1,4"], "answer 10 of phq9 must be 0-3"),
        (["phq9"], "missing option --answers"),
        (["phq9", "--answers"], "requires an argument"),
        ([], "Missing argument"),
        (["phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--colour"], "No such option"),
        (["phq9", "--answers", "1,1,1,1,1,1,1,1,1", "extra"], "unexpected extra argument"),
        (["phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--format", "xml"], "--format must be"),
        (["phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--json", "--format", "fhir"], "alternatives"),
        (["auditc", "--answers", "1,1,1", "--sex", "other"], "--sex must be female or male"),
        (["k10", "--answers", "1,1,1,1,1,1,1,1,1,1", "--bands", "dass"], "no band scheme"),
        (["gad7", "--answers", "1,1,1,1,1,1,1", "--bands", "x"], "no band scheme 'x'"),
        (["cssrs", "--answers", "0,0,1,,,0,"], "must be empty"),
        (["cssrs", "--answers", "0,0,,,,0"], "cssrs takes 7 answers, got 6"),
        (["cssrs", "--answers", "2,0,,,,0,"], "answer 1 of cssrs must be 0-1"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = run("score", *args)
    assert result.exit_code == 2, result.output
    assert message in error_line(result)
    assert result.stdout == ""


# --- outcomes ---------------------------------------------------------------------------------


def test_outcomes_json() -> None:
    """Clark et al. 2018 (Lancet 391:679): first against last, caseness PHQ-9 >= 10 or
    GAD-7 >= 8, reliable change 6 and 4 points."""
    data = as_json("outcomes", "--phq9", "18,12,8", "--gad7", "12,6", "--json")
    assert data == {
        "phq9_start": 18,
        "phq9_end": 8,
        "gad7_start": 12,
        "gad7_end": 6,
        "caseness_start": True,
        "caseness_end": False,
        "recovery": True,
        "reliable_improvement": True,
        "reliable_deterioration": False,
        "reliable_recovery": True,
    }


def test_outcomes_not_a_case_at_the_start_gives_null_recovery() -> None:
    data = as_json("outcomes", "--phq9", "5", "--gad7", "3", "--json")
    assert (data["recovery"], data["reliable_recovery"]) == (None, None)


def test_reliable_change_index_on_the_command_line() -> None:
    """Jacobson & Truax 1991: SD 5, r .84 -> threshold 5.54 points; 20 -> 12 is reliable."""
    data = as_json("outcomes", "--rci", "--sd", "5", "--reliability", "0.84", "--scores", "20,12",
                   "--json")  # fmt: skip
    assert round(data["threshold"], 2) == 5.54
    assert round(data["rci"], 2) == -2.83
    assert (data["reliable"], data["direction"], data["cutoff_c"]) == (True, "decrease", None)


def test_reliable_change_with_the_clinical_cutoff() -> None:
    data = as_json(
        "outcomes", "--rci", "--sd", "5", "--reliability", "0.84", "--scores", "20,8",
        "--functional-mean", "5", "--functional-sd", "4", "--dysfunctional-mean", "18",
        "--dysfunctional-sd", "5", "--json",
    )  # fmt: skip
    assert round(data["cutoff_c"], 2) == 10.78
    assert (data["crossed_cutoff"], data["clinically_significant"]) == (True, True)


def test_outcomes_text() -> None:
    result = run("outcomes", "--phq9", "18,8", "--gad7", "12,6")
    assert result.exit_code == 0
    assert "reliable recovery: yes" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phq9", "18,30", "--gad7", "1"], "PHQ-9 score 2 must be 0-27, got 30"),
        (["--phq9", "18", "--gad7", "22"], "GAD-7 score 1 must be 0-21, got 22"),
        (["--phq9", "18,x", "--gad7", "1"], "--phq9 takes whole-number scores"),
        (["--phq9", "18,,3", "--gad7", "1"], "--phq9 has an empty position"),
        (["--phq9", "18"], "give both --phq9 and --gad7"),
        ([], "give both --phq9 and --gad7"),
        (["--phq9", "18", "--gad7", "1", "--sd", "5"], "need --rci"),
        (["--rci", "--sd", "5", "--reliability", "0.8"], "--rci needs"),
        (["--rci", "--phq9", "1", "--sd", "5", "--reliability", ".8", "--scores", "1"],
         "--rci works"),
        (["--rci", "--sd", "5", "--reliability", "1", "--scores", "1,2"], "reliability must be"),
        (["--rci", "--sd", "x", "--reliability", ".8", "--scores", "1,2"],
         "Invalid value for '--sd'"),
        (["--rci", "--sd", "5", "--reliability", ".8", "--scores", "1,inf"], "finite numbers"),
        (["--rci", "--sd", "5", "--reliability", ".8", "--scores", "1,2", "--functional-mean", "3"],
         "needs all four"),
    ],
)  # fmt: skip
def test_outcomes_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = run("outcomes", *args, "--json")
    assert result.exit_code == 2, result.output
    assert message in error_line(result)


# --- as a separate process ----------------------------------------------------------------------


def test_a_real_process_prints_json_and_exits_2_without_a_traceback() -> None:
    def mindway(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mindway", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    good = mindway("score", "gad7", "--answers", "1,1,1,1,1,1,1", "--json")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["severity"] == "mild"
    bad = mindway("score", "gad7", "--answers", "1,1,1,1,1,1,9", "--json")
    assert bad.returncode == 2
    assert "answer 7 of gad7 must be 0-3, got 9" in error_line(bad)
    missing = mindway("score", "gad7")
    assert missing.returncode == 2
    assert "--answers" in error_line(missing)
