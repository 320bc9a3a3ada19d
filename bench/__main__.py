"""Run the benchmarks and write ``bench/results/<name>.json``: all of them, or those named
(``python -m bench chat vr``)."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from bench import (
    chat,
    clinical,
    faults,
    foundation,
    jitai,
    load,
    page_weight,
    recommend,
    supply_chain,
    vr,
    vr_scenes,
)

RESULTS = Path(__file__).parent / "results"


BENCHMARKS = {
    "foundation": foundation.run,
    "clinical": clinical.run,
    "chat": chat.run,
    "jitai": jitai.run,
    "vr": vr.run,
    "recommend": recommend.run,
    "vr_scenes": vr_scenes.run,
    "page_weight": page_weight.run,
    "supply_chain": supply_chain.run,
    "load": load.run,
}
# Run only when named: it restarts the PostgreSQL server under load.
ON_REQUEST = {"faults": faults.run}


def main(names: list[str]) -> int:
    known = {**BENCHMARKS, **ON_REQUEST}
    unknown = sorted(set(names) - set(known))
    if unknown:
        print(f"unknown benchmarks {unknown}; known: {sorted(known)}", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    machine = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
    }
    for name, run in known.items():
        if (names and name not in names) or (not names and name in ON_REQUEST):
            continue
        figures = {"machine": machine, **run()}
        path = RESULTS / f"{name}.json"
        path.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"{name}: {json.dumps(figures, indent=2)}\nwritten to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
