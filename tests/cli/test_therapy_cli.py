"""``mindway therapy``: list programmes and content (with its lints), enrol a patient in a
clinician's or their own name, read progress, send reminders; errors change nothing."""

from __future__ import annotations

import json

import pytest

from mindway.services import measures
from tests.cli.harness import Store
from tests.clinic import Clinic, build_clinic


@pytest.fixture
def clinic_store(store: Store) -> tuple[Store, Clinic]:
    """The small test clinic (patient.a and clinician.a on team A, clinician.b on team B)."""
    with store.runtime() as rt:
        clinic = build_clinic(rt)
    return store, clinic


def _enrolments(store: Store) -> list[tuple[str, int]]:
    return [
        (str(s), int(a)) for s, a in store.sql("SELECT status, assigned FROM programme_enrolment")
    ]


def _last_event(store: Store) -> tuple[str, str, str, str | None]:
    rows = store.sql(
        "SELECT action, outcome, actor_id, reason FROM audit_event ORDER BY seq DESC LIMIT 1"
    )
    action, outcome, actor, reason = rows[0]
    return str(action), str(outcome), str(actor), reason


def test_programmes_are_listed(store: Store) -> None:
    result = store.run("therapy", "programmes", "--json")
    assert result.exit_code == 0, result.output
    found = {p["id"]: p for p in json.loads(result.stdout)}
    assert set(found) == {"depression_cbt", "anxiety_cbt", "sleep_better"}
    assert len(found["depression_cbt"]["sessions"]) == 8
    assert len(found["sleep_better"]["sessions"]) == 4
    text = store.run("therapy", "programmes").stdout
    assert "sleep_better  Sleep better  (4 sessions)" in text and "practise:" in text


def test_content_is_listed_and_passes_its_lints(store: Store) -> None:
    result = store.run("therapy", "content", "--lint", "--json")
    assert result.exit_code == 0, result.output
    modules = json.loads(result.stdout)
    assert len(modules) == 19
    assert all(m["grade"] <= 8.5 and m["sources"] >= 1 and not m["problems"] for m in modules)
    assert {m["id"] for m in modules if m["kind"] == "skill"} >= {"exposure_hierarchy"}
    assert "19 modules pass" in result.stderr


def test_self_enrolment_at_step_one_and_progress(clinic_store: tuple[Store, Clinic]) -> None:
    store, _ = clinic_store
    result = store.run("therapy", "enrol", "patient.a", "sleep_better")
    assert result.exit_code == 0, result.output
    assert "patient.a enrolled in sleep_better (self-enrolled, 4 sessions)" in result.stdout
    action, outcome, actor, reason = _last_event(store)
    assert (action, outcome, actor) == ("programme.enrol", "success", "operator")
    assert reason is not None and "in the name of patient.a (patient)" in reason
    assert _enrolments(store) == [("active", 0)]

    shown = store.run("therapy", "progress", "patient.a", "--json")
    assert shown.exit_code == 0, shown.output
    plan = json.loads(shown.stdout)
    assert plan["programme"] == "sleep_better" and plan["completed"] == 0
    assert [s["unlocked"] for s in plan["sessions"]] == [True, False, False, False]
    text = store.run("therapy", "progress", "patient.a", "--by", "clinician.a").stdout
    assert "Sleep better (sleep_better), self-enrolled" in text and "1. " in text
    assert _last_event(store)[3] == "in the name of clinician.a (clinician)"


def test_above_step_one_only_a_clinician_assigns(clinic_store: tuple[Store, Clinic]) -> None:
    """A PHQ-9 of 16 routes above step 1 (NICE NG222 1.4): self-enrolment is refused with a
    pointer to --by, and the clinician on the care team assigns it, tailored."""
    store, clinic = clinic_store
    with store.runtime() as rt:
        measures.submit(rt, clinic.patient_a, clinic.patient_a_id, "phq9", [2] * 8 + [0])
    refused = store.run("therapy", "enrol", "patient.a", "depression_cbt")
    assert refused.exit_code == 1 and "--by" in refused.stderr
    assert _enrolments(store) == []
    assert _last_event(store)[:2] == ("programme.enrol", "denied")
    assigned = store.run(
        "therapy",
        "enrol",
        "patient.a",
        "depression_cbt",
        "--by",
        "clinician.a",
        "--skip",
        "8",
        "--add",
        "sleep_better:2",
    )
    assert assigned.exit_code == 0, assigned.output
    assert "(assigned, 8 sessions)" in assigned.stdout
    assert _enrolments(store) == [("active", 1)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("enrol", "patient.a", "sleep_better", "--by", "clinician.b"), "not on this patient"),
        (("enrol", "nobody", "sleep_better"), "no active patient account 'nobody'"),
        (("enrol", "clinician.a", "sleep_better"), "no active patient account"),
        (("enrol", "patient.a", "sleep_better", "--by", "patient.b"), "no active clinician"),
        (("enrol", "patient.a", "no_such"), "programme must be one of"),
        (("enrol", "patient.a", "sleep_better", "--skip", "1"), "only a clinician can tailor"),
        (("progress", "patient.a", "--by", "clinician.b"), "not on this patient"),
        (("progress", "patient.a"), "patient.a is on no programme"),
    ],
)
def test_bad_requests_fail_clearly_and_change_nothing(
    clinic_store: tuple[Store, Clinic], args: tuple[str, ...], message: str
) -> None:
    store, _ = clinic_store
    result = store.run("therapy", *args)
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.stderr.split()) and "Traceback" not in result.output
    assert _enrolments(store) == []


def test_progress_json_is_null_without_a_programme(clinic_store: tuple[Store, Clinic]) -> None:
    store, _ = clinic_store
    result = store.run("therapy", "progress", "patient.a", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) is None


def test_remind_sends_what_is_owed_now(clinic_store: tuple[Store, Clinic]) -> None:
    store, _ = clinic_store
    result = store.run("therapy", "remind")
    assert result.exit_code == 0, result.output
    assert "0 programme reminders sent" in result.stdout
