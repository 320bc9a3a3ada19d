"""Supply-chain figures for ``make bench``: locked packages, known vulnerabilities, exceptions.

Runs ``scripts/supply_chain.py`` (pip-audit on the locked dependencies, CycloneDX SBOM written
to bench/results/sbom.cdx.json). Needs the vulnerability service over the network; offline the
figures say ``"audit": "not checked"`` instead of reporting zero vulnerabilities.
"""

from __future__ import annotations

from typing import Any

from scripts import supply_chain


def run() -> dict[str, Any]:
    summary = supply_chain.check()
    return {
        "packages": summary["packages"],
        "audit": summary["audit"],
        "audit_service": summary["audit_service"],
        "audit_reason": summary["audit_reason"],
        "audited_packages": summary["audited_packages"],
        "vulnerabilities_found": summary["vulnerabilities_found"],
        "vulnerabilities_open": len(summary["vulnerabilities_open"]),
        "exceptions": summary["exceptions"],
        "sbom": summary["sbom"],
        "sbom_components": summary["sbom_components"],
    }
