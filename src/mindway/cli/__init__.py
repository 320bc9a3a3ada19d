"""The ``mindway`` command line (typer and rich)."""
