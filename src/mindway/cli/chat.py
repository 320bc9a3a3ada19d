"""``mindway safety ...``, ``mindway chat`` and ``mindway eval risk``.

Contracts (issue 4, stable):
- ``mindway safety screen``: JSON lines ``{"id": ..., "text": ...}`` on stdin (optional
  ``context``: earlier turns, and ``locale``), one JSON line per input line, in order:
  ``{"id": ..., "risk": "none|low|moderate|high", "categories": [str], "score": float}``.
  A line that is not such an object gets ``{"id": ..., "error": str}``; blank lines are skipped.
- ``mindway chat --jsonl [--locale L]``: JSON lines ``{"user": str, "text": str}``, one reply
  line each: ``{"reply": str, "risk": str, "escalated": bool, "flow": str|null}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Annotated, Any, TextIO

import typer

from mindway.cli.evaluate import eval_app

safety_app = typer.Typer(help="Risk screening of free text (crisis first).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
    app.add_typer(safety_app, name="safety")
    app.command("chat")(chat)


def _json_lines(stream: TextIO) -> Iterator[tuple[dict[str, Any] | None, str | None]]:
    """Each non-blank line as an object, or ``None`` and why it is not one."""
    for line in stream:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield None, f"not JSON: {exc.msg}"
            continue
        if isinstance(value, dict):
            yield value, None
        else:
            yield None, "each line must be a JSON object"


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@safety_app.command("screen")
def safety_screen(
    locale: Annotated[str, typer.Option(help="Default locale of the messages.")] = "en-US",
) -> None:
    """Risk-screen JSON lines from stdin: one JSON line out per line in, in order."""
    from mindway.chat.safety import default_screener

    screener = default_screener()
    screener.screen("warm up")
    for message, problem in _json_lines(sys.stdin):
        if message is None:
            _emit({"id": None, "error": problem})
            continue
        text, context = message.get("text"), message.get("context", [])
        if not isinstance(text, str):
            _emit({"id": message.get("id"), "error": "text must be a string"})
            continue
        if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
            context = []
        where = message.get("locale") if isinstance(message.get("locale"), str) else locale
        found = screener.screen(text, locale=str(where), context=context)
        _emit(
            {
                "id": message.get("id"),
                "risk": found.level,
                "categories": list(found.categories),
                "score": found.score,
            }
        )


@safety_app.command("train")
def safety_train(
    seed: Annotated[int, typer.Option(help="Seed of the cross-validation folds.")] = 0,
) -> None:
    """Retrain the risk classifier on the training corpus and write the shipped model file."""
    from rich.console import Console

    from mindway.chat.safety.classifier import MODEL_FILE
    from mindway.chat.safety.corpus import training_examples
    from mindway.chat.safety.training import train, trainable

    console = Console(stderr=True)
    examples = training_examples()
    with console.status("training") as status:
        model = train(examples, seed=seed, progress=lambda step: status.update(step))
    model.save(MODEL_FILE)
    console.print(
        f"{len(trainable(examples))} messages trained on ({len(examples)} with context cases); "
        f"thresholds {model.thresholds}; wrote {MODEL_FILE}"
    )


@eval_app.command("risk")
def eval_risk(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """The risk screener on the held-out messages training never saw: recall, false alarms,
    plan rated high, per level and category, and the misses."""
    from rich.progress import Progress

    from mindway.chat.safety import default_screener
    from mindway.chat.safety.corpus import heldout_examples
    from mindway.chat.safety.evaluation import evaluate, screen_all

    examples = heldout_examples()
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("screening", total=len(examples))
        results = screen_all(examples, default_screener(), lambda: progress.advance(task))
    figures = evaluate(examples, results)
    if as_json:
        sys.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        return
    for name in ("any_risk_recall", "false_alarm_rate", "plan_intent_high"):
        verdict = "meets" if figures["meets_targets"][name] else "MISSES"
        typer.echo(f"{name}: {figures[name]:.3f} ({verdict} target)")
    typer.echo(f"{len(figures['misses'])} misses of {figures['messages']} held-out messages")


def chat(
    jsonl: Annotated[bool, typer.Option("--jsonl", help="JSON lines in and out.")] = False,
    locale: Annotated[str, typer.Option(help="Locale of replies and crisis resources.")] = "en-US",
) -> None:
    """Talk with the CBT companion: an interactive terminal chat, or JSON lines with --jsonl.
    No account or server is needed; conversations live in memory for the run."""
    from mindway.cli.chat_session import run_interactive, run_jsonl

    if jsonl:
        run_jsonl(sys.stdin, locale)
    else:
        run_interactive(locale)
