"""VR exposure: the hierarchy, sessions and their live step, overrides, reports and progress.

Who may do what (the policy's permissions, applied per patient): the patient and their care
team read everything; the patient builds their hierarchy with their clinician (either may add
items) and starts, runs and ends their own sessions; a clinician on the care team does the
same for them (not under break-glass: exposure is treatment, not emergency access); only a
clinician overrides the controller (pause, resume, hold, step down, end: the therapist is in
charge). A patient may always end their session. Item labels a patient types are
risk-screened first (DESIGN.md safety rules). Every use case writes one audit event; a live
session's seconds are sealed into its log in chunks (see :mod:`mindway.services.vr_live`).
Every 15 s the last minute of EDA and RR intervals is analysed with neurokit2 in a worker
thread (:mod:`mindway.vr.windows`), never on the WebSocket's one-second path. A window closing
at second t is given to the controller (and recorded in the log) just before the sample at
t + 5 s, so the same samples give the same session; a device posting over HTTP waits for it
there if need be, the WebSocket takes it at the first sample after it is ready. Replaying the
log rebuilds the session exactly; after a restart the windows refill from the sealed EDA
(RR intervals sent before the restart are not kept). An override reaching a process other than
the one answering the session's samples is checked there, forwarded, and checked and applied
again by the owner as the same clinician (:func:`apply_forwarded`).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from datetime import datetime
from importlib import import_module
from typing import Any

from sqlalchemy import func, select

from mindway.errors import Forbidden, MindwayError
from mindway.security.policy import Actor, Permission, Role
from mindway.services import access, vr_live
from mindway.services.runtime import OutOfScope, Runtime, UseCase
from mindway.services.views import View
from mindway.services.vr_live import LiveSession, drop, find, keep
from mindway.store.models import Account
from mindway.store.types import utcnow
from mindway.store.vr_models import VrHierarchyItem, VrProgress, VrSession, VrSessionLog
from mindway.vr.decision import OVERRIDE_ACTIONS
from mindway.vr.hierarchy import HierarchyItem, ItemStatus, status_of
from mindway.vr.progress import PatientProgress
from mindway.vr.protocol import error, parse_sample
from mindway.vr.windows import SlidingWindows, WindowFeatures, analyse, parse_rr

ITEM, LOG, PROGRESS = "vr_hierarchy_item", "vr_session_log", "vr_progress"
log = logging.getLogger(__name__)


class HierarchyItemPublic(View):
    id: uuid.UUID
    patient_id: uuid.UUID
    label: str
    suds: int
    scene: str
    intensity_lo: float
    intensity_hi: float
    status: ItemStatus
    created_at: datetime


class VrSessionPublic(View):
    id: uuid.UUID
    patient_id: uuid.UUID
    item_id: uuid.UUID
    scene: str
    label: str
    intensity_lo: float
    intensity_hi: float
    number: int
    started_at: datetime
    ended_at: datetime | None
    state: str


# -- access ---------------------------------------------------------------------------------
def require_vr(uc: UseCase, patient_id: uuid.UUID, *, act: bool = False) -> None:
    """Read: the patient or their team. Act (build, run a session): the patient themselves, or
    a clinician on the care team (break-glass opens reading only here)."""
    actor = uc.actor
    clinician = actor is not None and actor.role is Role.CLINICIAN
    permission = Permission.RECORD_WRITE if act and clinician else Permission.RECORD_READ
    access.require_patient(uc, permission, patient_id)
    if act and uc.reason == "break-glass":
        uc.failure_reason = "exposure sessions are for the care team, not break-glass"
        raise Forbidden("exposure sessions are run by the patient's care team")


def _require_clinician(uc: UseCase) -> None:
    if uc.actor is None or uc.actor.role is not Role.CLINICIAN:
        uc.failure_reason = "overrides are the therapist's"
        raise Forbidden("only the therapist can override the controller")


def _session(uc: UseCase, session_id: uuid.UUID, patient_id: uuid.UUID | None) -> VrSession:
    row = uc.db.get(VrSession, session_id)
    if row is None or (patient_id is not None and row.patient_id != patient_id):
        uc.failure_reason = "no such session"
        raise OutOfScope("session not found")
    return row


def _item(uc: UseCase, item_id: uuid.UUID, patient_id: uuid.UUID) -> VrHierarchyItem:
    row = uc.db.get(VrHierarchyItem, item_id)
    if row is None or row.patient_id != patient_id:
        uc.failure_reason = "no such hierarchy item"
        raise OutOfScope("hierarchy item not found")
    return row


# -- sealed documents -----------------------------------------------------------------------
def open_item(uc: UseCase, row: VrHierarchyItem) -> HierarchyItem:
    return HierarchyItem.model_validate_json(uc.vault.open(ITEM, "item", row.id, row.item_enc))


def progress_key(patient_id: uuid.UUID, item_id: uuid.UUID) -> str:
    """The controller's patient key: progress is carried per patient and hierarchy item."""
    return f"{patient_id}/{item_id}"


def load_progress(uc: UseCase, patient_id: uuid.UUID, item_id: uuid.UUID) -> PatientProgress | None:
    row = uc.db.get(VrProgress, (patient_id, item_id))
    if row is None:
        return None
    document = uc.vault.open(PROGRESS, "progress", item_id, row.progress_enc)
    return PatientProgress.from_dict(json.loads(document))


def save_progress(
    uc: UseCase, patient_id: uuid.UUID, item_id: uuid.UUID, progress: PatientProgress
) -> None:
    """Seal the item's progress (bound to the item's id: rows cannot be swapped)."""
    row = uc.db.get(VrProgress, (patient_id, item_id))
    if row is None:
        row = VrProgress(patient_id=patient_id, item_id=item_id, progress_enc="")
        uc.db.add(row)
    document = json.dumps(progress.to_dict())
    row.progress_enc = uc.vault.seal(str(patient_id), PROGRESS, "progress", item_id, document)
    row.updated_at = utcnow()


class SealedProgressStore:
    """The controller's :class:`~mindway.vr.ProgressStore` in the database, inside one use case;
    keys are :func:`progress_key` strings (patient and hierarchy item)."""

    def __init__(self, uc: UseCase) -> None:
        self.uc = uc

    @staticmethod
    def _ids(key: str) -> tuple[uuid.UUID, uuid.UUID] | None:
        patient, _, item = key.partition("/")
        try:
            return uuid.UUID(patient), uuid.UUID(item)
        except ValueError:
            return None

    def load(self, patient: str) -> PatientProgress | None:
        ids = self._ids(patient)
        return None if ids is None else load_progress(self.uc, *ids)

    def save(self, progress: PatientProgress) -> None:
        ids = self._ids(progress.patient)
        if ids is None:
            raise ValueError(f"not a progress key: {progress.patient!r}")
        save_progress(self.uc, *ids, progress)


def item_view(uc: UseCase, row: VrHierarchyItem) -> HierarchyItemPublic:
    item = open_item(uc, row)
    progress = load_progress(uc, row.patient_id, row.id)
    return HierarchyItemPublic(
        id=row.id,
        patient_id=row.patient_id,
        status=status_of(progress),
        created_at=row.created_at,
        **item.model_dump(),
    )


def session_view(uc: UseCase, row: VrSession) -> VrSessionPublic:
    item = open_item(uc, _item(uc, row.item_id, row.patient_id))
    return VrSessionPublic(
        id=row.id,
        patient_id=row.patient_id,
        item_id=row.item_id,
        scene=item.scene,
        label=item.label,
        intensity_lo=item.intensity_lo,
        intensity_hi=item.intensity_hi,
        number=row.number,
        started_at=row.started_at,
        ended_at=row.ended_at,
        state=row.state,
    )


def chunks(uc: UseCase, session_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = uc.db.scalars(
        select(VrSessionLog).where(VrSessionLog.session_id == session_id).order_by(VrSessionLog.seq)
    )
    return [json.loads(uc.vault.open(LOG, "records", r.id, r.records_enc)) for r in rows]


# -- sessions -------------------------------------------------------------------------------
def _live(uc: UseCase, row: VrSession, *, fresh: bool = False) -> LiveSession:
    """The session's live controller, rebuilt from its sealed log if this process has none
    (or, with ``fresh``, if the copy it has is behind the log another process has sealed)."""
    live = find(row.id)
    if live is not None and not (fresh and _behind(uc, row, live)):
        return live
    rebuilt = _rebuild(uc, row)
    return keep(rebuilt) if live is None else vr_live.replace(live, rebuilt)


def _behind(uc: UseCase, row: VrSession, live: LiveSession) -> bool:
    """A copy with nothing of its own to seal, while the log has chunks it has not seen."""
    sealed = uc.db.scalar(
        select(func.count()).select_from(VrSessionLog).where(VrSessionLog.session_id == row.id)
    )
    return not live.pending and int(sealed or 0) > live.saved_chunks


def _rebuild(uc: UseCase, row: VrSession) -> LiveSession:
    key = progress_key(row.patient_id, row.item_id)
    live = LiveSession.open(row.id, key, row.number, SealedProgressStore(uc).load(key))
    sealed = chunks(uc, row.id)
    for record in (record for chunk in sealed for record in chunk["records"]):
        if "window" in record:
            live.controller.add_window(WindowFeatures.from_dict(record["window"]))
        else:
            live.replay([record])
    live.saved_events = len(live.controller.events)
    live.saved_chunks = len(sealed)
    _refill_windows(row.id, [record for chunk in sealed for record in chunk["records"]])
    return live


def _seal_chunk(uc: UseCase, row: VrSession, live: LiveSession) -> None:
    chunk = live.take_chunk()
    if chunk is not None:
        log = VrSessionLog(id=uuid.uuid4(), session_id=row.id, patient_id=row.patient_id, seq=0)
        log.seq = live.saved_chunks - 1
        log.records_enc = uc.vault.seal(
            str(row.patient_id), LOG, "records", log.id, json.dumps(chunk)
        )
        uc.db.add(log)
    if row.ended_at is None:
        row.state = live.state()


def _finish(uc: UseCase, row: VrSession, reason: str) -> None:
    """Seal the rest of the log, fold the session into the item's progress, close the row."""
    live = _live(uc, row, fresh=True)
    _seal_chunk(uc, row, live)
    SealedProgressStore(uc).save(live.finish())
    drop(row.id)
    vr_live.disown(row.id)
    with _windows_lock:
        _windows.pop(row.id, None)
    row.ended_at, row.state = utcnow(), "ended"
    live.broadcast({"event": "session_end", "reason": reason})


def start_session(
    rt: Runtime, actor: Actor, patient_id: uuid.UUID, item_id: uuid.UUID
) -> VrSessionPublic:
    """Open the next session on an item (or return the one still open on it); a session left
    open on another item is ended first, so a patient runs one exposure at a time."""
    with rt.use_case(actor, "vr.session.start", "patient", patient_id) as uc:
        require_vr(uc, patient_id, act=True)
        _item(uc, item_id, patient_id)
        open_rows = uc.db.scalars(
            select(VrSession).where(
                VrSession.patient_id == patient_id, VrSession.ended_at.is_(None)
            )
        )
        for other in open_rows:
            if other.item_id == item_id:
                uc.reason = "an open session on this item was resumed"
                _live(uc, other)
                return session_view(uc, other)
            _finish(uc, other, "another exposure was started")
        last = uc.db.scalar(select(func.max(VrSession.number)).where(VrSession.item_id == item_id))
        row = VrSession(id=uuid.uuid4(), patient_id=patient_id, item_id=item_id)
        row.number, row.started_by, row.state = (last or 0) + 1, actor.account_id, "baseline"
        uc.db.add(row)
        uc.db.flush()
        _live(uc, row)
        return session_view(uc, row)


def list_sessions(rt: Runtime, actor: Actor, patient_id: uuid.UUID) -> list[VrSessionPublic]:
    """The patient's sessions, newest first."""
    with rt.use_case(actor, "vr.session.list", "patient", patient_id) as uc:
        require_vr(uc, patient_id)
        rows = uc.db.scalars(
            select(VrSession)
            .where(VrSession.patient_id == patient_id)
            .order_by(VrSession.started_at.desc())
        )
        return [session_view(uc, r) for r in rows]


def get_session(
    rt: Runtime, actor: Actor, session_id: uuid.UUID, patient_id: uuid.UUID | None = None
) -> VrSessionPublic:
    with rt.use_case(actor, "vr.session.read", "vr_session", session_id) as uc:
        row = session_in_scope(uc, session_id, patient_id)
        return session_view(uc, row)


def session_in_scope(
    uc: UseCase, session_id: uuid.UUID, patient_id: uuid.UUID | None, *, act: bool = False
) -> VrSession:
    """The session if the caller may see (or, with ``act``, run) it; else 404 or 403. With no
    patient in the path, access is checked on the session's own patient."""
    if patient_id is not None:
        require_vr(uc, patient_id, act=act)
        return _session(uc, session_id, patient_id)
    if uc.actor is None:
        raise Forbidden("sign in first")
    row = uc.db.get(VrSession, session_id)
    if row is None:
        uc.failure_reason = "no such session"
        raise OutOfScope("session not found")
    require_vr(uc, row.patient_id, act=act)
    return row


def connect(
    rt: Runtime, actor: Actor, session_id: uuid.UUID, patient_id: uuid.UUID | None = None
) -> VrSessionPublic:
    """Open a live connection to a session (audited once per connection)."""
    with rt.use_case(actor, "vr.session.connect", "vr_session", session_id) as uc:
        row = session_in_scope(uc, session_id, patient_id, act=True)
        if row.ended_at is None:  # a scene reconnecting here after running elsewhere: catch up
            _live(uc, row, fresh=True)
        uc.reason = "therapist" if actor.role is Role.CLINICIAN else "patient"
        return session_view(uc, row)


def step(
    rt: Runtime,
    actor: Actor,
    session_id: uuid.UUID,
    message: Any,
    patient_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """One protocol message from a device posting over HTTP: the reply; sealed in the log."""
    with rt.use_case(actor, "vr.session.step", "vr_session", session_id) as uc:
        row = session_in_scope(uc, session_id, patient_id, act=True)
        if row.ended_at is not None:
            return {"intensity": 0.0, "state": "ended", "reason": "the session has ended"}
        live = _live(uc, row)
        reply = answer(live, actor, message, wait=True)
        if reply.get("event") == "session_end":
            _finish(uc, row, "ended")
            return {"ok": True}
        if live.due():
            _seal_chunk(uc, row, live)
        return reply


def answer(live: LiveSession, actor: Actor, message: Any, *, wait: bool = False) -> dict[str, Any]:
    """The protocol's reply to one message on a live session, in memory. ``session_end``
    comes back as ``{"event": "session_end"}``: the caller ends the session in a use case.
    With ``wait`` (not on an event loop) a window due at this sample is waited for."""
    if not isinstance(message, dict):
        return live.protocol.handle(message)
    event = message.get("event")
    if event == "session_start":
        return _start_message(live, message)
    if event == "session_end":
        return {"event": "session_end"}
    if event == "override":
        if actor.role is not Role.CLINICIAN:
            return {"ok": False, "error": "only the therapist can override the controller"}
        return {"event": "override", "action": message.get("action")}
    if "event" in message or "t" not in message:
        return live.protocol.handle(message)
    windows = _windows_of(live)
    parsed = parse_sample(message)
    if not isinstance(parsed, str) and live.protocol.controller is not None:
        windows.apply_due(live, max(live.controller.t, parsed.t), wait=wait)
    reply = live.sample(message)
    if "intensity" in reply and not isinstance(parsed, str):
        windows.collect(live.controller.t, parsed.eda, parse_rr(message.get("rr")))
    return reply


def _start_message(live: LiveSession, message: dict[str, Any]) -> dict[str, Any]:
    """The session is already open on the server: accept its own start, refuse another's."""
    patient, number = message.get("patient"), message.get("session")
    if patient is not None and patient != live.patient_key.split("/")[0]:
        return {"ok": False, "error": "session_start: this connection is for another patient"}
    if number is not None and number != live.number:
        return {"ok": False, "error": f"session_start: this connection is session {live.number}"}
    return {"ok": True}


def override(
    rt: Runtime,
    actor: Actor,
    session_id: uuid.UUID,
    action: Any,
    patient_id: uuid.UUID | None = None,
    *,
    forwarded: bool = False,
) -> dict[str, Any]:
    """The therapist's override (it wins from the next sample); audited with its action. When
    another process answers the session's samples, it is forwarded there (and audited here as
    forwarded): ``{"ok": true, "forwarded": true}``; the owner's notice reaches watchers."""
    with rt.use_case(actor, "vr.session.override", "vr_session", session_id) as uc:
        _require_clinician(uc)
        row = session_in_scope(uc, session_id, patient_id, act=True)
        if row.ended_at is not None:
            return {"ok": False, "error": "the session has ended"}
        if action not in OVERRIDE_ACTIONS:
            return error(f"override needs 'action': one of {', '.join(OVERRIDE_ACTIONS)}")
        if not forwarded and vr_live.owned_elsewhere(row.id):
            assert actor.account_id is not None  # a clinician: _require_clinician
            vr_live.forward(row.id, action, actor.account_id, actor.session_id)
            uc.reason = f"override forwarded to the session's process: {action}"
            return {"ok": True, "forwarded": True}
        live = _live(uc, row, fresh=True)  # no owner (any more): this copy may be behind
        reply = live.override(action)
        if reply.get("ok"):
            uc.reason = f"override: {action}"
        _seal_chunk(uc, row, live)
        return reply


END = "session_end"
"""The forwarded action that ends the session (not an override of the controller)."""
_control_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vr-control")


def apply_forwarded(rt: Runtime, message: dict[str, Any]) -> None:
    """An override (or :data:`END`) another process forwarded, heard on the bus's listener
    thread: applied in order by a worker thread, as :func:`override` (:func:`end_session`)
    does, if this process holds the session."""
    _control_pool.submit(_apply_forwarded, rt, message)


def _apply_forwarded(rt: Runtime, message: dict[str, Any]) -> None:
    try:
        session_id, account_id = (
            uuid.UUID(str(message["session"])),
            uuid.UUID(str(message["account"])),
        )
        auth = uuid.UUID(str(message["auth"])) if message.get("auth") else None
    except (KeyError, ValueError):
        log.warning("ignored a malformed forwarded override")
        return
    if find(session_id) is None or vr_live.owned_elsewhere(session_id):
        log.warning("a forwarded override for session %s arrived after it moved", session_id)
        return
    with rt.transaction() as db:
        account = db.get(Account, account_id)
        role = None if account is None or account.disabled else Role(account.role)
        patient = None if account is None else account.patient_id
    if role is None:
        log.warning("ignored a forwarded override from an unknown or disabled account")
        return
    actor = Actor(role=role, account_id=account_id, patient_id=patient, session_id=auth)
    try:  # the clinician and their care-team access are checked again, and audited, here
        if message.get("action") == END:
            end_session(rt, actor, session_id, forwarded=True)
        else:
            override(rt, actor, session_id, message.get("action"), forwarded=True)
    except MindwayError as exc:
        log.warning("a forwarded override was refused: %s", exc.detail)
    except Exception:
        log.exception("applying a forwarded override failed")


def checkpoint(rt: Runtime, actor: Actor, session_id: uuid.UUID) -> None:
    """Seal what a live connection has recorded so far."""
    with rt.use_case(actor, "vr.session.log", "vr_session", session_id) as uc:
        row = session_in_scope(uc, session_id, None, act=True)
        live = find(row.id)
        if live is not None and row.ended_at is None:
            _seal_chunk(uc, row, live)


def end_session(
    rt: Runtime,
    actor: Actor,
    session_id: uuid.UUID,
    patient_id: uuid.UUID | None = None,
    *,
    forwarded: bool = False,
) -> VrSessionPublic:
    """End the session (the patient or the team; ending twice is harmless). When another
    process answers its samples, the end is forwarded there like an override (the view then
    still shows the session open: the owner ends it, and its watchers hear ``session_end``)."""
    with rt.use_case(actor, "vr.session.end", "vr_session", session_id) as uc:
        row = session_in_scope(uc, session_id, patient_id, act=True)
        if row.ended_at is None and not forwarded and vr_live.owned_elsewhere(row.id):
            assert actor.account_id is not None  # the patient or a clinician: an account
            vr_live.forward(row.id, END, actor.account_id, actor.session_id)
            uc.reason = "end forwarded to the session's process"
        elif row.ended_at is None:
            _finish(uc, row, "ended by the therapist" if actor.role is Role.CLINICIAN else "ended")
        else:
            uc.reason = "already ended"
        return session_view(uc, row)


# -- sliding windows, analysed off the one-second path -----------------------------------------
APPLY_LAG_S = 5.0
"""A window closing at second t applies at the sample t + 5 s (its analysis takes ms)."""
WAIT_S = 30.0
"""The longest a device's HTTP request waits for a due window (neurokit2's cold import)."""
_window_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vr-windows")


class LiveWindows:
    """One live session's windows: collected each second, analysed by the worker thread,
    given to the controller (and recorded) when due and ready."""

    def __init__(self) -> None:
        self.windows = SlidingWindows()
        self.running: deque[tuple[float, Future[WindowFeatures]]] = deque()
        _window_pool.submit(import_module, "neurokit2")  # its import takes seconds: start now

    def collect(self, t: float, eda: float | None, rr: tuple[float, ...]) -> None:
        data = self.windows.add(t, eda, rr)
        if data is not None:
            self.running.append((data.t_end, _window_pool.submit(analyse, data)))

    def apply_due(self, live: LiveSession, t: float, *, wait: bool) -> None:
        """Give the controller every window due by second ``t`` that is ready (with ``wait``,
        wait for it first); each goes into the log just before the sample at ``t``."""
        while self.running and t >= self.running[0][0] + APPLY_LAG_S:
            future = self.running[0][1]
            if wait and not future.done():
                wait_for([future], timeout=WAIT_S)
            if not future.done():
                return
            self.running.popleft()
            if future.exception() is not None:  # a window is evidence, never a failure
                log.warning("vr window analysis failed: %r", future.exception())
                continue
            window = WindowFeatures.from_dict(future.result().to_dict())  # as the log holds it
            with live.lock:
                if live.protocol.controller is None:
                    return
                live.controller.add_window(window)
                live.pending.append({"t": live.controller.t, "window": window.to_dict()})

    def settle(self, timeout: float) -> bool:
        """Wait until every window submitted so far is analysed (for tests and shutdown)."""
        return not wait_for([f for _, f in self.running], timeout=timeout).not_done


_windows: dict[uuid.UUID, LiveWindows] = {}
_windows_lock = threading.Lock()


def _windows_of(live: LiveSession) -> LiveWindows:
    with _windows_lock:
        return _windows.setdefault(live.session_id, LiveWindows())


def _refill_windows(session_id: uuid.UUID, records: list[dict[str, Any]]) -> None:
    """A session rebuilt from its log: its windows refill from the sealed seconds' EDA, and a
    window closed but not yet applied before the restart is analysed again."""
    windows = LiveWindows()
    applied = {r["window"]["t_end"] for r in records if "window" in r}
    for record in records:
        if "override" in record or "window" in record:
            continue
        data = windows.windows.add(record["t"], record.get("eda"), ())
        if data is not None and data.t_end not in applied:
            windows.running.append((data.t_end, _window_pool.submit(analyse, data)))
    with _windows_lock:
        _windows[session_id] = windows


def settle_windows(session_id: uuid.UUID, timeout: float = 60.0) -> bool:
    """True once the session's submitted windows are analysed (each applies when due)."""
    with _windows_lock:
        windows = _windows.get(session_id)
    return True if windows is None else windows.settle(timeout)
