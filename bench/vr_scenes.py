"""VR exposure scenes in headless Chromium (WebGL through SwiftShader, no GPU): each scene's
download size (every byte the preview page fetches, three.js included; raw and gzipped) and
its frame time over ~3 s at intensity 0.5 and at 1.0 (median and 95th percentile of both the
CPU time of ``renderer.render`` and the interval between frames). Software rendering on a
shared CPU is a pessimistic stand-in for a mid-range phone's GPU.

Run: ``python -m bench.vr_scenes`` (writes bench/results/vr_scenes.json); needs
``make assets`` and Debian's Chromium.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

SCENES = ("heights", "spiders", "public_speaking", "cafe", "traffic", "safe_place")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-first-run"]
MINDWAY = Path(sys.executable).with_name("mindway")
RESULTS = Path(__file__).parent / "results"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINDWAY_")}
    env["MINDWAY_DATA_DIR"] = str(data)
    demo = [str(MINDWAY), "demo", "--patients", "4", "--seed", "1"]
    subprocess.run(demo, env=env, check=True)  # noqa: S603 - our own installed command
    port = _port()
    server = subprocess.Popen(  # noqa: S603 - our own installed command
        [str(MINDWAY), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("mindway serve did not start")


def _measure(page: Any, url: str, scene: str) -> dict[str, Any]:
    sizes: dict[str, int] = {}
    packed: dict[str, int] = {}

    def seen(response: Any) -> None:
        if response.ok:
            body = response.body()
            sizes[response.url], packed[response.url] = len(body), len(gzip.compress(body))

    page.on("response", seen)
    started = time.perf_counter()
    page.goto(f"{url}/vr/preview/{scene}?intensity=0.5")
    page.wait_for_selector("#vr-stage[data-ready='1']")
    loaded = time.perf_counter() - started
    page.wait_for_timeout(3000)
    mid = page.evaluate("window.mindwayScene.frameStats()")
    page.evaluate("window.mindwayScene.setIntensity(1)")
    page.wait_for_timeout(3000)
    top = page.evaluate("window.mindwayScene.frameStats()")
    scripts = {u.rsplit("/", 1)[-1]: n for u, n in sizes.items() if u.endswith(".js")}
    return {
        "download_bytes": sum(sizes.values()),
        "download_bytes_gzip": sum(packed.values()),
        "script_bytes": scripts,
        "load_seconds": round(loaded, 2),
        "frame_ms_intensity_0_5": _rounded(mid),
        "frame_ms_intensity_1": _rounded(top),
    }


def _rounded(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        kind: {k: round(v, 2) if isinstance(v, float) else v for k, v in values.items()}
        for kind, values in stats.items()
    }


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from mindway.services.demo import DEMO_LOGINS

    with tempfile.TemporaryDirectory() as folder:
        server, url = _serve(Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(viewport={"width": 800, "height": 600})
                page = context.new_page()
                username, password = DEMO_LOGINS["patient"]
                page.goto(f"{url}/login")
                page.get_by_label("Username").fill(username)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
                scenes = {}
                for scene in SCENES:
                    fresh = context.new_page()
                    scenes[scene] = _measure(fresh, url, scene)
                    fresh.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return {"renderer": "SwiftShader (CPU) in headless Chromium, 800x600", "scenes": scenes}


if __name__ == "__main__":
    RESULTS.mkdir(exist_ok=True)
    figures = run()
    (RESULTS / "vr_scenes.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
