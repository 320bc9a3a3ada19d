"""``mindway``: serve, set up, seed the demo clinic, verify the audit log, manage keys and data.

Errors are printed as one clear line on stderr with exit code 1; JSON goes to stdout.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from mindway.config import get_settings
from mindway.errors import MindwayError
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
erase_app = typer.Typer(help="Erase data (GDPR erasure).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(export_app, name="export")
app.add_typer(erase_app, name="erase")

err = Console(stderr=True)
out = Console()
T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@contextmanager
def runtime() -> Iterator[Runtime]:
    """An open runtime; Mindway's own errors become one line on stderr and exit code 1."""
    try:
        rt = Runtime.open(get_settings())
    except MindwayError as exc:
        raise fail(exc.detail) from exc
    try:
        yield rt
    except MindwayError as exc:
        raise fail(exc.detail) from exc
    finally:
        rt.close()


def guarded(call: Callable[[], T]) -> T:
    try:
        return call()
    except MindwayError as exc:
        raise fail(exc.detail) from exc


def parse_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise fail(f"{what} must be a UUID, got {value!r}") from exc


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the web app and API (migrating the database first)."""
    import uvicorn

    with runtime():
        pass  # keys checked and schema upgraded before any worker starts
    err.print(f"Mindway serving on http://{host}:{port}  (Ctrl+C stops it)")
    uvicorn.run(
        "mindway.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
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
            err.print("the store already has accounts; not seeding again")
        else:
            demo_clinic.seed(rt, patients=patients, seed=seed)
    demo_clinic.print_logins(out)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain; exit 1 naming the first altered, removed or inserted row."""
    from mindway.services import audit_log

    with runtime() as rt:
        result = audit_log.verify(rt)
    if result.ok:
        out.print(f"audit log intact: {result.rows_checked} rows verified")
        return
    err.print(f"[bold red]audit log broken at row {result.first_bad_seq}:[/] {result.problem}")
    raise typer.Exit(1)


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-wrap every data key under a new master key (generated keyrings get a new key)."""
    from mindway.services import keys

    kid, count = guarded(lambda: keys.rotate(get_settings()))
    out.print(f"{count} data keys re-wrapped under master key {kid}")


@export_app.command("patient")
def export_patient(
    patient_id: Annotated[str, typer.Argument(help="The patient's id (UUID).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Everything held about one patient as one JSON document."""
    from mindway.security.policy import OPERATOR
    from mindway.services import privacy

    pid = parse_uuid(patient_id, "patient id")
    with runtime() as rt:
        document = privacy.export_patient(rt, OPERATOR, pid)
    if output is None:
        print_json(document)
    else:
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        err.print(f"written to {output}")


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
        raise typer.Exit(1)
    with runtime() as rt:
        privacy.erase_patient(rt, OPERATOR, pid)
    out.print(f"patient {pid} erased")
