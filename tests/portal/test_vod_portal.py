"""VOD in the portals: found by its pinyin initials with the remote, played, stopped, resumed;
the same film on the phone by touch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Server
from tests.portal.conftest import FILM, WAIT_MS
from tests.portal.test_tv import _phone, _phone_login, _press, _screen

KEYBOARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
COLUMNS = 6


def _type_on_screen(page: Any, text: str) -> None:
    """Walk the on-screen keyboard to each letter with the arrows and press OK on it."""
    at = 0
    for letter in text:
        target = KEYBOARD.index(letter)
        rows = target // COLUMNS - at // COLUMNS
        columns = target % COLUMNS - at % COLUMNS
        _press(page, *(["ArrowDown"] * rows if rows > 0 else ["ArrowUp"] * -rows))
        _press(page, *(["ArrowRight"] * columns if columns > 0 else ["ArrowLeft"] * -columns))
        _press(page, "Enter")
        at = target
    page.wait_for_function(
        "t => document.getElementById('vod-query').textContent === t", arg=text, timeout=WAIT_MS
    )


def _film_playing(page: Any, after_s: float = 0.0) -> float:
    """Wait until the film plays past ``after_s`` and its picture moves; the first frame's time."""
    page.wait_for_function(
        """([title, after]) => {
            const p = window.yunjin.player, v = document.getElementById('video');
            return p.current && p.current.title === title && p.mode === 'vod'
                && !v.paused && v.readyState >= 3 && v.currentTime > after + 1;
        }""",
        arg=[FILM[0], after_s],
        timeout=WAIT_MS,
    )
    first = page.evaluate("window.yunjin.player.stats.firstFrames.at(-1)")
    return float(first["at"])


def test_a_film_found_by_its_initials_plays_and_resumes_where_it_stopped(
    tv: Any, portal_server: Server, shots: Path
) -> None:
    _press(tv, "ArrowDown", "ArrowDown", "Enter")  # zones: the first tile is 点播
    tv.wait_for_function("window.yunjin.stack().at(-1) === 'vod'", timeout=WAIT_MS)
    tv.wait_for_selector(f"#vod-rows .tile[data-title='{FILM[0]}']")
    tv.screenshot(path=shots / "tv-vod-shelves.png")
    _press(tv, "Enter")  # the search tile
    tv.wait_for_function("window.yunjin.stack().at(-1) === 'vodSearch'", timeout=WAIT_MS)
    _type_on_screen(tv, "XWLB")
    tv.wait_for_selector(f"#vod-results .result[data-title='{FILM[0]}']")
    tv.screenshot(path=shots / "tv-vod-search.png")
    _press(tv, *["ArrowRight"] * COLUMNS)  # across the keyboard onto the results
    tv.wait_for_selector("#vod-results .result.focused")
    _press(tv, "Enter")
    tv.wait_for_function(
        "t => document.getElementById('vod-detail-title').textContent === t",
        arg=FILM[1],
        timeout=WAIT_MS,
    )
    tv.wait_for_selector("#vod-detail-items .setting.focused")
    tv.screenshot(path=shots / "tv-vod-detail.png")
    _press(tv, "Enter")  # 播放
    assert _film_playing(tv) < 1.0  # from the start
    _press(tv, "ArrowRight", "ArrowRight")  # forward 2 × 10 s
    _film_playing(tv, after_s=20.0)
    tv.screenshot(path=shots / "tv-vod-playing.png")
    position = float(tv.evaluate("document.getElementById('video').currentTime"))
    _press(tv, "Escape")  # stop: back to the title's page, which says where we stopped
    tv.wait_for_function("window.yunjin.stack().at(-1) === 'vodDetail'", timeout=WAIT_MS)
    # 从 0:2x 继续播放: the page below shows where the household stopped
    tv.wait_for_function(
        """() => (document.querySelector('#vod-detail-items .setting.focused')?.textContent || '')
            .startsWith('从 0:2')""",
        timeout=WAIT_MS,
    )
    _press(tv, "Enter")  # resume
    resumed = _film_playing(tv, after_s=position)
    assert abs(resumed - position) < 2.5, (resumed, position)


def test_the_phone_finds_and_plays_the_film_by_touch(
    browser: Any, portal_server: Server, shots: Path
) -> None:
    page = _phone(browser)
    page.goto(f"{portal_server.base}/m")
    _phone_login(page)
    page.click("#tab-vod")
    page.wait_for_selector(f"#vod-shelves button[data-title='{FILM[0]}']")
    page.fill("#vod-query", "xwlb")
    page.click(f"#vod-results li[data-title='{FILM[0]}']")
    page.wait_for_selector("#vod-detail:not([hidden]) #vod-detail-items li")
    assert page.text_content("#vod-detail-title") == FILM[1]
    page.click("#vod-detail-items li:last-child")  # play from the start
    _film_playing(page)
    assert page.text_content("#np-channel") == FILM[1]
    page.screenshot(path=shots / "m-vod-playing.png")
    page.evaluate("window.yunjin.player.stop()")
    page.context.close()


def test_the_vod_screens_say_nothing_matches(tv: Any) -> None:
    _press(tv, "ArrowDown", "ArrowDown", "Enter")
    tv.wait_for_selector("#vod-rows .tile.focused")  # the search tile, once the shelves are in
    _press(tv, "Enter")
    tv.wait_for_function("window.yunjin.stack().at(-1) === 'vodSearch'", timeout=WAIT_MS)
    _type_on_screen(tv, "QQQ")
    tv.wait_for_function(
        "document.querySelector('#vod-results .empty')?.textContent === '没有找到匹配的影片'",
        timeout=WAIT_MS,
    )
    _press(tv, "Escape", "Escape")
    tv.wait_for_function("window.yunjin.stack().at(-1) === 'home'", timeout=WAIT_MS)
    assert _screen(tv) == "home"
