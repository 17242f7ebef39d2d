"""Periodic jobs that outlive their failures: run, wait, run again, whatever a round raises.

The runtime's loops (catalog follow, retention, guide refresh, scheduled publishing) must
not end at their first exception: a full disk or an unreachable guide would otherwise stop
that work, silently, until the next restart. ``run_every`` runs a job, waits its period and
runs it again. A round that raises is logged with its traceback and the next one waits
longer, doubling after each failure in a row up to a cap; a success brings the period back.
Only cancellation (``Runtime.stop``) ends the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# A round of work: a plain function runs on the event loop itself (blocking work belongs in
# an async job that awaits ``asyncio.to_thread``); a coroutine function's result is awaited.
Job = Callable[[], object]
Sleep = Callable[[float], Awaitable[None]]

_MAX_DOUBLINGS = 32  # 2**32 periods is past any cap; a longer run of failures cannot overflow


@dataclass(frozen=True, slots=True)
class Period:
    """How long a loop waits between rounds: ``every_s`` after a success; after failures in a
    row, twice as long per failure, but never more than ``backoff_max_s`` (nor less than
    ``every_s``: a cap below the period leaves the period as it is)."""

    every_s: float
    backoff_max_s: float

    def __post_init__(self) -> None:
        if self.every_s <= 0:
            raise ValueError(f"a period must be positive, not {self.every_s} s")

    def wait_after(self, failures: int) -> float:
        """Seconds to wait after a round that left ``failures`` failures in a row (0: it worked)."""
        if failures <= 0:
            return self.every_s
        backed_off = self.every_s * 2.0 ** min(failures, _MAX_DOUBLINGS)
        return min(backed_off, max(self.backoff_max_s, self.every_s))


async def run_every(name: str, job: Job, period: Period, *, sleep: Sleep = asyncio.sleep) -> None:
    """Run ``job`` now and then after every wait of ``period``, until cancelled; never returns.

    An ``Exception`` from a round is the loop's to survive: it is logged with its traceback
    under ``name`` and the next wait backs off. ``asyncio.CancelledError`` (and the other
    ``BaseException``s: ``KeyboardInterrupt``, ``SystemExit``) is not an ``Exception``, so
    cancelling the task, while it works or while it waits, ends the loop as it should.
    ``sleep`` is for tests, which pass a fake clock's.
    """
    failures = 0
    while True:
        try:
            outcome = job()
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:  # the loop's purpose: log, back off, go on (cancellation passes)
            failures += 1
            wait = period.wait_after(failures)
            log.exception("%s failed (%d in a row); next try in %g s", name, failures, wait)
        else:
            if failures:
                log.info("%s works again after %d failures", name, failures)
            failures = 0
            wait = period.every_s
        await sleep(wait)
