"""The Bluetooth Heart Rate Measurement parser (``static/vr/heart-rate.js``), run in Node:
flags bit 0 selects uint8/uint16 heart rate, bit 3 skips Energy Expended, bit 4 adds RR
intervals in 1/1024 s, little-endian (Bluetooth SIG Heart Rate Service 1.0, 3.1.1)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import mindway.web

MODULE = Path(mindway.web.__file__).parent / "static" / "vr" / "heart-rate.js"
NODE = shutil.which("node")

CASES = [
    ([0x00, 72], {"hr": 72, "rr": []}),
    ([0x01, 0x2C, 0x01], {"hr": 300, "rr": []}),  # uint16 little-endian
    ([0x10, 60, 0x00, 0x04], {"hr": 60, "rr": [1.0]}),  # 1024/1024 s
    ([0x18, 80, 0x10, 0x00, 0x00, 0x03, 0x00, 0x02], {"hr": 80, "rr": [0.75, 0.5]}),
    ([0x11, 0x50, 0x00, 0x33, 0x03], {"hr": 80, "rr": [0.7998]}),
    ([0x01, 0x50], None),  # uint16 announced, one byte sent
    ([0x00], None),
]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_heart_rate_measurements_are_parsed() -> None:
    script = (
        f"import {{ parseHeartRateMeasurement }} from {json.dumps(MODULE.as_uri())};\n"
        f"const cases = {json.dumps([c for c, _ in CASES])};\n"
        "console.log(JSON.stringify(cases.map((c) => parseHeartRateMeasurement(c))));\n"
    )
    assert NODE is not None
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == [expected for _, expected in CASES]
