"""The pure parts of the portals: event batches, hand-off codes and where the TV is now."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.portal.events import (
    MAX_BATCH,
    BadEvent,
    EventKind,
    PlayMode,
    ReportedEvent,
    check_batch,
)
from yunjin.portal.handoff import (
    CODE_TTL_S,
    LIVE_EDGE_MS,
    STALE_AFTER_MS,
    LastReport,
    make_code,
    read_code,
    resume_point,
)

NOW_MS = 1_795_000_000_000
SECRET = "handoff-test-secret"


def _event(**changes: object) -> ReportedEvent:
    base: dict[str, object] = {
        "kind": EventKind.HEARTBEAT,
        "play_id": "p1",
        "channel": "A.cn",
        "mode": PlayMode.LIVE,
        "at_ms": NOW_MS,
        "position_ms": NOW_MS - 3000,
    }
    base.update(changes)
    return ReportedEvent(**base)  # type: ignore[arg-type]


def test_a_good_batch_passes() -> None:
    check_batch([_event(), _event(kind=EventKind.PLAY_STOP)], {"A.cn"}, NOW_MS)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_event(channel="X.cn"), "unknown channel"),
        (_event(at_ms=NOW_MS + 2 * 86_400_000), "more than a day"),
        (_event(position_ms=NOW_MS - 40 * 86_400_000), "outside any archive"),
        (_event(position_ms=NOW_MS + 3_600_000), "outside any archive"),
        (_event(position_ms=None), "needs a position"),
    ],
)
def test_the_first_bad_event_is_named(bad: ReportedEvent, reason: str) -> None:
    with pytest.raises(BadEvent) as refused:
        check_batch([_event(), bad, _event()], {"A.cn"}, NOW_MS)
    assert refused.value.item == 1
    assert reason in refused.value.reason


def test_oversized_batches_are_refused() -> None:
    with pytest.raises(BadEvent, match="at most"):
        check_batch([_event()] * (MAX_BATCH + 1), {"A.cn"}, NOW_MS)


@given(st.integers(1, 10**9), st.integers(1, 10**9), st.integers(10**9, 2 * 10**9))
def test_codes_round_trip(household: int, device: int, now_s: int) -> None:
    code = make_code(SECRET, household, device, now_s)
    found = read_code(SECRET, code, now_s + CODE_TTL_S)
    assert found is not None
    assert (found.household_id, found.device_id) == (household, device)


def test_forged_expired_and_malformed_codes_are_refused() -> None:
    code = make_code(SECRET, 7, 9, NOW_MS // 1000)
    _household, device, expires, signature = code.split(".")
    assert read_code("another-secret", code, NOW_MS // 1000) is None
    assert read_code(SECRET, f"8.{device}.{expires}.{signature}", NOW_MS // 1000) is None
    assert read_code(SECRET, code, NOW_MS // 1000 + CODE_TTL_S + 1) is None
    assert read_code(SECRET, "../../etc/passwd", NOW_MS // 1000) is None
    assert read_code(SECRET, code + "x", NOW_MS // 1000) is None


def _report(**changes: object) -> LastReport:
    base: dict[str, object] = {
        "kind": EventKind.HEARTBEAT,
        "channel": "A.cn",
        "mode": PlayMode.CATCHUP,
        "at_ms": NOW_MS - 10_000,
        "position_ms": NOW_MS - 86_400_000,
        "programme_start_ms": NOW_MS - 86_400_000 - 60_000,
        "paused": False,
    }
    base.update(changes)
    return LastReport(**base)  # type: ignore[arg-type]


def test_a_playing_tv_has_moved_on_since_its_report() -> None:
    resume = resume_point(_report(), NOW_MS)
    assert resume is not None
    assert resume.mode is PlayMode.CATCHUP
    assert resume.position_ms == NOW_MS - 86_400_000 + 10_000


def test_a_paused_tv_has_not() -> None:
    resume = resume_point(_report(paused=True), NOW_MS)
    assert resume is not None
    assert resume.position_ms == NOW_MS - 86_400_000


def test_near_the_live_edge_the_phone_joins_live_and_behind_it_time_shifts() -> None:
    at_edge = _report(mode=PlayMode.LIVE, position_ms=NOW_MS - 10_000 - LIVE_EDGE_MS // 2)
    live = resume_point(at_edge, NOW_MS)
    assert live is not None
    assert live.mode is PlayMode.LIVE
    assert live.position_ms is None
    paused = _report(mode=PlayMode.LIVE, position_ms=NOW_MS - 60_000, paused=True)
    shifted = resume_point(paused, NOW_MS)
    assert shifted is not None
    assert shifted.mode is PlayMode.TIMESHIFT
    assert shifted.position_ms == NOW_MS - 60_000


def test_stopped_stale_or_silent_tvs_are_not_playing() -> None:
    assert resume_point(None, NOW_MS) is None
    assert resume_point(_report(kind=EventKind.PLAY_STOP), NOW_MS) is None
    assert resume_point(_report(at_ms=NOW_MS - STALE_AFTER_MS - 1), NOW_MS) is None
