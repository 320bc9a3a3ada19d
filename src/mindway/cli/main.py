"""``mindway``: serve, set up, seed the demo clinic, verify the audit log, manage keys and data.

Errors are printed as one clear line on stderr with exit code 1; JSON goes to stdout.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from mindway.config import Settings, get_settings
from mindway.errors import MindwayError
from mindway.security.crypto import DecryptionError
from mindway.security.policy import Actor
from mindway.services.runtime import Runtime

app = typer.Typer(
    name="mindway",
    help="Mindway: AI-assisted mental health care that supports, never replaces, clinicians.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys.", no_args_is_help=True)
export_app = typer.Typer(help="Export data (GDPR access and portability).", no_args_is_help=True)
alerts_app = typer.Typer(help="Care-team alerts.", no_args_is_help=True)
erase_app = typer.Typer(help="Erase data (GDPR erasure).", no_args_is_help=True)
import_app = typer.Typer(help="Import data from other systems (FHIR R4).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(export_app, name="export")
app.add_typer(erase_app, name="erase")
app.add_typer(import_app, name="import")
app.add_typer(alerts_app, name="alerts")

err = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as one line on stderr; the caller raises the returned exit."""
    text = escape(" ".join(message.split()))
    err.print(f"[bold red]error:[/] {text}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    """The settings from ``MINDWAY_*``; a bad value is named in one line, not a traceback."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = exc.errors()
        first = problems[0]
        name = "MINDWAY_" + "_".join(str(part) for part in first["loc"]).upper()
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise fail(f"configuration: {name}: {first['msg']}{more}") from exc


@contextmanager
def reported() -> Iterator[None]:
    """Expected failures (Mindway's own errors, an unreachable database, keys that do not
    open the data) become one line on stderr and exit code 1."""
    try:
        yield
    except MindwayError as exc:
        raise fail(exc.detail) from exc
    except SQLAlchemyError as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        raise fail(f"database: {str(cause).splitlines()[0]}") from exc
    except DecryptionError as exc:
        raise fail(f"cannot decrypt stored data ({exc}); are these the store's keys?") from exc


@contextmanager
def runtime() -> Iterator[Runtime]:
    """An open, migrated runtime whose failures are reported as one line."""
    settings = load_settings()
    with reported():
        rt = Runtime.open(settings)
        try:
            yield rt
        finally:
            rt.close()


def parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise fail(f"{what} must be a UUID, got {value!r}") from exc


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: exports hold health data."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror}") from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the web app and API (migrating the database first)."""
    import uvicorn

    with runtime() as rt:
        trusted_proxies = rt.settings.trusted_proxies  # keys checked, schema upgraded
    err.print(f"Mindway serving on http://{host}:{port}  (Ctrl+C stops it)")
    uvicorn.run(
        "mindway.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-For is believed only from configured proxies: anyone else could pick
        # the address that login throttling counts.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or "",
        # A worker loading the risk screener's models can hold the GIL for seconds on a busy
        # machine; at uvicorn's 5 s it was killed mid-request and reloaded them (bench/load.py).
        timeout_worker_healthcheck=30,
        log_level="info",
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    with runtime() as rt:
        out.print(f"database is up to date ({rt.engine.url.render_as_string(hide_password=True)})")


@app.command()
def init(
    username: Annotated[str, typer.Option(prompt=True, help="The first admin's username.")],
    display_name: Annotated[str, typer.Option(prompt=True, help="Their name as shown.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create the first admin account."""
    from mindway.services import accounts

    with runtime() as rt:
        account = accounts.bootstrap_admin(rt, username, display_name, password)
    out.print(f"admin {account.username} created ({account.id})")


@app.command()
def demo(
    patients: Annotated[int, typer.Option(min=1, max=2000, help="How many patients.")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same clinic).")] = 7,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only seed a store that has no accounts yet.")
    ] = False,
) -> None:
    """Seed a demo clinic of synthetic patients with months of history; prints the logins."""
    from mindway.services import demo as demo_clinic

    with runtime() as rt:
        if if_empty and not demo_clinic.store_is_empty(rt):
            err.print("the store already has accounts; not seeding it again")
            has_logins = demo_clinic.has_demo_clinic(rt)
        else:
            demo_clinic.seed(rt, patients=patients, seed=seed)
            from mindway.services.demo_therapy import seed_therapy_demo

            seed_therapy_demo(rt, seed=seed)
            err.print(f"demo clinic seeded with {patients} synthetic patients")
            has_logins = True
    if has_logins:
        demo_clinic.print_logins(out)
    else:
        err.print("this store holds no demo clinic, so there are no demo logins to show")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exit 1 naming the first altered, removed or inserted row."""
    from mindway.services import audit_log

    with runtime() as rt:
        try:
            result = audit_log.verify(rt)
        except ValueError as exc:  # a column altered into something that no longer parses
            raise fail(f"audit log broken: a row holds an unreadable value ({exc})") from exc
    if result.ok:
        out.print(f"audit log intact: {result.rows_checked} rows verified")
        return
    raise fail(f"audit log broken at row {result.first_bad_seq}: {result.problem}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every data key under a new master key (generated keyrings get a new key)."""
    from mindway.services import keys

    settings = load_settings()
    with reported():
        kid, count = keys.rotate(settings)
    out.print(f"{count} data keys re-wrapped under master key {kid}")
    err.print(
        "restart every running Mindway server so that it loads the new key, "
        "then run 'mindway keys retire'"
    )


@keys_app.command("retire")
def keys_retire() -> None:
    """Drop master keys that no data key uses any more (after servers restarted)."""
    from mindway.services import keys

    settings = load_settings()
    with reported():
        kept, retired = keys.retire(settings)
    out.print(f"kept {', '.join(kept)}; retired {', '.join(retired) or 'none'}")
    if settings.master_keys is not None and retired:
        err.print("remove the retired keys from MINDWAY_MASTER_KEYS")


PatientIdArgument = Annotated[str, typer.Argument(help="The patient's id (UUID).")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
]


def export_document(
    patient_id: str,
    output: Path | None,
    export: Callable[[Runtime, Actor, uuid.UUID], dict[str, Any]],
) -> None:
    """Run one patient export as the operator; print it, or write a file only its owner can
    read (exports hold health data)."""
    from mindway.security.policy import OPERATOR

    pid = parse_uuid(patient_id, "patient id")
    with runtime() as rt:
        document = export(rt, OPERATOR, pid)
    if output is None:
        print_json(document)
    else:
        write_private(output, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        err.print(f"written to {output}")


@export_app.command("patient")
def export_patient(patient_id: PatientIdArgument, output: OutputOption = None) -> None:
    """Everything held about one patient as one JSON document."""
    from mindway.services import privacy

    export_document(patient_id, output, privacy.export_patient)


@export_app.command("fhir")
def export_fhir(patient_id: PatientIdArgument, output: OutputOption = None) -> None:
    """One patient's questionnaires, scores and open risk flags as a FHIR R4 Bundle."""
    from mindway.services import fhir_exchange

    export_document(patient_id, output, fhir_exchange.export_fhir)


@import_app.command("fhir")
def import_fhir(
    file: Annotated[Path, typer.Argument(help="A FHIR R4 Bundle as JSON ('-' for stdin).")],
    clinician: Annotated[
        str,
        typer.Option(
            "--clinician",
            help="Username of the clinician on the patient's care team in whose name the "
            "results are entered.",
        ),
    ],
    patient_id: Annotated[
        str | None, typer.Option("--patient", help="Refuse the Bundle unless it is this patient.")
    ] = None,
) -> None:
    """Store a Bundle's questionnaire results for the existing patient it names, re-scored
    and risk-checked; results already held are skipped. Run by the local operator (audited
    as such) in the name of a clinician who may write to the record."""
    from mindway.security.policy import OPERATOR
    from mindway.services import fhir_exchange

    pid = None if patient_id is None else parse_uuid(patient_id, "patient id")
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from exc
    with runtime() as rt:
        summary = fhir_exchange.import_fhir(rt, OPERATOR, text, patient_id=pid, clinician=clinician)
    print_json(summary.model_dump(mode="json"))


@erase_app.command("patient")
def erase_patient(
    patient_id: Annotated[str, typer.Argument(help="The patient's id (UUID).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase one patient: data deleted, keys destroyed, account closed (audited)."""
    from mindway.security.policy import OPERATOR
    from mindway.services import privacy

    pid = parse_uuid(patient_id, "patient id")
    if not yes and not typer.confirm(f"Erase patient {pid} for good?"):
        raise fail("not erased")
    with runtime() as rt:
        privacy.erase_patient(rt, OPERATOR, pid)
    out.print(f"patient {pid} erased")


@alerts_app.command("escalate")
def alerts_escalate() -> None:
    """Escalate care-team alerts past their due time (the server does this every minute;
    run it from cron when no server is up)."""
    from mindway.services import clinical_alerts

    with runtime() as rt:
        count = clinical_alerts.escalate_overdue(rt)
    out.print(f"{count} overdue alerts escalated")


def _register_parts() -> None:
    """Each part's commands live in its own module of this package."""
    from mindway.cli import chat, clinical, evaluate, recommend, therapy, vr

    for part in (clinical, evaluate, chat, therapy, recommend, vr):
        part.register(app)
    __import__("mindway.cli.backup", fromlist=["register"]).register(app)  # backup, restore


_register_parts()
