"""Real ``mindway serve`` processes for tests, started the way an operator starts them.

The server is the installed ``mindway`` command on a free port, so the tests that use it cover
the packaging, the CLI, start-up migrations and static files as well.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

MINDWAY = Path(sys.executable).with_name("mindway")
# The 30 s start-up promise is tested on its own (tests/cli/test_serve.py); here test workers
# share two cores with the servers, so allow more.
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    """This process's environment without any MINDWAY_* setting, on ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINDWAY_")}
    env["MINDWAY_DATA_DIR"] = str(data_dir)
    return env


@contextmanager
def started(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``mindway serve`` (not waiting for it); terminate it on exit."""
    port = free_port()
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [str(MINDWAY), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for_health(
    url: str, server: subprocess.Popen[bytes], log: Path, timeout_s: float = START_TIMEOUT_S
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"mindway serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"mindway serve did not answer /health in {timeout_s} s:\n{log.read_text()}")


@contextmanager
def serving(data_dir: Path, env: dict[str, str]) -> Iterator[str]:
    """``mindway serve`` on a free port over ``data_dir``, answering /health; stopped on exit."""
    log = data_dir / "server.log"
    with started(env, log) as (url, server):
        wait_for_health(url, server, log)
        yield url
