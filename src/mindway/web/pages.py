"""Web pages (placeholder until the web shell lands)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

STATIC_DIR = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)
