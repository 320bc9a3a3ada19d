"""The fear-ladder skill (``exposure_hierarchy``) is done in the VR hierarchy builder: its
homework and "Try it now" open ``/patient/exposure``, and a rung the patient adds there is
one ladder (mindway.vr.hierarchy) that also ticks the programme homework."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mindway.services import programmes, vr_hierarchy
from mindway.services.runtime import Runtime
from tests.clinic import Clinic
from tests.services.vr_drive import ITEM
from tests.web.visitor import Visitor, browser

LADDER_SESSION = 5  # anxiety_cbt session 5: "Why avoidance keeps fear going"
HOMEWORK = "homework:exposure_hierarchy"


def _assign_ladder_session(rt: Runtime, clinic: Clinic) -> None:
    """Tailored to start at the ladder session, so it is open now."""
    plan = programmes.enrol(
        rt, clinic.clinician_a, clinic.patient_a_id, "anxiety_cbt", skip=[1, 2, 3, 4]
    )
    assert plan.sessions[0].title == "Why avoidance keeps fear going"


def _ladder_homework_done(rt: Runtime, clinic: Clinic) -> bool:
    plan = programmes.current(rt, clinic.patient_a, clinic.patient_a_id)
    assert plan is not None
    return next(i.done for i in plan.sessions[0].items if i.key == HOMEWORK)


def test_a_rung_the_patient_adds_is_the_ladder_homework(rt: Runtime, clinic: Clinic) -> None:
    _assign_ladder_session(rt, clinic)
    by_clinician = vr_hierarchy.add_item(rt, clinic.clinician_a, clinic.patient_a_id, ITEM)
    assert by_clinician.item is not None
    assert not _ladder_homework_done(rt, clinic)  # the clinician's rung is not the homework
    mine = ITEM | {"label": "Looking down from the glass lift", "suds": 80}
    added = vr_hierarchy.add_item(rt, clinic.patient_a, clinic.patient_a_id, mine)
    assert added.item is not None
    assert _ladder_homework_done(rt, clinic)
    ladder = vr_hierarchy.list_items(rt, clinic.patient_a, clinic.patient_a_id)
    assert [i.label for i in ladder] == [ITEM["label"], mine["label"]]  # one shared ladder


def test_a_rung_without_a_programme_changes_no_programme(rt: Runtime, clinic: Clinic) -> None:
    assert vr_hierarchy.add_item(rt, clinic.patient_a, clinic.patient_a_id, ITEM).item
    assert programmes.current(rt, clinic.patient_a, clinic.patient_a_id) is None


@pytest.fixture
def visitor(rt: Runtime, clinic: Clinic) -> Iterator[Visitor]:
    with browser(rt) as v:
        yield v


def test_the_skill_opens_the_vr_hierarchy_builder(
    rt: Runtime, clinic: Clinic, visitor: Visitor
) -> None:
    _assign_ladder_session(rt, clinic)
    visitor.sign_in("patient.a")
    module = visitor.get("/patient/programme/modules/exposure_hierarchy").text
    assert 'href="/patient/exposure"' in module and "Try it now" in module
    page = visitor.get("/patient/programme").text
    assert '<a href="/patient/exposure">Building your fear ladder</a>' in page
    assert visitor.get("/patient/exposure").status_code == 200
