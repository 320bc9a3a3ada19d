"""The companion: one turn at a time, crisis first.

Every message is risk-screened before anything else happens to it. At ``moderate`` or
``high`` the crisis protocol runs whatever flow was under way: that flow is suspended, the
crisis reply is given, the care team is alerted (an effect), and the C-SSRS screener is
offered. A suspended exercise resumes only when the person asks for it ("resume").
Otherwise the message answers the running flow, or is understood as an intent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mindway.chat.crisis import crisis_reply, emergency_number
from mindway.chat.dialogue import questionnaires
from mindway.chat.dialogue.actions import ACTIONS, ActionContext
from mindway.chat.dialogue.flows import NotAnAnswer, flows, next_step, read_answer
from mindway.chat.dialogue.nlu import emotion_of, intents, understand
from mindway.chat.dialogue.retrieval import answer as retrieve
from mindway.chat.dialogue.state import (
    AlertCareTeam,
    Conversation,
    Effect,
    FlowPosition,
    SubmitQuestionnaire,
    Turn,
    TurnResult,
)
from mindway.chat.dialogue.triage_flow import triage_reply
from mindway.chat.generative import Backend, guarded_reply
from mindway.chat.replies import reply
from mindway.chat.safety import NO_RISK, Screener, Screening, default_screener, rank
from mindway.content.loader import crisis_page

CRISIS = "crisis"
SAFETY_FLOWS = (CRISIS, "cssrs")
PHQ9_RISK_ITEM = 9
_CANCEL = re.compile(r"^\s*(?:stop|cancel|quit|exit|end|never ?mind)\b", re.I)
_RESUME = re.compile(r"^\s*(?:resume|continue|go back|carry on|pick up)\b", re.I)
_QUESTION = re.compile(r"\?\s*$|^\s*(?:what|how|why|when|can|is|are|does|do|should)\b", re.I)
SUGGESTIONS = {
    "sad": ("behavioural_activation", "thought_record"),
    "hopeless": ("thought_record", "behavioural_activation"),
    "anxious": ("breathing", "grounding"),
    "stressed": ("breathing", "worry_postponement"),
    "angry": ("breathing", "thought_record"),
    "lonely": ("behavioural_activation", "handoff"),
    "ashamed": ("thought_record",),
    "guilty": ("thought_record",),
}


@dataclass
class _Turn:
    """What a turn is building: reply parts, effects, resources, and the flow it ends in."""

    parts: list[str] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    escalated: bool = False
    resources: tuple[dict[str, str | None], ...] = ()


class Companion:
    """The dialogue manager; pure (effects are returned, not carried out)."""

    def __init__(self, screener: Screener | None = None, backend: Backend | None = None) -> None:
        self.screener = screener or default_screener()
        self.backend = backend

    def _free_text(self, conv: Conversation, draft: str) -> str:
        """A scripted empathic reply, reworded by the generative backend when one is set and
        its wording passes the content policy and the risk screen (else the draft)."""
        if self.backend is None:
            return draft
        history = [(t.role, t.text) for t in conv.history[-8:]]
        text, _ = guarded_reply(
            draft,
            backend=self.backend,
            screen=lambda reply: self.screener.screen(reply, locale=conv.locale).level,
            history=history,
            locale=conv.locale,
        )
        return text

    def respond(self, conv: Conversation, text: str, *, has_care_team: bool = False) -> TurnResult:
        in_safety_flow = conv.active is not None and conv.active.flow in SAFETY_FLOWS
        context = () if in_safety_flow else conv.user_texts()
        screening = (
            self.screener.screen(text, locale=conv.locale, context=context)
            if text.strip()
            else NO_RISK
        )
        conv.add(Turn("user", text, screening.level, conv.active.flow if conv.active else None))
        turn = _Turn()
        if screening.needs_care_team:
            self._crisis(conv, screening, turn, has_care_team)
        elif conv.active is not None:
            self._continue(conv, text, turn, has_care_team)
        else:
            self._route(conv, text, turn, has_care_team)
        reply_text = "\n\n".join(p for p in turn.parts if p)
        flow = conv.active.flow if conv.active else None
        conv.add(Turn("companion", reply_text, "none", flow))
        return TurnResult(
            reply=reply_text,
            risk=screening.level,
            escalated=turn.escalated,
            flow=CRISIS if turn.escalated else flow,
            effects=tuple(turn.effects),
            resources=turn.resources,
        )

    # -- crisis -----------------------------------------------------------------------
    def _crisis(self, conv: Conversation, screening: Screening, turn: _Turn, team: bool) -> None:
        during = conv.active.flow if conv.active and conv.active.flow not in SAFETY_FLOWS else None
        if during and conv.active is not None:
            conv.suspended = conv.active
        conv.active = FlowPosition(CRISIS, "offer_cssrs")
        conv.context_start = len(conv.history)
        crisis = crisis_reply(screening, conv.locale, has_care_team=team)
        turn.parts.append(crisis.text)
        turn.escalated = True
        turn.resources = tuple(r.model_dump() for r in crisis.resources)
        if rank(screening.level) > rank(conv.alerted):
            conv.alerted = screening.level
            turn.effects.append(AlertCareTeam(screening.level, screening.categories, during))
        conv.remember(f"risk screened {screening.level}: {', '.join(screening.categories)}")

    def _after_crisis(self, conv: Conversation, text: str, turn: _Turn) -> None:
        try:
            wants_screener = read_answer("yes_no", text)
        except NotAnAnswer:
            wants_screener = False
        if wants_screener:
            self._start_questionnaire(conv, "cssrs", turn)
            return
        conv.active = None
        turn.parts += [reply("cssrs_declined", conv.locale), reply("after_crisis", conv.locale)]
        self._offer_resume(conv, turn)

    def _offer_resume(self, conv: Conversation, turn: _Turn) -> None:
        if conv.suspended:
            title = flows()[conv.suspended.flow].title if conv.suspended.flow in flows() else ""
            turn.parts.append(reply("resume_offer", conv.locale, flow=title or conv.suspended.flow))

    # -- flows ------------------------------------------------------------------------
    def _continue(self, conv: Conversation, text: str, turn: _Turn, team: bool) -> None:
        assert conv.active is not None
        if conv.active.flow == CRISIS:
            self._after_crisis(conv, text, turn)
            return
        if _CANCEL.match(text) and conv.active.flow != "cssrs":
            name = conv.active.flow
            conv.active = None
            turn.parts.append(reply("cancelled", conv.locale, flow=_title(name)))
            return
        if conv.active.flow in questionnaires.CONVERSATIONAL:
            self._answer_questionnaire(conv, text, turn, team)
            return
        flow = flows()[conv.active.flow]
        step = flow.steps[conv.active.step]
        assert step.expect is not None and step.slot is not None
        try:
            value = read_answer(step.expect, text)
        except NotAnAnswer as exc:
            turn.parts += [str(exc), self._say(conv, step.say)]
            return
        conv.active.slots[step.slot] = value
        if step.expect == "emotion_rating":
            conv.active.slots.update(
                emotion_name=value["name"], emotion_intensity=value["intensity"]
            )
        target = next_step(step, value)
        assert target is not None
        self._arrive(conv, target, turn, team)

    def _start_flow(self, conv: Conversation, name: str, turn: _Turn, team: bool) -> None:
        if name in questionnaires.CONVERSATIONAL:
            self._start_questionnaire(conv, name, turn)
        elif name == "triage":
            self._triage(conv, turn, team)
        else:
            conv.active = FlowPosition(name, flows()[name].start)
            self._arrive(conv, flows()[name].start, turn, team)

    def _arrive(self, conv: Conversation, step_name: str, turn: _Turn, team: bool) -> None:
        assert conv.active is not None
        step = flows()[conv.active.flow].steps[step_name]
        conv.active.step = step_name
        if step.action:
            done = ACTIONS[step.action](conv.active.slots, ActionContext(conv, team))
            conv.active.slots.update(done.slots)
            turn.effects += done.effects
        turn.parts.append(self._say(conv, step.say))
        if step.expect is None:
            conv.remember(f"completed {_title(conv.active.flow)}")
            conv.active = None

    def _say(self, conv: Conversation, template: str) -> str:
        slots: dict[str, Any] = dict(conv.active.slots) if conv.active else {}
        return " ".join(template.format_map(_Blank(slots)).split())

    # -- questionnaires ---------------------------------------------------------------
    def _start_questionnaire(self, conv: Conversation, instrument: str, turn: _Turn) -> None:
        conv.active = FlowPosition(instrument, "item", {"answers": []})
        question = questionnaires.next_question(instrument, conv.active.slots["answers"])
        assert question is not None
        turn.parts.append(question.text)

    def _answer_questionnaire(self, conv: Conversation, text: str, turn: _Turn, team: bool) -> None:
        assert conv.active is not None
        instrument, answers = conv.active.flow, conv.active.slots["answers"]
        question = questionnaires.next_question(instrument, answers)
        assert question is not None
        value = questionnaires.read_option(instrument, question.number, text)
        if value is None:
            turn.parts += ["Please answer with one of the numbers shown.", question.text]
            return
        answers.append(value)
        if instrument == "phq9" and question.number == PHQ9_RISK_ITEM and value > 0:
            # Item 9 above 0 needs a risk assessment now (Kroenke 2001): stop asking.
            self._finish_questionnaire(conv, instrument, answers, turn, team)
            return
        following = questionnaires.next_question(instrument, answers)
        if following is not None:
            turn.parts.append(following.text)
            return
        self._finish_questionnaire(conv, instrument, answers, turn, team)

    def _finish_questionnaire(
        self,
        conv: Conversation,
        instrument: str,
        answers: list[int | None],
        turn: _Turn,
        team: bool,
    ) -> None:
        result = questionnaires.finish(instrument, answers)
        then = conv.active.slots.get("then", []) if conv.active else []
        conv.active = None
        turn.effects.append(SubmitQuestionnaire(instrument, tuple(answers)))
        item9 = result.answers[8] if instrument == "phq9" else None
        conv.scores[instrument] = {"total": result.total, "item9": item9, "risk": result.risk}
        conv.remember(f"{instrument} total {result.total}")
        if instrument == "cssrs":
            self._finish_cssrs(conv, result.risk or "none", turn)
            return
        turn.parts.append(questionnaires.summary(result))
        if isinstance(item9, int) and item9 > 0:
            screening = Screening("high" if item9 >= 2 else "moderate", ("passive_death_wish",))
            self._crisis(conv, screening, turn, team)
            return
        if then:
            self._chain(conv, then, turn, team)

    def _chain(self, conv: Conversation, then: list[str], turn: _Turn, team: bool) -> None:
        first, rest = then[0], then[1:]
        if first == "triage":
            self._triage(conv, turn, team)
            return
        self._start_questionnaire(conv, first, turn)
        assert conv.active is not None
        conv.active.slots["then"] = rest

    def _finish_cssrs(self, conv: Conversation, risk: str, turn: _Turn) -> None:
        key = {"high": "cssrs_done_high", "moderate": "cssrs_done_moderate"}.get(
            risk, "cssrs_done_low"
        )
        turn.parts.append(reply(key, conv.locale, emergency=emergency_number(conv.locale)))
        turn.resources = tuple(r.model_dump() for r in crisis_page(conv.locale).resources)
        turn.parts.append(reply("after_crisis", conv.locale))
        self._offer_resume(conv, turn)

    def _triage(self, conv: Conversation, turn: _Turn, team: bool) -> None:
        missing = [i for i in ("phq9", "gad7") if i not in conv.scores]
        if missing:
            turn.parts.append(
                "To suggest what kind of help might fit, I'll ask the PHQ-9 and GAD-7 "
                "questions first."
            )
            self._start_questionnaire(conv, missing[0], turn)
            assert conv.active is not None
            conv.active.slots["then"] = [*missing[1:], "triage"]
            return
        turn.parts.append(triage_reply(conv.scores))

    # -- routing outside flows --------------------------------------------------------
    def _route(self, conv: Conversation, text: str, turn: _Turn, team: bool) -> None:
        if _RESUME.match(text):
            self._resume(conv, turn, team)
            return
        chosen = self._clarified(conv, text)
        understood = understand(text) if chosen is None else None
        intent = chosen or (understood.intent if understood else None)
        if intent is None and understood and understood.candidates:
            conv.clarifying = list(understood.candidates)
            options = " or ".join(f'"{_describe(c)}"' for c in understood.candidates)
            turn.parts.append(reply("clarify", conv.locale, options=options))
            return
        if intent is None:
            self._unrecognised(conv, text, turn)
            return
        self._handle(conv, intent, text, turn, team)

    def _clarified(self, conv: Conversation, text: str) -> str | None:
        candidates, conv.clarifying = conv.clarifying, []
        if not candidates:
            return None
        lowered = text.lower()
        for candidate in candidates:
            if candidate.replace("_", " ") in lowered or _describe(candidate) in lowered:
                return candidate
        if re.match(r"^\s*(?:yes|yeah|the first|first)\b", lowered):
            return candidates[0]
        if re.match(r"^\s*(?:the second|second)\b", lowered):
            return candidates[-1]
        return None

    def _handle(self, conv: Conversation, intent: str, text: str, turn: _Turn, team: bool) -> None:
        flow = intents()[intent].flow
        if intent == "greeting":
            turn.parts.append(reply("greeting", conv.locale))
            if conv.key_points:
                turn.parts.insert(0, f"Welcome back. Last time: {conv.key_points[-1]}.")
            conv.active = FlowPosition("check_in", "mood")
        elif flow:
            self._start_flow(conv, flow, turn, team)
        elif intent == "question":
            self._answer_question(conv, text, turn)
        elif intent == "resume":
            self._resume(conv, turn, team)
        else:
            key = {"diagnosis": "no_diagnosis", "medication": "no_dosing", "cancel": "help"}
            turn.parts.append(reply(key.get(intent, intent), conv.locale))

    def _answer_question(self, conv: Conversation, text: str, turn: _Turn) -> None:
        found = retrieve(text, conv.locale)
        if found is None:
            turn.parts.append(reply("no_answer_found", conv.locale))
            return
        turn.parts += [found.text, reply("source", conv.locale, title=found.title)]
        conv.remember(f"asked about {found.title.lower()}")

    def _unrecognised(self, conv: Conversation, text: str, turn: _Turn) -> None:
        if _QUESTION.search(text):
            self._answer_question(conv, text, turn)
            return
        emotion = emotion_of(text)
        if emotion and emotion in SUGGESTIONS:
            offers = " or ".join(_describe(f) for f in SUGGESTIONS[emotion])
            draft = (
                f"It sounds like you're feeling {emotion}. That makes sense, and I'm glad you told "
                f"me. Would a {offers} help right now?"
            )
            turn.parts.append(self._free_text(conv, draft))
            conv.clarifying = list(SUGGESTIONS[emotion])
            conv.remember(f"felt {emotion}")
            return
        turn.parts.append(self._free_text(conv, reply("fallback", conv.locale)))

    def _resume(self, conv: Conversation, turn: _Turn, team: bool) -> None:
        if conv.suspended is None:
            turn.parts.append(reply("nothing_to_resume", conv.locale))
            return
        conv.active, conv.suspended = conv.suspended, None
        turn.parts.append(reply("resumed", conv.locale, flow=_title(conv.active.flow)))
        if conv.active.flow in questionnaires.CONVERSATIONAL:
            question = questionnaires.next_question(conv.active.flow, conv.active.slots["answers"])
            if question:
                turn.parts.append(question.text)
            return
        step = flows()[conv.active.flow].steps[conv.active.step]
        turn.parts.append(self._say(conv, step.say))


class _Blank(dict[str, Any]):
    """Template slots; an unknown placeholder stays visible rather than failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _title(flow: str) -> str:
    if flow in flows():
        return flows()[flow].title
    return {"phq9": "PHQ-9", "gad7": "GAD-7", "cssrs": "C-SSRS questions"}.get(flow, flow)


def _describe(intent_or_flow: str) -> str:
    flow = intents()[intent_or_flow].flow if intent_or_flow in intents() else intent_or_flow
    return _title(flow or intent_or_flow).lower() if flow else intent_or_flow.replace("_", " ")
