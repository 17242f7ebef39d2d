"""A running Yunjin with a household, a guide and yesterday's evening news in the archive,
and headless Chromium driven by Playwright for the portals."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server, yunjin
from tests.helpers import plant_archive, wait_for
from yunjin.media.ffmpeg import ffmpeg_binary

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"
MAC = "00:11:22:CC:DD:01"
SERIAL = "SN-TV-0001"
ACCOUNT = "hh100"
PASSWORD = "phone-pass-1"
NEWS = ("昨晚新闻", "Last Night's News")
NEWS_LENGTH_S = 180
WAIT_MS = 30_000
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# What the issue asks of Chromium in tests; autoplay is what a set-top box's browser allows.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
FILM = ("xwlb-jx", "新闻联播精选", "News Highlights")  # found by the initials XWLB
FILM_SECONDS = 40
CHANNELS = (
    ("A.cn", "频道一", "One", 1),
    ("N.cn", "新闻频道", "News", 13),
    ("C.cn", "城市", "City", 5),
)


def _stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y%m%d%H%M%S +0000")


def _programme(channel: str, start: int, stop: int, zh: str, en: str) -> str:
    return (
        f'<programme channel="{channel}" start="{_stamp(start)}" stop="{_stamp(stop)}">'
        f'<title lang="zh">{zh}</title><title lang="en">{en}</title></programme>'
    )


def guide_xml(now: int, news_end: int) -> str:
    """Half-hour programmes around now on every channel; around yesterday's news on N.cn."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?><tv>']
    parts += [
        f'<channel id="{tvg}"><display-name>{zh}</display-name></channel>'
        for tvg, zh, *_ in CHANNELS
    ]
    block = now - now % 1800
    for tvg, zh, en, _ in CHANNELS:
        for start in range(block - 4 * 1800, block + 4 * 1800, 1800):
            parts.append(_programme(tvg, start, start + 1800, f"{zh}节目", f"{en} show"))
    news_start = news_end - NEWS_LENGTH_S
    parts.append(_programme("N.cn", news_start - 1800, news_start, "新闻前", "Before the news"))
    parts.append(_programme("N.cn", news_start, news_end, *NEWS))
    parts.append(_programme("N.cn", news_end, news_end + 1800, "新闻后", "After the news"))
    parts.append("</tv>")
    return "".join(parts)


def make_film(path: Path) -> None:
    """A small film with picture and sound, long enough to stop in the middle of."""
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000",
         "-t", str(FILM_SECONDS), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", str(path)],
        check=True,
        timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="session")
def portal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("portal")
    (data / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "portal-test-secret"\nrequire_tokens = true\n', encoding="utf-8"
    )
    now = int(datetime.now(UTC).timestamp())
    news_end = now - 86_400
    since = datetime.fromtimestamp(now - 30 * 86_400, UTC).strftime("%Y-%m-%d")
    for tvg, zh, en, number in CHANNELS:
        yunjin(
            data,
            "channel",
            "add",
            "--id",
            tvg,
            "--name",
            zh,
            "--name-en",
            en,
            "--number",
            str(number),
            "--source",
            SMALL,
        )
    # a film for the VOD screens: ingested now, transcoded by the server's own worker
    make_film(data / "film.mp4")
    code, zh, en = FILM
    yunjin(data, "vod", "ingest", str(data / "film.mp4"), "--title", code, "--title-zh", zh,
           "--title-en", en)  # fmt: skip
    # yesterday's news, whole, with half a minute either side
    plant_archive(data, "N.cn", (news_end + 30) * 1000, NEWS_LENGTH_S + 60)
    (data / "guide.xml").write_text(guide_xml(now, news_end), encoding="utf-8")
    yunjin(data, "epg", "import", str(data / "guide.xml"))
    for args in (
        [
            "household",
            "add",
            ACCOUNT,
            "--region",
            "510104",
            "--password",
            PASSWORD,
            "--pin",
            "1234",
            "--streams",
            "3",
        ],
        ["device", "add", ACCOUNT, "--mac", MAC, "--serial", SERIAL],
        [
            "product",
            "add",
            "basic",
            "--name",
            "基本包",
            "--kind",
            "channels",
            "--channel",
            "A.cn",
            "--channel",
            "N.cn",
            "--channel",
            "C.cn",
        ],
        ["product", "add", "replay", "--name", "回看", "--kind", "catchup"],
        ["subscription", "add", ACCOUNT, "basic", "--from", since],
        ["subscription", "add", ACCOUNT, "replay", "--from", since],
        ["product", "add", "films", "--name", "影视包", "--kind", "vod", "--title", FILM[0]],
        ["subscription", "add", ACCOUNT, "films", "--from", since],
    ):
        yunjin(data, *args)
    running = Server(data).start()
    for tvg, *_ in CHANNELS:
        running.wait_segments(tvg, 8 if tvg != "N.cn" else NEWS_LENGTH_S + 8)
    running.news_end = news_end  # type: ignore[attr-defined]
    wait_for(
        lambda: FILM[0] in running.get("/api/v1/vod/shelves").text, 180, "the film to be transcoded"
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}; make test installs Debian's chromium")
        pytest.skip(f"Chromium is not installed ({CHROMIUM}); make test installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def tv(browser: Any, portal_server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{portal_server.base}/tv?mac={MAC}&serial={SERIAL}")
    page.wait_for_function("window.yunjin && window.yunjin.stack()[0] === 'home'", timeout=WAIT_MS)
    page.wait_for_selector("#row-zones .tile.focused, #row-live .tile.focused")  # home is drawn
    yield page
    page.evaluate("window.yunjin.player.stop()")
    context.close()


@pytest.fixture
def shots() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
