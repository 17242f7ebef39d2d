"""Zap time in the TV portal: key press to the first decoded frame of the next channel.

Six generated channels (640×360, 25 fps, one keyframe per segment, as the demo's) are
recorded by ``yunjin serve``; headless Chromium (Debian's) opens ``/tv`` as a set-top box
and presses CH+ fifty times, waiting each time for the new channel's first frame
(``requestVideoFrameCallback``; the key press time is taken in the page's keydown
handler). Catch-up startup is the same measure for a catch-up request of the last
minutes. Three configurations show what moves it: 2-s segments (the default), 1-s
segments, and 2-s segments without hls.js's first-fragment prefetch.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BenchResult, median, percentile, spread
from bench.procs import BenchError, free_port, http_json, yunjin_command, yunjin_env, yunjin_server

NAME = "zap_time"
TITLE = "TV portal zap time in Chromium (key press → first frame)"

ZAPS = 50
CATCHUPS = 10
DWELL_MS = 600  # a viewer looks at each channel a moment before the next press
CHANNELS = 6
TARGET_P50_MS = 1000.0
TARGET_P95_MS = 1500.0
MAC, SERIAL = "00:11:22:BE:0C:01", "SN-BENCH-1"
CATCHUP_AGO_S = 40
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@dataclass(frozen=True, slots=True)
class Setup:
    label: str
    segment_seconds: int
    hls_config: dict[str, Any]


SETUPS = (
    Setup("2-s segments, prefetch on (default)", 2, {}),
    Setup("1-s segments, prefetch on", 1, {}),
    Setup("2-s segments, prefetch off", 2, {"startFragPrefetch": False}),
)


def _prepare(data: Path, segment_seconds: int) -> None:
    import subprocess

    (data / "yunjin.toml").write_text(
        f'[yunjin]\nsegment_seconds = {segment_seconds}\ntoken_secret = "zap-bench"\n',
        encoding="utf-8",
    )

    def cli(*args: str) -> None:
        subprocess.run(
            [*yunjin_command(), *args, "--data", str(data)],
            env=yunjin_env(data),
            check=True,
            capture_output=True,
        )

    channels = [f"Z{i}.cn" for i in range(1, CHANNELS + 1)]
    for i, tvg in enumerate(channels, 1):
        source = f"testsrc:?size=640x360&rate=25&tone={400 + 40 * i}"
        cli(
            "channel",
            "add",
            "--id",
            tvg,
            "--name",
            f"频道{i}",
            "--number",
            str(i),
            "--source",
            source,
        )
    cli("household", "add", "zap001", "--region", "510104", "--password", "zap-pass-1")
    cli("device", "add", "zap001", "--mac", MAC, "--serial", SERIAL)
    product = ["product", "add", "all", "--name", "全部", "--kind", "channels"]
    for tvg in channels:
        product += ["--channel", tvg]
    cli(*product)
    cli("product", "add", "replay", "--name", "回看", "--kind", "catchup")
    cli("subscription", "add", "zap001", "all")
    cli("subscription", "add", "zap001", "replay")


def _measure(browser: Any, base: str, setup: Setup) -> tuple[list[float], list[float]]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    tuning = json.dumps(json.dumps(setup.hls_config))
    page.add_init_script(f"localStorage.setItem('yunjin.hlsConfig', {tuning})")
    page.goto(f"{base}/tv?mac={MAC}&serial={SERIAL}")
    page.wait_for_function("window.yunjin && window.yunjin.stack()[0] === 'home'", timeout=30_000)
    page.keyboard.press("1")
    page.wait_for_function("window.yunjin.player.stats.zaps.length >= 1", timeout=30_000)
    zaps: list[float] = []
    for _ in range(ZAPS):
        seen = page.evaluate("window.yunjin.player.stats.zaps.length")
        page.wait_for_timeout(DWELL_MS)
        page.keyboard.press("PageUp")
        page.wait_for_function(
            "n => window.yunjin.player.stats.zaps.length > n", arg=seen, timeout=20_000
        )
        zaps.append(float(page.evaluate("window.yunjin.player.stats.zaps.at(-1)")))
    catchups: list[float] = []
    for i in range(CATCHUPS):
        seen = page.evaluate("window.yunjin.player.stats.zaps.length")
        page.wait_for_timeout(DWELL_MS)
        page.evaluate(
            """([channel, start]) => window.yunjin.player.play(
                {channel, mode: 'catchup', start, duration: 30, programmeStart: start * 1000},
                {zapStartedAt: performance.now()})""",
            [f"Z{i % CHANNELS + 1}.cn", int(time.time()) - CATCHUP_AGO_S],
        )
        page.wait_for_function(
            "n => window.yunjin.player.stats.zaps.length > n", arg=seen, timeout=20_000
        )
        catchups.append(float(page.evaluate("window.yunjin.player.stats.zaps.at(-1)")))
    page.evaluate("window.yunjin.player.stop()")
    context.close()
    return zaps, catchups


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        raise BenchError("Debian's chromium is not installed (make bench installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for number, setup in enumerate(SETUPS):
                with tempfile.TemporaryDirectory(prefix="yunjin-zap-") as folder:
                    data = Path(folder)
                    _prepare(data, setup.segment_seconds)
                    port = free_port()
                    with yunjin_server(data, port, record=True):
                        base = f"http://127.0.0.1:{port}"
                        _wait_for_archive(base)
                        zaps, catchups = _measure(browser, base, setup)
                target = number == 0
                result.add(
                    f"zap p50 · {setup.label}",
                    median(zaps),
                    "ms",
                    target_max=TARGET_P50_MS if target else None,
                    detail=spread(zaps, "ms", 0),
                )
                result.add(
                    f"zap p95 · {setup.label}",
                    percentile(zaps, 0.95),
                    "ms",
                    target_max=TARGET_P95_MS if target else None,
                )
                result.add(
                    f"catch-up start p50 / p95 · {setup.label}",
                    median(catchups),
                    "ms",
                    detail=f"p95 {percentile(catchups, 0.95):.0f} ms, n={len(catchups)}",
                )
        finally:
            browser.close()
    result.notes.append(
        f"{ZAPS} CH+ presses {DWELL_MS} ms after each first frame; catch-up: {CATCHUPS} "
        f"requests for 30 s that began {CATCHUP_AGO_S} s ago. Keyframe interval = segment length."
    )
    return result


def _wait_for_archive(base: str) -> None:
    """Every channel recording, with enough archive for the catch-up requests."""
    deadline = time.monotonic() + CATCHUP_AGO_S + 60
    while time.monotonic() < deadline:
        channels = http_json(f"{base}/api/v1/channels")["channels"]
        starts = [c["archive"]["start"] for c in channels]
        if all(s is not None and s <= time.time() - CATCHUP_AGO_S - 5 for s in starts):
            return
        time.sleep(1)
    raise BenchError(f"the channels did not record {CATCHUP_AGO_S + 5} s of archive in time")
