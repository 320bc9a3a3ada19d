"""Programme reminders: which nudge a person on a programme is owed today, if any.

Reminders raise adherence to internet CBT, and more of them is not better (Fry & Neff 2009,
J Med Internet Res 11:e16; burden: Nahum-Shani et al. 2018, Ann Behav Med 52:446). So the
rule is small and capped: at most one programme reminder a day, at :data:`REMINDER_TIME`
local time, only inside waking hours (:data:`WAKING_END`), and each reminder only once:

- ``session_open``: the person's current session (the latest that has opened) opened, and
  they have not ticked anything in it yet; the first session is never announced (they just
  enrolled);
- ``homework_due``: the current session's homework is not done :data:`HOMEWORK_DUE_DAYS`
  days after the session opened (two days before the next one opens by the calendar).

The text a browser push shows is :data:`PUSH_TEXT`, which says nothing about health or the
programme; the specific line (:func:`in_app_text`) shows only on the person's own pages.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

__all__ = [
    "HOMEWORK_DUE_DAYS",
    "PUSH_TEXT",
    "REMINDER_TIME",
    "WAKING_END",
    "Reminder",
    "SessionState",
    "in_app_text",
    "owed_reminder",
    "reminder_window",
]

HOMEWORK_DUE_DAYS: Final = 5
REMINDER_TIME: Final = time(18, 0)  # early evening: after work or school, before wind-down
WAKING_END: Final = time(22, 0)  # the JITAI prompts' waking hours end here too
PUSH_TEXT: Final = "Something new is waiting for you in Mindway"
Kind = Literal["session_open", "homework_due"]


@dataclass(frozen=True)
class SessionState:
    """What the rule needs to know of one session in the person's plan."""

    position: int  # 0-based place in the plan
    opened_at: datetime | None  # None while it is still locked
    started: bool  # some item of it ticked
    homework_done: bool


@dataclass(frozen=True)
class Reminder:
    kind: Kind
    position: int  # 0-based

    @property
    def key(self) -> str:
        """Stable name of this reminder, remembered so it is sent once."""
        return f"{self.kind}:{self.position + 1}"


def owed_reminder(
    sessions: Sequence[SessionState], reminded: Collection[str], now: datetime
) -> Reminder | None:
    """The reminder owed for the current session now, or ``None`` (see the module rule)."""
    opened = [s for s in sessions if s.opened_at is not None and s.opened_at <= now]
    if not opened:
        return None
    current = max(opened, key=lambda s: s.position)
    announce = Reminder("session_open", current.position)
    if current.position > 0 and not current.started and announce.key not in reminded:
        return announce
    homework = Reminder("homework_due", current.position)
    assert current.opened_at is not None
    due = current.opened_at + timedelta(days=HOMEWORK_DUE_DAYS)
    if not current.homework_done and now >= due and homework.key not in reminded:
        return homework
    return None


def reminder_window(zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime] | None:
    """Today's reminder window in ``zone`` (:data:`REMINDER_TIME` to :data:`WAKING_END`
    local time) when ``now`` falls inside it, else ``None``."""
    day = now.astimezone(zone).date()
    start = datetime.combine(day, REMINDER_TIME, tzinfo=zone)
    end = datetime.combine(day, WAKING_END, tzinfo=zone)
    return (start, end) if start <= now < end else None


def in_app_text(key: str) -> str:
    """The line shown on the person's own programme page for a reminder key."""
    kind, _, number = key.partition(":")
    if kind == "session_open":
        return f"Session {number} of your programme is open."
    return f"Your practice for session {number} is waiting. A few minutes is enough."
