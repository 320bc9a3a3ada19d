"""Session reports for the care team and the patient, and VR data for export and erasure.

A report lays out each second of the session (controller and scene intensity, SUDS, HR, EDA,
the controller's fear estimate, state) and every change of intensity or state with the
controller's reason, plus the therapist's overrides: the policy is explainable after the fact.
It also lists the sliding windows' neurokit2 features (HRV from RR intervals, EDA tonic level
and skin-conductance responses per minute) that informed the fear estimate.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import delete, select

from mindway.security.policy import Actor
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.services.vr_live import find
from mindway.services.vr_sessions import (
    VrSessionPublic,
    chunks,
    item_view,
    load_progress,
    session_in_scope,
    session_view,
)
from mindway.store.models import Patient
from mindway.store.vr_models import VrHierarchyItem, VrProgress, VrSession, VrSessionLog

FLOODING = 85.0
SERIES = ("t", "intensity", "scene_intensity", "suds", "hr", "eda", "fear", "state")


class SessionReport(View):
    """Each second's values as series (None where missing), every change with its reason and
    the physiology windows (those ending in the baseline minute are the reference)."""

    session: VrSessionPublic
    series: dict[str, list[Any]]
    events: list[dict[str, Any]]
    summary: dict[str, Any]
    windows: list[dict[str, Any]] = []


def _records(uc: UseCase, session_id: uuid.UUID) -> list[dict[str, Any]]:
    records = [r for chunk in chunks(uc, session_id) for r in chunk["records"]]
    live = find(session_id)
    if live is not None:  # seconds of a running session not sealed yet
        with live.lock:
            records.extend(live.pending)
    return records


def _events(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Changes of intensity or state with the controller's reason, and overrides."""
    events: list[dict[str, Any]] = []
    last: tuple[Any, Any] | None = None
    for r in records:
        if "window" in r:
            continue
        if "override" in r:
            events.append({"t": r["t"], "kind": "override", "action": r["override"]})
            continue
        now = (r["intensity"], r["state"])
        if now != last:
            events.append(
                {
                    "t": r["t"],
                    "kind": "change",
                    "intensity": r["intensity"],
                    "state": r["state"],
                    "reason": r["reason"],
                    "fear": r.get("fear"),
                }
            )
        last = now
    return events


def _summary(samples: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, Any]:
    changes = [e for e in events if e["kind"] == "change"]
    suds = [s["suds"] for s in samples if s.get("suds") is not None]
    return {
        "seconds": samples[-1]["t"] if samples else 0.0,
        "max_intensity": max((s["intensity"] for s in samples), default=0.0),
        "coping_breaks": sum(1 for e in changes if e["state"] == "coping"),
        "overrides": sum(1 for e in events if e["kind"] == "override"),
        "suds_answers": len(suds),
        "peak_suds": max(suds, default=None),
        "seconds_estimated_over_flooding": sum(
            1 for s in samples if (s.get("fear") or 0.0) > FLOODING
        ),
        "end_reason": changes[-1]["reason"]
        if changes and changes[-1]["state"] == "ended"
        else None,
    }


def report(
    rt: Runtime, actor: Actor, session_id: uuid.UUID, patient_id: uuid.UUID | None = None
) -> SessionReport:
    with rt.use_case(actor, "vr.session.report", "vr_session", session_id) as uc:
        row = session_in_scope(uc, session_id, patient_id)
        view = session_view(uc, row)
        records = _records(uc, row.id)
        samples = [r for r in records if "override" not in r and "window" not in r]
        span = view.intensity_hi - view.intensity_lo
        series: dict[str, list[Any]] = {name: [] for name in SERIES}
        for s in samples:
            for name in SERIES:
                if name == "scene_intensity":
                    series[name].append(round(view.intensity_lo + span * s["intensity"], 4))
                else:
                    series[name].append(s.get(name))
        events = _events(records)
        return SessionReport(
            session=view,
            series=series,
            events=events,
            summary=_summary(samples, events),
            windows=[r["window"] for r in records if "window" in r],
        )


# -- data-subject rights (registered in mindway.services.privacy) -----------------------------
def export_vr(uc: UseCase, patient: Patient) -> dict[str, Any]:
    items = uc.db.scalars(
        select(VrHierarchyItem)
        .where(VrHierarchyItem.patient_id == patient.id)
        .order_by(VrHierarchyItem.created_at)
    )
    sessions = uc.db.scalars(
        select(VrSession).where(VrSession.patient_id == patient.id).order_by(VrSession.started_at)
    )
    hierarchy = []
    for item in items:
        progress = load_progress(uc, patient.id, item.id)
        hierarchy.append(
            {
                **item_view(uc, item).model_dump(mode="json"),
                "progress": None if progress is None else progress.to_dict(),
            }
        )
    return {
        "hierarchy": hierarchy,
        "sessions": [
            {
                **session_view(uc, s).model_dump(mode="json"),
                "log": [json.loads(json.dumps(c)) for c in chunks(uc, s.id)],
            }
            for s in sessions
        ],
    }


def erase_vr(uc: UseCase, patient: Patient) -> None:
    for model in (VrSessionLog, VrProgress, VrSession, VrHierarchyItem):
        uc.db.execute(delete(model).where(model.patient_id == patient.id))
