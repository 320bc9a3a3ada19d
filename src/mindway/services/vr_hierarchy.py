"""The exposure hierarchy of a patient, and their progress up it across sessions.

Built with the patient (they or their clinician add items); a label the patient types is
risk-screened before anything else happens to it (DESIGN.md safety rules): a flagged label
alerts the care team and is not saved, and the app shows the crisis resources first.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from mindway.chat.safety import screen
from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access
from mindway.services.risk_alerts import alert_for_screening
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.services.vr_sessions import (
    ITEM,
    HierarchyItemPublic,
    item_view,
    load_progress,
    require_vr,
)
from mindway.store.vr_models import VrHierarchyItem
from mindway.vr.hierarchy import MAX_ITEMS, HierarchyItem, next_item, ordered
from mindway.vr.progress import STEP

_ITEM_FIELDS = {"label", "suds", "scene", "intensity_lo", "intensity_hi"}


class ItemAdded(View):
    """The new item, or none when its label was flagged: then show the crisis resources."""

    item: HierarchyItemPublic | None
    show_crisis_resources: bool


class ItemProgress(View):
    """One rung: its status, sessions done, highest intensity mastered, where the next starts."""

    item: HierarchyItemPublic
    sessions: int
    mastered_intensity: float
    next_start_intensity: float
    history: list[dict[str, Any]]


class HierarchyProgress(View):
    items: list[ItemProgress]
    next_item_id: uuid.UUID | None


def _validated(raw: dict[str, Any]) -> HierarchyItem:
    try:
        return HierarchyItem.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "item"
        raise InvalidInput(f"{where}: {first['msg']}") from None


def add_item(rt: Runtime, actor: Actor, patient_id: uuid.UUID, raw: dict[str, Any]) -> ItemAdded:
    """Screen the label, then validate and seal the item, all or nothing."""
    with rt.use_case(actor, "vr.hierarchy.add", "patient", patient_id) as uc:
        require_vr(uc, patient_id, act=True)
        patient = access.require_patient(uc, Permission.RECORD_READ, patient_id)
        label = raw.get("label")
        screening = screen(label if isinstance(label, str) else "", locale=patient.locale)
        if screening.needs_care_team:
            alert_for_screening(uc, patient_id, screening, "An exposure hierarchy item")
            uc.reason = f"label flagged ({screening.level}): team alerted, item not saved"
            return ItemAdded(item=None, show_crisis_resources=True)
        item = _validated(raw)
        count = uc.db.scalar(
            select(func.count())
            .select_from(VrHierarchyItem)
            .where(VrHierarchyItem.patient_id == patient_id)
        )
        if (count or 0) >= MAX_ITEMS:
            raise InvalidInput(f"a hierarchy holds at most {MAX_ITEMS} items")
        row = VrHierarchyItem(id=uuid.uuid4(), patient_id=patient_id, item_enc="")
        row.created_by = actor.account_id
        row.item_enc = uc.vault.seal(str(patient_id), ITEM, "item", row.id, item.model_dump_json())
        uc.db.add(row)
        uc.db.flush()
        if actor.patient_id == patient_id:  # a rung the patient added: their fear-ladder homework
            from mindway.services.programmes import note_exposure_ladder

            note_exposure_ladder(uc, patient_id)
        return ItemAdded(item=item_view(uc, row), show_crisis_resources=False)


def _ordered_views(uc: UseCase, patient_id: uuid.UUID) -> list[HierarchyItemPublic]:
    rows = uc.db.scalars(select(VrHierarchyItem).where(VrHierarchyItem.patient_id == patient_id))
    views = {str(r.id): item_view(uc, r) for r in rows}
    pairs = [
        (key, HierarchyItem.model_validate(view.model_dump(include=_ITEM_FIELDS)))
        for key, view in views.items()
    ]
    return [views[key] for key, _ in ordered(pairs)]


def list_items(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[HierarchyItemPublic]:
    """The hierarchy from least to most feared."""
    with rt.use_case(actor, "vr.hierarchy.list", "patient", patient_id) as uc:
        require_vr(uc, patient_id)
        return _ordered_views(uc, patient_id)


def hierarchy_progress(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> HierarchyProgress:
    """Each item's progress across sessions, and the item to practise next."""
    with rt.use_case(actor, "vr.hierarchy.progress", "patient", patient_id) as uc:
        require_vr(uc, patient_id)
        items = []
        for view in _ordered_views(uc, patient_id):
            progress = load_progress(uc, patient_id, view.id)
            items.append(
                ItemProgress(
                    item=view,
                    sessions=progress.sessions_completed if progress else 0,
                    mastered_intensity=progress.mastered_intensity if progress else 0.0,
                    next_start_intensity=progress.start_intensity if progress else STEP,
                    history=list(progress.history) if progress else [],
                )
            )
        pairs = [(str(p.item.id), _as_item(p.item)) for p in items]
        nxt = next_item(pairs, {str(p.item.id): p.item.status for p in items})
        return HierarchyProgress(items=items, next_item_id=uuid.UUID(nxt) if nxt else None)


def _as_item(view: HierarchyItemPublic) -> HierarchyItem:
    return HierarchyItem.model_validate(view.model_dump(include=_ITEM_FIELDS))
