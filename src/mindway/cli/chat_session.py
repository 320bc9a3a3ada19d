"""``mindway chat``: the companion in a terminal, or over JSON lines (``--jsonl``).

No account or server: ``user`` only keys a conversation kept in memory for the run, and the
effects a turn asks for (alerts, check-ins, messages to a clinician) are not carried out, since
no care team is linked; the crisis reply says so and gives the emergency directions.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from mindway.chat.dialogue import Companion, Conversation


def _problem(error: str) -> dict[str, Any]:
    """A line that is not a message still gets one reply line, with every contract key."""
    return {"reply": "", "risk": "none", "escalated": False, "flow": None, "error": error}


def _answer(
    companion: Companion, chats: dict[str, Conversation], line: str, locale: str
) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except json.JSONDecodeError as exc:
        return _problem(f"not JSON: {exc.msg}")
    if not isinstance(message, dict):
        return _problem("each line must be a JSON object")
    user, text = message.get("user"), message.get("text")
    if not isinstance(user, str) or not isinstance(text, str):
        return _problem("user and text must be strings")
    conversation = chats.setdefault(user, Conversation(locale=locale))
    turn = companion.respond(conversation, text, has_care_team=False)
    return {"reply": turn.reply, "risk": turn.risk, "escalated": turn.escalated, "flow": turn.flow}


def run_jsonl(stream: TextIO, locale: str) -> None:
    companion = Companion()
    companion.screener.screen("warm up")
    chats: dict[str, Conversation] = {}
    for line in stream:
        if not line.strip():
            continue
        sys.stdout.write(
            json.dumps(_answer(companion, chats, line, locale), ensure_ascii=False) + "\n"
        )
        sys.stdout.flush()


def run_interactive(locale: str) -> None:
    from rich.console import Console

    console = Console()
    companion = Companion()
    conversation = Conversation(locale=locale)
    console.print("[dim]Mindway companion: a computer program, not a person. Ctrl-D to leave.[/]")
    console.print(companion.respond(conversation, "hello").reply)
    while True:
        try:
            text = console.input("[bold]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        turn = companion.respond(conversation, text)
        style = "bold red" if turn.escalated else ""
        console.print(turn.reply, style=style, highlight=False)
