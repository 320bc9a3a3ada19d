"""Imports go one way (DESIGN.md, "Layers"): domain parts are pure, services know no HTTP,
and nothing below the API imports the API or the web layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mindway"
DOMAIN_PARTS = ("clinical", "therapy", "chat", "recommend", "vr", "safety")
PURE_MODULES = ("security/policy.py", "security/crypto.py", "content", "errors.py", "interop")
WEB_OR_DB = (
    "mindway.api",
    "mindway.web",
    "mindway.store",
    "mindway.services",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "alembic",
)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(relative: str) -> list[Path]:
    target = SRC / relative
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


def offending(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.name} imports {name}"
        for path in files
        for name in sorted(imports_of(path))
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


@pytest.mark.parametrize("part", DOMAIN_PARTS + PURE_MODULES)
def test_domain_parts_import_no_web_or_database(part: str) -> None:
    files = [f for f in python_files(part) if f.exists()]
    assert offending(files, WEB_OR_DB) == []


@pytest.mark.parametrize("layer", ["services", "security", "store", "content"])
def test_lower_layers_import_no_api_web_or_cli(layer: str) -> None:
    assert offending(python_files(layer), ("mindway.api", "mindway.web", "mindway.cli")) == []


def test_the_layer_check_sees_forbidden_imports(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import sqlalchemy\nfrom mindway.web import pages\n")
    assert len(offending([module], WEB_OR_DB)) == 2
