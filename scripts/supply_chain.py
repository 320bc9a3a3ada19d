"""Supply-chain checks on the locked dependencies: a pip-audit run and a CycloneDX SBOM.

``python scripts/supply_chain.py`` audits every pinned package (``requirements.lock`` plus the
pins in pyproject.toml that the lock leaves out: torch is installed on its own by the Makefile)
against a vulnerability service, then writes the bill of materials to
``bench/results/sbom.cdx.json``.

Exit status: 0 when no unexcepted vulnerability is known, *including* when the vulnerability
service cannot be reached or knows none of the locked versions: that case prints "not checked"
and the reason, so an offline CI runner does not fail, and does not pretend to have checked.
1 when a vulnerability is found that ``security/pip-audit-exceptions.txt`` does not list.
2 when a tool itself fails for another reason.

Tools: pip-audit (https://pypi.org/project/pip-audit/), cyclonedx-bom (``cyclonedx-py``,
https://cyclonedx-bom-tool.readthedocs.io/), CycloneDX 1.6 (https://cyclonedx.org/specification/).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
EXCEPTIONS = ROOT / "security" / "pip-audit-exceptions.txt"
SBOM = ROOT / "bench" / "results" / "sbom.cdx.json"
# PyPI's JSON API first (pip-audit's default); OSV when PyPI cannot answer.
SERVICES = ("pypi", "osv")
TIMEOUT_S = 15
NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out")


class ToolFailed(RuntimeError):
    """pip-audit or cyclonedx-py failed for a reason other than an unreachable service."""


@dataclass(frozen=True)
class Vulnerability:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def known_as(self, ids: Iterable[str]) -> bool:
        return bool({self.id, *self.aliases} & set(ids))


@dataclass
class Audit:
    """What one pip-audit run established. ``checked`` is False when nothing could be audited."""

    checked: bool
    service: str | None = None
    reason: str = ""
    audited: int = 0
    unaudited: list[str] = field(default_factory=list)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_requirements(lock: Path = LOCK, pyproject: Path = PYPROJECT) -> list[str]:
    """The lock's pins, plus pyproject's exact pins the lock leaves out (e.g. torch)."""
    pins = [
        line.strip()
        for line in lock.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    ]
    locked = {canonical(re.split(r"[=<>!~\[; ]", pin, maxsplit=1)[0]) for pin in pins}
    declared = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    for requirement in declared:
        name, _, version = requirement.partition("==")
        bare = canonical(name.split("[")[0])
        if version and bare not in locked:
            pins.append(f"{name.split('[')[0]}=={version}")
    return pins


def read_exceptions(path: Path = EXCEPTIONS) -> dict[str, str]:
    """Accepted vulnerability ids and their reasons: ``<ID> <package> <reason...>`` per line."""
    accepted: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            raise ValueError(f"{path}:{number}: expected '<ID> <package> <reason>', got {raw!r}")
        accepted[parts[0]] = f"{parts[1]}: {parts[2]}"
    return accepted


def classify(report: dict[str, Any], service: str) -> Audit:
    """Read pip-audit's JSON: audited packages, skipped ones and the vulnerabilities found."""
    audit = Audit(checked=False, service=service)
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            audit.unaudited.append(f"{dependency['name']}: {dependency['skip_reason']}")
            continue
        audit.audited += 1
        for vuln in dependency.get("vulns", []):
            audit.vulnerabilities.append(
                Vulnerability(
                    package=dependency["name"],
                    version=dependency["version"],
                    id=vuln["id"],
                    aliases=tuple(vuln.get("aliases", ())),
                    fix_versions=tuple(vuln.get("fix_versions", ())),
                )
            )
    audit.checked = audit.audited > 0
    if not audit.checked:
        audit.reason = f"{service} knew none of the {len(audit.unaudited)} locked versions"
    return audit


def run_pip_audit(requirements: Path, service: str) -> Audit:
    command = [
        sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip",
        "-f", "json", "--progress-spinner", "off", "--timeout", str(TIMEOUT_S), "-s", service,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode not in (0, 1) or not done.stdout.strip():
        if any(marker in done.stderr for marker in NETWORK_ERRORS):
            return Audit(checked=False, service=service, reason=f"{service} unreachable")
        raise ToolFailed(f"pip-audit exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return classify(json.loads(done.stdout), service)


def audit_locked(requirements: Path, services: Sequence[str] = SERVICES) -> Audit:
    """The first service that could audit anything, or why none could."""
    attempts = []
    for service in services:
        audit = run_pip_audit(requirements, service)
        if audit.checked:
            return audit
        attempts.append(audit)
    skipped = max((a.unaudited for a in attempts), key=len, default=[])
    return Audit(checked=False, reason="; ".join(a.reason for a in attempts), unaudited=skipped)


def write_sbom(requirements: Path, output: Path = SBOM, pyproject: Path = PYPROJECT) -> int:
    """A reproducible CycloneDX 1.6 JSON SBOM of the locked set; returns its component count."""
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "cyclonedx_py", "requirements", str(requirements),
        "--pyproject", str(pyproject), "--sv", "1.6", "--output-reproducible", "-o", str(output),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise ToolFailed(f"cyclonedx-py exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return len(json.loads(output.read_text())["components"])


def check(sbom: Path = SBOM, exceptions: Path = EXCEPTIONS) -> dict[str, Any]:
    """Audit and SBOM; the summary that both the command line and ``make bench`` report."""
    accepted = read_exceptions(exceptions)
    pins = locked_requirements()
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "locked.txt"
        requirements.write_text("\n".join(pins) + "\n")
        audit = audit_locked(requirements)
        components = write_sbom(requirements, sbom)
    open_vulns = [v for v in audit.vulnerabilities if not v.known_as(accepted)]
    used = {i for v in audit.vulnerabilities for i in (v.id, *v.aliases)} & accepted.keys()
    return {
        "packages": len(pins),
        "audit": "checked" if audit.checked else "not checked",
        "audit_service": audit.service,
        "audit_reason": audit.reason,
        "audited_packages": audit.audited,
        "unaudited_packages": len(audit.unaudited),
        "unaudited": audit.unaudited if audit.checked else [],
        "vulnerabilities_found": len(audit.vulnerabilities),
        "vulnerabilities_open": [
            f"{v.package}=={v.version} {v.id} (fixed in {', '.join(v.fix_versions) or 'none'})"
            for v in open_vulns
        ],
        "exceptions": len(accepted),
        "exceptions_unused": sorted(accepted.keys() - used) if audit.checked else [],
        "sbom": str(sbom.relative_to(ROOT)) if sbom.is_relative_to(ROOT) else str(sbom),
        "sbom_components": components,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sbom", type=Path, default=SBOM)
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS)
    args = parser.parse_args(argv)
    try:
        summary = check(args.sbom, args.exceptions)
    except (ToolFailed, ValueError) as exc:
        print(f"supply chain: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    if summary["audit"] == "not checked":
        print(f"pip-audit: NOT CHECKED ({summary['audit_reason']})", file=sys.stderr)
        return 0
    for line in summary["vulnerabilities_open"]:
        print(f"pip-audit: unexcepted vulnerability {line}", file=sys.stderr)
    return 1 if summary["vulnerabilities_open"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
