"""Structured CBT programmes: weekly sessions of reading (library modules) and homework.

Programmes are data (``data/programmes/*.yaml``), validated at load against the content
library: every module a session asks the person to read and every homework exercise must
exist. Guided self-help in 6-8 weekly sessions follows NICE NG222 1.5 (depression) and
CG113 1.2.11 (anxiety); CBT for insomnia in 4 sessions follows the European Insomnia
Guideline (Riemann et al. 2023).

Unlock rule (documented in one place, :func:`unlocked`): session 1 is open at enrolment;
session k opens as soon as session k-1 is complete, or at the start of its week
(7 x (k-1) days after enrolment) whichever comes first. People may go at their own pace,
and someone who is stuck is never locked out of the next week's material.

A clinician may tailor a programme for one person: skip sessions and add sessions of other
programmes (:func:`tailor`); the plan is a list of session keys ``"<programme>:<n>"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mindway.errors import ConfigurationError, InvalidInput
from mindway.therapy.library import Library, load_library

__all__ = [
    "PROGRAMMES_DIR",
    "SESSION_DAYS",
    "Programme",
    "ProgrammeError",
    "Session",
    "exercise_ids",
    "load_programmes",
    "load_programmes_from",
    "opens_at",
    "resolve",
    "session_key",
    "streak",
    "tailor",
    "unlocked",
]

PROGRAMMES_DIR = Path(__file__).parent / "data" / "programmes"
SESSION_DAYS = 7


class ProgrammeError(ConfigurationError):
    """A programme file is malformed or refers to a module or exercise that does not exist."""


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Session(_Data):
    """One weekly session: what to read, and the homework to do before the next one."""

    title: str = Field(min_length=1)
    goal: str = Field(min_length=1)
    modules: tuple[str, ...] = Field(min_length=1)
    homework: tuple[str, ...] = Field(min_length=1)


class Programme(_Data):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    version: int = Field(ge=1)
    summary: str = Field(min_length=1)
    topics: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    sessions: tuple[Session, ...] = Field(min_length=1, max_length=16)

    def session(self, number: int) -> Session:
        """Session ``number`` (1-based)."""
        if not 1 <= number <= len(self.sessions):
            raise InvalidInput(f"{self.id} has sessions 1 to {len(self.sessions)}")
        return self.sessions[number - 1]


def session_key(programme_id: str, number: int) -> str:
    return f"{programme_id}:{number}"


def exercise_ids(library: Library) -> frozenset[str]:
    """Exercises a session may set as homework: those of the library's skill modules."""
    return frozenset(m.meta.exercise for m in library.by_kind("skill") if m.meta.exercise)


def _check(path: Path, programme: Programme, library: Library) -> None:
    if programme.id != path.stem:
        raise ProgrammeError(f"{path}: id {programme.id!r} differs from the file name")
    exercises = exercise_ids(library)
    for number, session in enumerate(programme.sessions, start=1):
        for module in session.modules:
            if module not in library.modules:
                raise ProgrammeError(f"{path}: session {number} reads unknown module {module!r}")
        for exercise in session.homework:
            if exercise not in exercises:
                raise ProgrammeError(f"{path}: session {number} sets unknown exercise {exercise!r}")


def _read(path: Path, library: Library) -> Programme:
    try:
        programme = Programme.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ProgrammeError(f"{path}: {exc}") from exc
    _check(path, programme, library)
    return programme


def load_programmes_from(folder: Path, library: Library) -> dict[str, Programme]:
    """Every programme in ``folder``, checked against ``library``."""
    programmes = [_read(path, library) for path in sorted(folder.glob("*.yaml"))]
    return {p.id: p for p in programmes}


@cache
def load_programmes() -> Mapping[str, Programme]:
    """The packaged programmes (read once, then cached)."""
    return load_programmes_from(PROGRAMMES_DIR, load_library())


def _parse_key(key: str, programmes: Mapping[str, Programme]) -> tuple[Programme, int]:
    programme_id, _, number = key.partition(":")
    if programme_id not in programmes or not number.isdigit():
        raise InvalidInput(f"unknown session {key!r}: use '<programme>:<number>'")
    programme = programmes[programme_id]
    programme.session(int(number))
    return programme, int(number)


def resolve(key: str, programmes: Mapping[str, Programme]) -> Session:
    """The session a plan key names."""
    programme, number = _parse_key(key, programmes)
    return programme.session(number)


def tailor(
    programme: Programme,
    programmes: Mapping[str, Programme],
    skip: Sequence[int] = (),
    add: Sequence[str] = (),
) -> tuple[str, ...]:
    """The plan for one person: the programme's sessions minus ``skip`` (numbers), then the
    ``add`` sessions (keys of any programme) at the end. A plan keeps at least one session."""
    for number in skip:
        programme.session(number)
    for key in add:
        _parse_key(key, programmes)
    own = [session_key(programme.id, n) for n in range(1, len(programme.sessions) + 1)]
    plan = [k for n, k in enumerate(own, start=1) if n not in set(skip)]
    plan += [k for k in add if k not in plan]
    if not plan:
        raise InvalidInput("a tailored programme needs at least one session")
    return tuple(plan)


def unlocked(position: int, completed: set[int], enrolled_at: datetime, now: datetime) -> bool:
    """Whether the session at 0-based ``position`` in the plan is open (the module's rule)."""
    if position == 0 or position - 1 in completed:
        return True
    return now >= enrolled_at + timedelta(days=SESSION_DAYS * position)


def opens_at(
    position: int, previous_completed_at: datetime | None, enrolled_at: datetime
) -> datetime:
    """When the session at 0-based ``position`` opens (or opened) under :func:`unlocked`'s rule:
    at enrolment for the first, else when the one before was completed or at the start of its
    week, whichever is earlier."""
    by_week = enrolled_at + timedelta(days=SESSION_DAYS * position)
    if position == 0:
        return enrolled_at
    return by_week if previous_completed_at is None else min(by_week, previous_completed_at)


def streak(active_days: set[date], today: date) -> int:
    """Consecutive days with activity ending today (or yesterday, while today is open)."""
    day = today if today in active_days else today - timedelta(days=1)
    run = 0
    while day in active_days:
        run += 1
        day -= timedelta(days=1)
    return run
