"""The chat part's command-line contracts (issue 4), exactly as written and in real processes:
``mindway safety screen``, ``mindway chat --jsonl`` and ``mindway eval risk --json``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

MINDWAY = str(Path(sys.executable).with_name("mindway"))


def run_lines(args: list[str], lines: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [MINDWAY, *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_safety_screen_answers_each_line_in_order_with_exactly_the_contract() -> None:
    lines = [
        json.dumps({"id": 1, "text": "this deadline is killing me"}),
        json.dumps({"id": "b", "text": "gonna kms tonight, I have the pills ready"}),
        "not json at all",
        json.dumps({"id": 3, "text": 42}),
        json.dumps({"id": None, "text": "I wish I could go to sleep and not wake up"}),
        "",
        json.dumps({"id": 5, "text": "tonight", "context": ["I've been thinking about ending it"]}),
    ]
    out = run_lines(["safety", "screen"], lines)
    assert len(out) == 6  # the blank line is skipped, every other line answered
    screened = [o for o in out if "risk" in o]
    assert all(set(o) == {"id", "risk", "categories", "score"} for o in screened)
    assert [o["id"] for o in out] == [1, "b", None, 3, None, 5]
    assert out[0]["risk"] == "none" and out[0]["categories"] == []
    assert out[1]["risk"] == "high" and "plan_intent_means" in out[1]["categories"]
    assert set(out[2]) == {"id", "error"} and set(out[3]) == {"id", "error"}
    assert out[4]["risk"] in ("moderate", "high") and "passive_death_wish" in out[4]["categories"]
    assert out[5]["risk"] == "high"
    assert all(isinstance(o["score"], float) and 0 <= o["score"] <= 1 for o in screened)


def test_chat_jsonl_keeps_one_conversation_per_user_and_escalates() -> None:
    lines = [
        json.dumps({"user": "ana", "text": "I want to do a thought record"}),
        json.dumps({"user": "ben", "text": "what is CBT?"}),
        json.dumps({"user": "ana", "text": "my boss criticised my report"}),
        json.dumps({"user": "ana", "text": "I want to end my life, I have a plan"}),
        json.dumps({"user": "ben", "text": "are you human?"}),
        "{oops",
        json.dumps({"user": "ana", "text": "no"}),
    ]
    out = run_lines(["chat", "--jsonl"], lines)
    assert len(out) == 7
    assert all({"reply", "risk", "escalated", "flow"} <= set(o) for o in out)
    assert out[0]["flow"] == "thought_record" and not out[0]["escalated"]
    assert out[1]["flow"] is None and "module" in out[1]["reply"]
    assert out[2]["flow"] == "thought_record"  # ana's flow continued despite ben between
    assert out[3]["escalated"] and out[3]["risk"] == "high" and out[3]["flow"] == "crisis"
    assert "988" in out[3]["reply"] and "emergency" in out[3]["reply"].lower()
    assert "not a person" in out[4]["reply"]
    assert "error" in out[5] and out[5]["escalated"] is False
    assert out[6]["flow"] is None and "resume" in out[6]["reply"]


def test_chat_jsonl_uses_the_locale_for_crisis_resources() -> None:
    line = json.dumps({"user": "x", "text": "I'm going to kill myself tonight"})
    (gb,) = run_lines(["chat", "--jsonl", "--locale", "en-GB"], [line])
    assert "116 123" in gb["reply"] and "999" in gb["reply"]


def test_eval_risk_prints_the_heldout_figures_and_misses() -> None:
    done = subprocess.run(
        [MINDWAY, "eval", "risk", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert set(figures["levels"]) == {"none", "low", "moderate", "high"}
    assert set(figures["categories"]) >= {"passive_death_wish", "harm_to_others"}
    assert all({"precision", "recall", "support"} == set(v) for v in figures["levels"].values())
    assert isinstance(figures["misses"], list) and figures["messages"] > 500
    assert all(figures["meets_targets"].values())
