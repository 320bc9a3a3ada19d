"""``mindway therapy ...``: this part's commands (and its ``mindway eval`` entries).

    mindway therapy programmes [--json]          the programmes, their sessions and homework
    mindway therapy content [--lint] [--json]    the modules, their reading grade and sources;
                                                 with --lint, exit 1 when any has a problem
    mindway therapy enrol PATIENT PROGRAMME [--by CLINICIAN] [--skip N ...] [--add KEY ...]
    mindway therapy progress PATIENT [--by CLINICIAN] [--json]
    mindway therapy remind                       send the programme reminders owed now

PATIENT and CLINICIAN are usernames. ``enrol`` and ``progress`` run as the local operator in
the name of the clinician (``--by``) or else of the patient (self-enrolment at stepped-care
step 1), audited as such (:mod:`mindway.services.therapy_commands`). Errors print one line
on stderr with exit 1 and change nothing.

``mindway eval jitai [--json] [--seed S] [--users N] [--days D]`` compares the adaptive JITAI
policy with a fixed schedule, random prompting and never prompting on the documented
simulated population of ``mindway.therapy.jitai.simulation``. With ``--json`` it prints one
object: for each policy its mean proximal outcome and prompts per person-day.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from mindway.cli.evaluate import eval_app

if TYPE_CHECKING:
    from mindway.services.programmes import EnrolmentPublic

therapy_app = typer.Typer(
    help="Therapy programmes and content: list, lint, enrol, progress, reminders.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PatientArgument = Annotated[str, typer.Argument(help="The patient's username.")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Username of the clinician on the patient's care team."),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
    app.add_typer(therapy_app, name="therapy")


@therapy_app.command("programmes")
def list_programmes(as_json: JsonOption = False) -> None:
    """The programmes: sessions, what each asks the person to read and practise."""
    from mindway.cli.main import print_json
    from mindway.therapy.programmes import load_programmes

    found = [p.model_dump(mode="json") for p in load_programmes().values()]
    if as_json:
        print_json(found)
        return
    for programme in found:
        weeks = len(programme["sessions"])
        typer.echo(f"{programme['id']}  {programme['title']}  ({weeks} sessions)")
        for number, session in enumerate(programme["sessions"], start=1):
            homework = ", ".join(session["homework"])
            typer.echo(f"  {number}. {session['title']}  [practise: {homework}]")


@therapy_app.command("content")
def content(
    lint: Annotated[
        bool, typer.Option("--lint", help="Exit 1 if any module has a problem.")
    ] = False,
    as_json: JsonOption = False,
    locale: Annotated[str, typer.Option(help="Content locale (falls back to en).")] = "en",
) -> None:
    """The content modules with their reading grade (Flesch-Kincaid) and sources."""
    from dataclasses import asdict

    from mindway.cli.main import fail, print_json, reported
    from mindway.therapy.content_lint import MAX_GRADE, lint_library
    from mindway.therapy.library import load_library

    with reported():
        try:
            reports = lint_library(load_library(locale))
        except ImportError as exc:  # pyphen comes with the test extras for now
            raise fail(f"the reading grade needs pyphen ({exc.name} is not installed)") from exc
    if as_json:
        print_json([asdict(r) for r in reports])
    else:
        typer.echo(f"{'module':30} {'kind':16} {'grade':>5} {'words':>5} {'sources':>7}")
        for r in reports:
            typer.echo(f"{r.id:30} {r.kind:16} {r.grade:>5.1f} {r.words:>5} {r.sources:>7}")
    problems = [f"{r.id}: {p}" for r in reports for p in r.problems]
    if lint:
        for problem in problems:
            typer.echo(problem, err=True)
        if problems:
            raise fail(f"{len(problems)} content problems")
        typer.echo(f"{len(reports)} modules pass (reading grade at most {MAX_GRADE})", err=True)


@therapy_app.command("enrol")
def enrol(
    patient: PatientArgument,
    programme: Annotated[str, typer.Argument(help="The programme id (see 'programmes').")],
    by: ByOption = None,
    skip: Annotated[
        list[int] | None, typer.Option("--skip", help="A session number to leave out (--by).")
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option("--add", help="A session of another programme, 'sleep_better:2' (--by)."),
    ] = None,
) -> None:
    """Start a programme for a patient: assigned by a clinician, or self-enrolment."""
    from mindway.cli.main import out, runtime
    from mindway.services import therapy_commands

    with runtime() as rt:
        enrolled = therapy_commands.enrol(rt, patient, programme, by, skip, add)
    how = "assigned" if enrolled.assigned else "self-enrolled"
    out.print(
        f"{patient} enrolled in {enrolled.programme} ({how}, {len(enrolled.sessions)} sessions)"
    )


@therapy_app.command("progress")
def progress(patient: PatientArgument, by: ByOption = None, as_json: JsonOption = False) -> None:
    """A patient's programme: sessions open and complete, items done, streak."""
    from mindway.cli.main import fail, print_json, runtime
    from mindway.services import therapy_commands

    with runtime() as rt:
        found = therapy_commands.progress(rt, patient, by)
    if found is None:
        if as_json:
            print_json(None)
            return
        raise fail(f"{patient} is on no programme")
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    typer.echo(_progress_text(found))


def _progress_text(found: EnrolmentPublic) -> str:
    lines = [
        f"{found.title} ({found.programme}), {'assigned' if found.assigned else 'self-enrolled'}"
        f" {found.enrolled_at:%Y-%m-%d}: {found.completed} of {len(found.sessions)} sessions"
        f" complete, streak {found.streak_days} days",
    ]
    for s in found.sessions:
        state = "complete" if s.complete else "open" if s.unlocked else "locked"
        done = sum(i.done for i in s.items)
        lines.append(f"  {s.position}. {s.title}: {state}, {done}/{len(s.items)} done")
    return "\n".join(lines)


@therapy_app.command("remind")
def remind() -> None:
    """Send the programme reminders owed now (the server does this every minute; run it from
    cron when no server is up)."""
    from mindway.cli.main import out, runtime
    from mindway.services.therapy_reminders import send_programme_reminders

    with runtime() as rt:
        count = send_programme_reminders(rt)
    out.print(f"{count} programme reminders sent")


@eval_app.command("jitai")
def jitai(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same figures).")] = 0,
    users: Annotated[int, typer.Option(min=1, max=10_000, help="Simulated people.")] = 100,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days each person is followed.")] = 60,
) -> None:
    """Just-in-time prompts on a simulated population: adaptive (Thompson sampling) against
    a fixed schedule, random prompting and never prompting."""
    from mindway.cli.main import print_json

    figures = _simulated(seed, users, days)
    if as_json:
        print_json(figures)
        return
    typer.echo(f"JITAI simulation: {users} people x {days} days, seed {seed}")
    typer.echo(f"{'policy':16} {'mean proximal outcome':>22} {'prompts per day':>16}")
    for name, row in figures.items():
        typer.echo(
            f"{name:16} {row['mean_proximal_outcome']:>+22.4f} {row['prompts_per_day']:>16.2f}"
        )
    typer.echo("proximal outcome: mood change (0-10 scale) in the hour after a decision point")


def _simulated(seed: int, users: int, days: int) -> dict[str, dict[str, float]]:
    """The evaluation, with a progress bar on stderr when it is a terminal."""
    from rich.console import Console
    from rich.progress import Progress

    from mindway.therapy.jitai.simulation import evaluate_jitai, evaluation_steps

    if not sys.stderr.isatty():
        return evaluate_jitai(seed=seed, users=users, days=days)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulating people", total=evaluation_steps(users))
        return evaluate_jitai(
            seed=seed, users=users, days=days, progress=lambda n: bar.advance(task, n)
        )
