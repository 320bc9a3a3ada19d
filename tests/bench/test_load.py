"""bench/load.py's pure parts: acknowledged writes against what the database holds, and the
throughput and latency figures. The run itself (servers, locust) is ``python -m bench load``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bench.load import Ack, Sample, expected_writes, reconcile, summarise

ROOT = Path(__file__).resolve().parents[2]


def _acks() -> list[Ack]:
    return [
        Ack("chat", "patient-a", "hello (1)", 0),
        Ack("checkin", "row-1", "first note", 1),
        Ack("note", "note-1", "session note", 2),
        Ack("chat", "patient-a", "hello (2)", 3),
        Ack("checkin", "row-1", "edited note", 4),  # the same day's check-in, edited
    ]


def _stored() -> dict[tuple[str, str], set[str]]:
    return {
        ("chat", "patient-a"): {"hello (1)", "hello (2)", "a message sent before the run"},
        ("checkin", "row-1"): {"edited note"},
        ("note", "note-1"): {"session note"},
    }


def test_an_edited_checkin_must_hold_its_last_acknowledged_version() -> None:
    expected = expected_writes(_acks())
    checkins = [a for a in expected if a.kind == "checkin"]
    assert [a.content for a in checkins] == ["edited note"]
    assert len(expected) == 4


def test_every_acknowledged_write_found() -> None:
    figures = reconcile(_acks(), _stored())
    assert figures["acknowledged_writes"] == 5
    assert figures["acknowledged_by_kind"] == {"chat": 2, "checkin": 2, "note": 1}
    assert figures["expected_in_database"] == 4
    assert figures["found_in_database"] == 4
    assert figures["missing"] == 0


@pytest.mark.parametrize(
    ("key", "held", "lost"),
    [
        (("chat", "patient-a"), {"hello (1)"}, "chat patient-a"),  # one message lost
        (("checkin", "row-1"), {"first note"}, "checkin row-1"),  # the edit lost
        (("note", "note-1"), set(), "note note-1"),  # the row is gone
    ],
)
def test_a_lost_write_is_counted_missing(key: tuple[str, str], held: set[str], lost: str) -> None:
    stored = _stored() | {key: held}
    figures = reconcile(_acks(), stored)
    assert figures["missing"] == 1
    assert figures["found_in_database"] == 3
    assert figures["missing_examples"] == [lost]


def test_acknowledgements_out_of_order_still_keep_the_latest_checkin() -> None:
    acks = [Ack("checkin", "row-1", "later", 7), Ack("checkin", "row-1", "earlier", 2)]
    assert reconcile(acks, {("checkin", "row-1"): {"earlier"}})["missing"] == 1
    assert reconcile(acks, {("checkin", "row-1"): {"later"}})["missing"] == 0


def _samples() -> list[Sample]:
    ramp = [Sample(0.5, "sign-in: POST /auth/login", 900.0, True, 200)]
    ramp.append(Sample(1.0, "patient write: POST /checkins", 50.0, False, 429))
    steady = [Sample(10.0 + i / 10, "patient read: GET /progress", float(i + 1), True, 200)
              for i in range(100)]  # fmt: skip
    steady += [Sample(15.0, "clinician read: GET /patients", 500.0, True, 200)]
    late = [Sample(20.0, "patient read: GET /progress", 10_000.0, True, 200)]
    return ramp + steady + late


def test_figures_cover_the_steady_window_only() -> None:
    figures = summarise(_samples(), steady_from=10.0, steady_to=20.0)
    assert figures["requests_total"] == 104
    assert figures["steady_window_s"] == 10.0
    assert figures["steady"]["requests"] == 101
    assert figures["steady"]["requests_per_s"] == 10.1
    progress = figures["per_endpoint"]["patient read: GET /progress"]
    assert progress["requests"] == 100  # the 10 s one started at the window's end: left out
    assert progress["p50_ms"] == 50.5  # numpy's linear interpolation over 1..100 ms
    assert progress["p99_ms"] == 99.0
    assert progress["max_ms"] == 100.0
    assert set(figures["per_class"]) == {"patient read", "clinician read"}
    assert figures["per_class"]["clinician read"]["p50_ms"] == 500.0


def test_errors_count_over_the_whole_run() -> None:
    figures = summarise(_samples(), steady_from=10.0, steady_to=20.0)
    assert figures["errors"] == 1  # during the ramp, outside the steady window
    assert figures["error_rate"] == round(1 / 104, 6)
    assert figures["error_kinds"] == {"patient write: POST /checkins -> 429": 1}


def test_the_bench_does_not_import_locust() -> None:
    """Locust monkey-patches the standard library with gevent on import: only the scenario,
    run in locust's own process, may import it."""
    code = "import sys, bench.load, bench.__main__; print('locust' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
