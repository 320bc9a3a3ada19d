"""Bytes per patient page and load time on a slow connection (issue 8, equitable access).

A real ``mindway serve`` on a demo clinic (started with the browser tests' own helpers), the
demo patient signed in in headless Chromium, then each patient page loaded cold (cache off):
every response's bytes on the wire (headers and body), the bodies uncompressed and
gzip-compressed (the server does not compress, so gzip sizes are what a compressing reverse
proxy would send; level 6, as nginx and Caddy use by default), and the time to the ``load``
event under a slow-3G profile set through the Chrome DevTools Protocol
(``Network.emulateNetworkConditions``: 400 ms latency, 400 kbit/s each way).
Target: under 200 KB compressed per patient page; VR scenes are excepted and measured in
``bench/vr_scenes.py``.

Run: ``python -m bench.page_weight`` (writes bench/results/page_weight.json); needs
``make assets`` and Chromium.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.steps import sign_in
from tests.servers import MINDWAY, free_port, server_env, wait_for_health

RESULTS = Path(__file__).parent / "results"
TARGET_KB = 200
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms
    "downloadThroughput": 400_000 / 8,  # bytes/s
    "uploadThroughput": 400_000 / 8,
}
# Patient pages no navigation link reaches directly: one of each kind.
EXTRA = (
    "/patient/questionnaires/phq9",
    "/patient/programme/exercises/thought_record",
    "/crisis",
)


def _serve(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = server_env(data)
    demo = [str(MINDWAY), "demo", "--patients", "8", "--seed", "1"]
    subprocess.run(demo, env=env, check=True, capture_output=True)  # noqa: S603 - our command
    port = free_port()
    log = data / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(  # noqa: S603 - our own installed command
            [str(MINDWAY), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, server, log)
    except BaseException:
        server.kill()
        server.wait()
        raise
    return server, url


def _patient_pages(page: Any) -> list[str]:
    """The main navigation, a module page from "My programme", and the pages in ``EXTRA``."""
    nav = page.eval_on_selector_all("nav.site-nav a[href]", "els => els.map(e => e.href)")
    paths = [urlsplit(h).path for h in nav if urlsplit(h).path.startswith("/patient")]
    page.goto("/patient/programme")
    modules = page.eval_on_selector_all(
        "main a[href*='/patient/programme/modules/']", "els => els.map(e => e.href)"
    )
    paths += [urlsplit(modules[0]).path] if modules else []
    return list(dict.fromkeys([*paths, *EXTRA]))


def _measure(page: Any, path: str) -> dict[str, Any]:
    responses: list[Any] = []

    def seen(response: Any) -> None:
        responses.append(response)

    page.on("response", seen)
    started = time.perf_counter()
    page.goto(path, wait_until="load")
    load_s = time.perf_counter() - started
    page.remove_listener("response", seen)
    wire = raw = packed = 0
    for response in responses:
        body = response.body() if response.status < 300 else b""
        sizes = response.request.sizes()
        wire += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        raw += len(body)
        packed += len(gzip.compress(body, compresslevel=6))
    return {
        "requests": len(responses),
        "transferred_bytes": wire,
        "uncompressed_bytes": raw,
        "gzip_bytes": packed,
        "slow_3g_load_s": round(load_s, 2),
    }


def run() -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server, url = _serve(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(base_url=url)
                page = context.new_page()
                sign_in(page, "patient")
                page.wait_for_url("**/patient")
                paths = _patient_pages(page)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                pages = {path: _measure(page, path) for path in paths}
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    heaviest = max(pages, key=lambda p: pages[p]["gzip_bytes"])
    slowest = max(pages, key=lambda p: pages[p]["slow_3g_load_s"])
    return {
        "profile": {"latency_ms": 400, "down_kbit_s": 400, "up_kbit_s": 400, "cache": "off"},
        "target_gzip_kb": TARGET_KB,
        "pages": pages,
        "max_gzip_bytes": {"page": heaviest, "bytes": pages[heaviest]["gzip_bytes"]},
        "max_uncompressed_bytes": max(p["uncompressed_bytes"] for p in pages.values()),
        "max_transferred_bytes": max(p["transferred_bytes"] for p in pages.values()),
        "max_slow_3g_load_s": {"page": slowest, "s": pages[slowest]["slow_3g_load_s"]},
        "all_under_target": all(p["gzip_bytes"] < TARGET_KB * 1000 for p in pages.values()),
    }


if __name__ == "__main__":
    RESULTS.mkdir(exist_ok=True)
    figures = run()
    (RESULTS / "page_weight.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
