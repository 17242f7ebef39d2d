"""The periodic-loop helper, in process with a fake clock: it survives what its work raises,
backs off and recovers, and ends only when cancelled."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.helpers import run_async
from yunjin.periodic import Job, Period, run_every

PERIOD = Period(every_s=2, backoff_max_s=30)


class Clock:
    """A fake clock: ``sleep`` moves time on at once; the ``stop_after``-th wait is cancelled,
    as ``Runtime.stop`` cancels a loop's task while it waits."""

    def __init__(self, stop_after: int) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        self.stop_after = stop_after

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) >= self.stop_after:
            raise asyncio.CancelledError
        self.now += seconds


def _scripted(outcomes: str, clock: Clock, runs: list[float], *, coroutine: bool) -> Job:
    """A job whose rounds work (".") or find the disk full ("x") as ``outcomes`` says, noting
    the clock's time of each round in ``runs``."""

    def round_() -> None:
        runs.append(clock.now)
        if outcomes[len(runs) - 1] == "x":
            raise OSError(28, "No space left on device")

    async def async_round() -> None:
        await asyncio.sleep(0)
        round_()

    return async_round if coroutine else round_


def _run(job: Job, clock: Clock, name: str = "retention") -> None:
    with pytest.raises(asyncio.CancelledError):
        run_async(run_every(name, job, PERIOD, sleep=clock.sleep))


@pytest.mark.parametrize("coroutine", [False, True], ids=["sync", "async"])
def test_failures_back_off_to_the_cap_and_a_success_resets(coroutine: bool) -> None:
    outcomes = ".xxxxx.x.."
    clock = Clock(stop_after=len(outcomes))
    runs: list[float] = []
    _run(_scripted(outcomes, clock, runs, coroutine=coroutine), clock)
    assert clock.waits == [2, 4, 8, 16, 30, 30, 2, 4, 2, 2]
    assert runs == [0, 2, 6, 14, 30, 60, 90, 92, 96, 98]  # every round ran, failed or not


def test_a_failure_is_logged_with_its_traceback_and_so_is_the_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock(stop_after=3)
    runs: list[float] = []
    with caplog.at_level(logging.INFO, logger="yunjin.periodic"):
        _run(_scripted("xx.", clock, runs, coroutine=False), clock)
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failed] == [
        "retention failed (1 in a row); next try in 4 s",
        "retention failed (2 in a row); next try in 8 s",
    ]
    assert all(r.exc_info and isinstance(r.exc_info[1], OSError) for r in failed)
    assert "No space left on device" in caplog.text  # the traceback's last line
    assert "retention works again after 2 failures" in caplog.messages


def test_cancelling_while_the_job_works_ends_the_loop() -> None:
    async def scenario() -> int:
        started = asyncio.Event()
        rounds = 0

        async def slow_round() -> None:
            nonlocal rounds
            rounds += 1
            started.set()
            await asyncio.Event().wait()  # works until cancelled

        task = asyncio.create_task(run_every("guides", slow_round, PERIOD))
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return rounds

    assert run_async(scenario()) == 1


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_what_is_not_an_exception_still_ends_the_loop(error: type[BaseException]) -> None:
    def round_() -> None:
        raise error()

    with pytest.raises(error):
        run_async(run_every("catalog", round_, PERIOD, sleep=Clock(stop_after=9).sleep))


def test_waits_never_overflow_nor_fall_below_the_period() -> None:
    assert PERIOD.wait_after(0) == 2
    assert PERIOD.wait_after(10_000) == 30  # months of failures in a row
    assert Period(every_s=300, backoff_max_s=60).wait_after(3) == 300
    with pytest.raises(ValueError, match="positive"):
        Period(every_s=0, backoff_max_s=30)
