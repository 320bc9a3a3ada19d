"""``mindway score`` and ``mindway outcomes``: the measurement-based-care contract.

    mindway score INSTRUMENT --answers A1,A2,... [--json | --format fhir] [--sex S] [--bands B]
    mindway outcomes --phq9 S1,S2,... --gad7 S1,S2,... [--json]
    mindway outcomes --rci --sd SD --reliability R --scores X1,...,Xn [--json]
        [--functional-mean M --functional-sd S --dysfunctional-mean M --dysfunctional-sd S]

``--json`` prints one JSON object on one line of stdout. Bad input (an unknown instrument, a
wrong number of answers, an answer out of range or not a whole number, a missing or malformed
option) exits with status 2 and one line on stderr; nothing is stored.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from mindway.clinical import outcomes as outcome_rules
from mindway.clinical.instruments import Sex, get_instrument
from mindway.clinical.scoring import ScoreResult, parse_answers, score
from mindway.errors import InvalidInput

BAD_INPUT = 2
INSTRUMENT_HELP = "phq9, phq2, gad7, gad2, pcl5, who5, cssrs, isi, auditc, k10 or phq15."
ANSWERS_HELP = (
    "Answers in item order, comma-separated; an empty position is a missing answer. "
    "phq9 takes 9, or 10 with the unscored difficulty item (0-3). cssrs takes 7: questions "
    "1-6 as 0/1, then 0/1 for 'question 6 within the past 3 months', empty where not asked."
)


def refuse(message: str) -> typer.Exit:
    """One line on stderr and exit status 2; the caller raises the returned exit."""
    from mindway.cli.main import fail  # main imports this module: import it when needed

    return fail(message, BAD_INPUT)


class ContractCommand(TyperCommand):
    """Usage errors (a missing --answers, a value that is not a number, an unknown option)
    become one line on stderr with status 2, not click's multi-line usage box."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:  # typer's own (vendored click) usage errors
            raise refuse(exc.format_message()) from exc


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
    app.command("score", cls=ContractCommand)(score_command)
    app.command("outcomes", cls=ContractCommand)(outcomes_command)


def score_command(
    instrument: Annotated[str, typer.Argument(help=INSTRUMENT_HELP, show_default=False)],
    answers: Annotated[str | None, typer.Option("--answers", help=ANSWERS_HELP)] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object.")
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="text, json, or fhir (an R4 Bundle).")
    ] = "text",
    sex: Annotated[
        str | None,
        typer.Option("--sex", help="female or male: sets the AUDIT-C threshold (3 or 4)."),
    ] = None,
    bands: Annotated[
        str | None, typer.Option("--bands", help="Band scheme by name (k10: abs or crufad).")
    ] = None,
) -> None:
    """Score one questionnaire by its published rules.

    JSON keys: instrument, total, severity, valid, flags, risk. total is null when too many
    answers are missing (valid false) and always for cssrs, whose result is risk (none, low,
    moderate or high; null for other instruments). auditc without --sex flags a 3 as
    positive_if_female and 4 or more as positive.
    """
    if answers is None:
        raise refuse("missing option --answers (e.g. --answers 1,0,2,...)")
    chosen = _output_format(output_format, as_json)
    try:
        result = score(
            instrument, parse_answers(answers), sex=_sex(sex), bands=bands and bands.lower()
        )
    except InvalidInput as exc:
        raise refuse(exc.detail) from exc
    if chosen == "json":
        emit_json(result.contract())
    elif chosen == "fhir":
        from mindway.interop.fhir_questionnaire import score_bundle

        typer.echo(score_bundle(result).model_dump_json(indent=2))
    else:
        typer.echo("\n".join(_score_summary(result)))


def _output_format(requested: str, as_json: bool) -> str:
    chosen = requested.strip().lower()
    if chosen not in {"text", "json", "fhir"}:
        raise refuse(f"--format must be text, json or fhir, got {requested!r}")
    if as_json and chosen == "fhir":
        raise refuse("--json and --format fhir are alternatives: give one")
    return "json" if as_json else chosen


def _sex(value: str | None) -> Sex | None:
    if value is None:
        return None
    chosen = value.strip().lower()
    if chosen == "female":
        return "female"
    if chosen == "male":
        return "male"
    raise refuse(f"--sex must be female or male, got {value!r}")


def _score_summary(result: ScoreResult) -> list[str]:
    instrument = get_instrument(result.instrument)
    if result.risk is not None or instrument.scoring.method == "risk":
        headline = f"risk {result.risk or 'unknown (questions unanswered)'}"
    elif result.total is not None:
        headline = f"total {result.total} of {instrument.scoring.maximum}"
        headline += f", {result.severity}" if result.severity else ""
    else:
        headline = "not scored"
    lines = [f"{instrument.name}: {headline}"]
    unanswered = f"item{'s' if len(result.missing) > 1 else ''} {_numbered(result.missing)}"
    if not result.valid:
        lines.append(f"{unanswered} unanswered: too few answers to score")
    if result.prorated:
        lines.append(f"{unanswered} unanswered: total prorated from the answered items")
    if result.flags:
        lines.append(f"flags: {', '.join(result.flags)}")
    for item, answer in zip(instrument.items, result.answers, strict=True):
        if not item.scored and answer is not None:
            label = next(o.label for o in instrument.options(item) if o.value == answer)
            lines.append(f"{item.id} (not scored): {label}")
    return lines


def _numbered(numbers: tuple[int, ...]) -> str:
    return ", ".join(str(number) for number in numbers)


def outcomes_command(
    phq9: Annotated[str | None, typer.Option("--phq9", help="PHQ-9 scores, first to last.")] = None,
    gad7: Annotated[str | None, typer.Option("--gad7", help="GAD-7 scores, first to last.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object.")
    ] = False,
    rci: Annotated[
        bool, typer.Option("--rci", help="Jacobson-Truax reliable change for any instrument.")
    ] = False,
    sd: Annotated[float | None, typer.Option("--sd", help="With --rci: the SD (s1).")] = None,
    reliability: Annotated[
        float | None, typer.Option("--reliability", help="With --rci: reliability r.")
    ] = None,
    scores: Annotated[
        str | None, typer.Option("--scores", help="With --rci: scores, first to last.")
    ] = None,
    functional_mean: Annotated[float | None, typer.Option(help="With --rci: M_f.")] = None,
    functional_sd: Annotated[float | None, typer.Option(help="With --rci: SD_f.")] = None,
    dysfunctional_mean: Annotated[float | None, typer.Option(help="With --rci: M_d.")] = None,
    dysfunctional_sd: Annotated[float | None, typer.Option(help="With --rci: SD_d.")] = None,
) -> None:
    """First against last score: NHS Talking Therapies outcomes (Clark 2018), or with --rci
    the Jacobson-Truax (1991) reliable change index and clinical significance cut-off c.

    JSON keys: phq9_start, phq9_end, gad7_start, gad7_end, caseness_start, caseness_end,
    recovery, reliable_improvement, reliable_deterioration, reliable_recovery. With --rci: sd,
    reliability, before, after, change, se_measurement, s_diff, rci, threshold, reliable,
    direction, cutoff_c, crossed_cutoff, clinically_significant (null without the norms).
    """
    norms = (functional_mean, functional_sd, dysfunctional_mean, dysfunctional_sd)
    try:
        if rci:
            if phq9 is not None or gad7 is not None:
                raise refuse("--rci works on --scores; leave out --phq9 and --gad7")
            report = _reliable_change_report(sd, reliability, scores, norms)
        else:
            if any(v is not None for v in (sd, reliability, scores, *norms)):
                raise refuse("--sd, --reliability, --scores and the norms need --rci")
            if phq9 is None or gad7 is None:
                raise refuse("give both --phq9 and --gad7 (or --rci with --scores)")
            outcome = outcome_rules.talking_therapies_outcome(
                _whole_numbers("--phq9", phq9), _whole_numbers("--gad7", gad7)
            )
            report = outcome.as_dict()
    except InvalidInput as exc:
        raise refuse(exc.detail) from exc
    if as_json:
        emit_json(report)
    else:
        typer.echo("\n".join(_report_lines(report)))


def _tokens(option: str, text: str) -> list[str]:
    tokens = [token.strip() for token in text.split(",")]
    if any(not token for token in tokens):
        raise refuse(f"{option} has an empty position; give every score")
    return tokens


def _whole_numbers(option: str, text: str) -> list[int]:
    try:
        return [int(token) for token in _tokens(option, text)]
    except ValueError as exc:
        raise refuse(f"{option} takes whole-number scores, got {text!r}") from exc


def _numbers(option: str, text: str) -> list[float]:
    try:
        values = [float(token) for token in _tokens(option, text)]
    except ValueError as exc:
        raise refuse(f"{option} takes numbers, got {text!r}") from exc
    if not all(math.isfinite(v) for v in values):
        raise refuse(f"{option} takes finite numbers, got {text!r}")
    return values


def _reliable_change_report(
    sd: float | None,
    reliability: float | None,
    scores: str | None,
    norms: tuple[float | None, ...],
) -> dict[str, Any]:
    if sd is None or reliability is None or scores is None:
        raise refuse("--rci needs --sd, --reliability and --scores")
    values = _numbers("--scores", scores)
    change = outcome_rules.reliable_change(values[0], values[-1], sd=sd, reliability=reliability)
    report = {"sd": sd, "reliability": reliability, **change.as_dict()}
    report |= {"cutoff_c": None, "crossed_cutoff": None, "clinically_significant": None}
    if any(v is not None for v in norms):
        report |= _cutoff_report(change, norms)
    return report


def _cutoff_report(
    change: outcome_rules.ReliableChange, norms: tuple[float | None, ...]
) -> dict[str, Any]:
    m_f, sd_f, m_d, sd_d = norms
    if m_f is None or sd_f is None or m_d is None or sd_d is None:
        raise refuse(
            "the cut-off c needs all four: --functional-mean/-sd, --dysfunctional-mean/-sd"
        )
    if m_f == m_d:
        raise refuse("the functional and dysfunctional means must differ")
    cutoff = outcome_rules.clinical_cutoff(
        functional_mean=m_f, functional_sd=sd_f, dysfunctional_mean=m_d, dysfunctional_sd=sd_d
    )
    crossed = outcome_rules.crossed_cutoff(
        change.before, change.after, cutoff, higher_is_worse=m_d > m_f
    )
    return {
        "cutoff_c": cutoff,
        "crossed_cutoff": crossed,
        "clinically_significant": crossed and change.reliable,
    }


def _report_lines(report: dict[str, Any]) -> list[str]:
    def shown(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value is None:
            return "n/a"
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    return [f"{key.replace('_', ' ')}: {shown(value)}" for key, value in report.items()]
