"""Treatment-recommendation figures: IHDP surface B over 100 replications and the simulated
depression cohort, with single-threaded numerical libraries and wall time.

Run alone with ``python -m bench.recommend`` (writes ``bench/results/recommend.json``).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from mindway.recommend.ihdp import evaluate_ihdp
from mindway.recommend.simulator import evaluate_synthetic

IHDP_REPLICATIONS = 100
SYNTHETIC_PATIENTS = 3000
SYNTHETIC_SEED = 0


def run() -> dict[str, Any]:
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        ihdp = evaluate_ihdp(IHDP_REPLICATIONS)
        ihdp_seconds = time.perf_counter() - start
        start = time.perf_counter()
        synthetic = evaluate_synthetic(patients=SYNTHETIC_PATIENTS, seed=SYNTHETIC_SEED)
        synthetic_seconds = time.perf_counter() - start
    return {
        "ihdp": {
            **ihdp,
            "wall_seconds": round(ihdp_seconds, 1),
            "seconds_per_replication": round(ihdp_seconds / IHDP_REPLICATIONS, 2),
            "threads": 1,
            "targets": {"pehe_out": 1.0, "ate_error_out": 0.2},
        },
        "synthetic": {
            **synthetic,
            "wall_seconds": round(synthetic_seconds, 1),
            "target_gain_captured": 0.8,
        },
    }


def main() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    figures = run()
    path = Path(__file__).parent / "results" / "recommend.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
