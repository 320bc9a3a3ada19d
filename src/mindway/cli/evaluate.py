"""``mindway eval ...``: reproducible evaluations that print JSON figures."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
