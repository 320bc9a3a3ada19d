"""Exercise forms in the app: drafts saved as the person goes, and finished exercises.

Crisis first (DESIGN.md safety rules): every free-text answer is risk-screened before
anything else happens to it. A moderate or high screening alerts the care team (urgent when
high, naming what was found, never quoting it), stops the exercise and tells the page to
show the crisis resources first; the words are kept sealed in the draft, never finished.
Drafts and finished exercises are sealed under the patient's key; a finished one is an
:class:`~mindway.store.models.ExerciseRecord` (source ``app``) and ticks the programme's
matching homework.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import select

from mindway.chat.safety import Screening, screen
from mindway.errors import InvalidInput
from mindway.security.policy import Actor, Permission
from mindway.services import access, programmes
from mindway.services.risk_alerts import alert_for_screening
from mindway.services.runtime import Runtime, UseCase
from mindway.services.views import View
from mindway.store.models import ExerciseRecord
from mindway.store.therapy_models import ExerciseDraft
from mindway.store.types import utcnow
from mindway.therapy.exercise_forms import FORMS, HOMEWORK_OF, Form, clean, finish_errors, free_text

DRAFTS = "exercise_draft"
_TEXT = {f.id: {x.name for x in f.fields if x.kind == "text"} for f in FORMS.values()}
RECORDS = "exercise_record"


class ExerciseSaved(View):
    """What the page needs after a save: crisis first when the text was flagged."""

    exercise: str
    fields: dict[str, str]
    finished: bool
    record_id: uuid.UUID | None
    stopped: bool  # a disclosure stopped the exercise
    show_crisis_resources: bool
    alerts_raised: list[str]
    updated_at: datetime
    errors: list[str] = []  # what a finish still needs


def form_of(exercise: str) -> Form:
    if exercise not in FORMS:
        raise InvalidInput(f"exercise must be one of {', '.join(FORMS)}")
    return FORMS[exercise]


def _draft_row(uc: UseCase, patient_id: uuid.UUID, exercise: str) -> ExerciseDraft | None:
    return uc.db.scalars(
        select(ExerciseDraft).where(
            ExerciseDraft.patient_id == patient_id, ExerciseDraft.exercise == exercise
        )
    ).first()


def _save_draft(
    uc: UseCase, patient_id: uuid.UUID, exercise: str, fields: dict[str, str]
) -> ExerciseDraft:
    row = _draft_row(uc, patient_id, exercise)
    if row is None:
        row = ExerciseDraft(
            id=uuid.uuid4(), patient_id=patient_id, exercise=exercise, fields_enc=""
        )
        uc.db.add(row)
    row.updated_at = utcnow()
    row.fields_enc = uc.vault.seal(str(patient_id), DRAFTS, "fields", row.id, json.dumps(fields))
    return row


def _screen(
    uc: UseCase, patient_id: uuid.UUID, locale: str, form: Form, values: dict[str, str]
) -> Screening:
    """Screen every word sent, before it is trimmed or checked (only the form's text fields
    are free text, but anything sent is read, so nothing typed escapes the screen)."""
    text = "\n".join(
        [free_text(form, values), *(v for k, v in values.items() if k not in _TEXT[form.id])]
    )
    screening = screen(text, locale=locale)
    alert_for_screening(uc, patient_id, screening, f"A {form.title.lower()}")
    return screening


def save(
    rt: Runtime,
    actor: Actor,
    patient_id: uuid.UUID,
    exercise: str,
    values: dict[str, str],
    *,
    finish: bool = False,
) -> ExerciseSaved:
    """Screen the free text, then save the draft; with ``finish``, store the finished
    exercise and clear the draft (or, with fields missing, keep the draft and list them)."""
    form = form_of(exercise)
    with rt.use_case(
        actor, "exercise.finish" if finish else "exercise.draft", "patient", patient_id
    ) as uc:
        patient = access.require_patient(uc, Permission.CHECKIN_SUBMIT, patient_id)
        screening = _screen(uc, patient_id, patient.locale, form, values)
        fields = clean(form, values)
        draft = _save_draft(uc, patient_id, exercise, fields)
        saved = ExerciseSaved(
            exercise=exercise,
            fields=fields,
            finished=False,
            record_id=None,
            stopped=False,
            show_crisis_resources=False,
            alerts_raised=[],
            updated_at=draft.updated_at,
        )
        if screening.needs_care_team:
            uc.reason = f"stopped: screening {screening.level}"
            level = "urgent" if screening.level == "high" else "high"
            return saved.model_copy(
                update={
                    "stopped": True,
                    "show_crisis_resources": True,
                    "alerts_raised": [f"risk:{level}"],
                }
            )
        if not finish:
            return saved
        errors = finish_errors(form, fields)
        if errors:  # the draft is kept; the page shows what is still missing
            uc.reason = "not finished: fields missing"
            return saved.model_copy(update={"errors": errors})
        record = ExerciseRecord(
            id=uuid.uuid4(), patient_id=patient_id, exercise=exercise, source="app", fields_enc=""
        )
        record.fields_enc = uc.vault.seal(
            str(patient_id), RECORDS, "fields", record.id, json.dumps(fields)
        )
        uc.db.add(record)
        uc.db.delete(draft)
        programmes.note_activity(uc, patient_id, HOMEWORK_OF[exercise])
        uc.about(record.id)
        return saved.model_copy(update={"finished": True, "record_id": record.id})


def draft(rt: Runtime, actor: Actor, patient_id: uuid.UUID, exercise: str) -> dict[str, str]:
    """The saved draft's fields (empty when there is none)."""
    form_of(exercise)
    with rt.use_case(actor, "exercise.draft_read", "patient", patient_id) as uc:
        access.require_patient(uc, Permission.RECORD_READ, patient_id)
        row = _draft_row(uc, patient_id, exercise)
        if row is None:
            return {}
        fields: dict[str, str] = json.loads(uc.vault.open(DRAFTS, "fields", row.id, row.fields_enc))
        return fields


def suggest_trap(thought: str) -> tuple[str, str] | None:
    """The thinking trap closest to ``thought`` (id, name), a suggestion the person weighs;
    ``None`` for an empty thought. The caller has screened the thought already."""
    if not thought.strip():
        return None
    from mindway.chat.dialogue.actions import suggest_distortion  # loads the embedding model

    found = suggest_distortion(thought)
    return found.id, found.name
