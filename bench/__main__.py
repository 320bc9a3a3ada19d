"""Run every benchmark and write ``bench/results/<name>.json``."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from bench import clinical, foundation

RESULTS = Path(__file__).parent / "results"


def main() -> int:
    RESULTS.mkdir(exist_ok=True)
    machine = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
    }
    for name, run in (("foundation", foundation.run), ("clinical", clinical.run)):
        figures = {"machine": machine, **run()}
        path = RESULTS / f"{name}.json"
        path.write_text(json.dumps(figures, indent=2) + "\n")
        print(f"{name}: {json.dumps(figures, indent=2)}\nwritten to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
