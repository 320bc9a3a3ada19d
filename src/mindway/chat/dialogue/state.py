"""A conversation's state and what a turn asks the rest of Mindway to do.

The dialogue is pure: a turn returns a reply and a list of effects (record a mood check-in,
alert the care team, submit a questionnaire, hand off to the clinician, remember a key point)
that the chat service carries out in the same transaction, or that the command line ignores.
The state serialises to JSON so the service can keep it sealed per patient.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from mindway.chat.safety import RiskLevel

MAX_HISTORY = 40
MAX_KEY_POINTS = 20


@dataclass
class Turn:
    role: Literal["user", "companion"]
    text: str
    risk: RiskLevel = "none"
    flow: str | None = None


@dataclass
class FlowPosition:
    """Where a flow stands: its name, the step awaiting an answer and what it has collected."""

    flow: str
    step: str
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class Conversation:
    locale: str = "en-US"
    active: FlowPosition | None = None
    # A flow the crisis protocol stopped: resumed only when the person chooses to.
    suspended: FlowPosition | None = None
    history: list[Turn] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    # Candidate intents awaiting a clarification answer ("did you mean … or …?").
    clarifying: list[str] = field(default_factory=list)
    # Latest questionnaire results in this conversation: instrument -> total, item 9, risk.
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The highest level the care team has been alerted to in this conversation.
    alerted: RiskLevel = "none"
    # Where the screening context starts in ``history`` (moved on by the crisis protocol).
    context_start: int = 0

    def user_texts(self, last: int = 3) -> list[str]:
        """The person's latest messages since the crisis protocol last ran (a disclosure it
        has answered does not colour every later message)."""
        since = self.history[self.context_start :]
        return [t.text for t in since if t.role == "user"][-last:]

    def add(self, turn: Turn) -> None:
        self.history.append(turn)
        dropped = max(0, len(self.history) - MAX_HISTORY)
        del self.history[:dropped]
        self.context_start = max(0, self.context_start - dropped)

    def remember(self, point: str) -> None:
        if point not in self.key_points:
            self.key_points.append(point)
            del self.key_points[:-MAX_KEY_POINTS]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        def position(raw: dict[str, Any] | None) -> FlowPosition | None:
            return FlowPosition(**raw) if raw else None

        return cls(
            locale=str(data.get("locale", "en-US")),
            active=position(data.get("active")),
            suspended=position(data.get("suspended")),
            history=[Turn(**t) for t in data.get("history", [])],
            key_points=list(data.get("key_points", [])),
            clarifying=list(data.get("clarifying", [])),
            scores=dict(data.get("scores", {})),
            alerted=data.get("alerted", "none"),
            context_start=int(data.get("context_start", 0)),
        )


@dataclass(frozen=True)
class RecordCheckin:
    mood: int
    note: str | None = None


@dataclass(frozen=True)
class AlertCareTeam:
    """The crisis protocol ran: alert the care team (urgent when ``level`` is high)."""

    level: RiskLevel
    categories: tuple[str, ...]
    during: str | None


@dataclass(frozen=True)
class SubmitQuestionnaire:
    instrument: str
    answers: tuple[int | None, ...]


@dataclass(frozen=True)
class HandOff:
    """Send the clinician a message from the person, with the conversation's key points."""

    message: str
    key_points: tuple[str, ...]


@dataclass(frozen=True)
class SaveExercise:
    """A finished exercise (thought record, activity plan, worry list) to keep."""

    exercise: str
    fields: dict[str, Any]


Effect = RecordCheckin | AlertCareTeam | SubmitQuestionnaire | HandOff | SaveExercise


@dataclass(frozen=True)
class TurnResult:
    """The reply to one message; ``escalated`` is true when the crisis protocol ran."""

    reply: str
    risk: RiskLevel
    escalated: bool
    flow: str | None
    effects: tuple[Effect, ...] = ()
    resources: tuple[dict[str, str | None], ...] = ()
    suggestions: tuple[str, ...] = ()
