"""Break-glass is for patients outside the clinician's care teams only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mindway.errors import InvalidInput
from mindway.services import break_glass
from mindway.services.runtime import Runtime
from mindway.store.models import Alert, BreakGlass
from tests.clinic import build_clinic


def test_break_glass_on_an_own_team_patient_is_refused_and_alerts_nobody(rt: Runtime) -> None:
    clinic = build_clinic(rt)
    assert clinic.patient_a.patient_id is not None
    with pytest.raises(InvalidInput, match="on your care team"):
        break_glass.start(
            rt,
            clinic.clinician_a,
            clinic.patient_a.patient_id,
            "Patient called in distress after hours",
        )
    with rt.transaction() as db:
        assert db.scalar(select(func.count()).select_from(BreakGlass)) == 0
        assert db.scalar(select(func.count()).select_from(Alert)) == 0
