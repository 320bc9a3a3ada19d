"""``mindway score`` and ``mindway outcomes``: the measurement-based-care contract."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``mindway`` app."""
