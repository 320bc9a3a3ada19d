"""``mindway serve`` on an empty data folder: creates its store and answers /health in 30 s."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx

from tests.cli.harness import Store

STARTUP_LIMIT_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(url: str, server: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server exited with {server.returncode}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within {STARTUP_LIMIT_S} s")


def test_serve_creates_its_store_and_answers_health(store: Store) -> None:
    store.data_dir.mkdir()
    assert list(store.data_dir.iterdir()) == []
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mindway", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=store.subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = wait_for_health(f"http://127.0.0.1:{port}/health", server)
        assert response.status_code == 200
        assert response.json()["database"] == "ok"
        assert store.sqlite_file.exists()
        assert (store.data_dir / "keys" / "master_keys").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert server.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    assert "Traceback" not in output
