"""The consumer: threads that run queued transcodes, and one that keeps house.

``yunjin worker`` runs one with N threads; ``yunjin serve`` runs one thread of its own unless
``serve_worker`` is off. Housekeeping, in every consumer: the reclaim of dead workers' jobs
(every third of ``vod_job_stale_s``), the watch folder (every few seconds) and the purge of
stale uploads (every minute). Each is safe to run in many processes at once.

Stopping (SIGTERM, or ``serve`` shutting down) makes running transcodes stop their ffmpeg and
hand their jobs back to the queue for another worker.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Final

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.vod.assets import QueueUnavailable
from yunjin.vod.jobs import HueyQueue, reclaim
from yunjin.vod.uploads import purge_stale
from yunjin.vod.watch import STABLE_S, WatchFolder

log = logging.getLogger(__name__)

IDLE_WAIT_S: Final = (0.1, 1.0)  # polling an empty SQLite queue: first and longest wait
SCAN_EVERY_S: Final = 2.0
PURGE_EVERY_S: Final = 60.0


class Consumer:
    """Runs the tasks of a :class:`HueyQueue` in threads, and the housekeeping."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        queue: HueyQueue,
        *,
        workers: int = 1,
        ffmpeg_threads: int | None = None,
        housekeeping: bool = True,
        scan_every_s: float = SCAN_EVERY_S,
        watch_stable_s: float = STABLE_S,
    ) -> None:
        self.settings = settings
        self.db = db
        self.queue = queue
        self.workers = max(1, workers)
        self.housekeeping = housekeeping
        self.scan_every_s = scan_every_s
        self.stopping = queue.runner.stopping
        queue.runner.threads = ffmpeg_threads
        self.watch = WatchFolder(settings, db, queue, stable_s=watch_stable_s)
        self._threads: list[threading.Thread] = []
        self._due = {"reclaim": 0.0, "watch": 0.0, "purge": 0.0}

    def start(self) -> None:
        self.stopping.clear()
        for number in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"vod-worker-{number + 1}")
            self._threads.append(thread)
        if self.housekeeping:
            self._threads.append(threading.Thread(target=self._keep_house, name="vod-house"))
        for thread in self._threads:
            thread.daemon = True
            thread.start()
        log.info("VOD consumer: %d worker thread(s) on %s", self.workers, type(self.queue.huey))

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop taking tasks; running transcodes stop and hand their jobs back."""
        self.stopping.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    def _work(self) -> None:
        wait = IDLE_WAIT_S[0]
        while not self.stopping.is_set():
            try:
                task = self.queue.huey.dequeue()
            except (RedisError, sqlite3.Error, OSError) as error:
                log.warning("the task queue does not answer: %s", error)
                self.stopping.wait(IDLE_WAIT_S[1])
                continue
            if task is None:
                if not self.queue.huey.storage.blocking:
                    self.stopping.wait(wait)
                    wait = min(wait * 1.5, IDLE_WAIT_S[1])
                continue
            wait = IDLE_WAIT_S[0]
            self.queue.huey.execute(task)  # huey logs what a task raises

    def _keep_house(self) -> None:
        while not self.stopping.is_set():
            self.housekeep()
            self.stopping.wait(min(self.scan_every_s, self._reclaim_every_s))

    @property
    def _reclaim_every_s(self) -> float:
        return max(1.0, self.settings.vod_job_stale_s / 3)

    def housekeep(self) -> None:
        """One round of whatever housekeeping is due."""
        now = time.monotonic()
        rounds = (
            ("reclaim", self._reclaim_every_s, self._reclaim),
            ("watch", self.scan_every_s, self.watch.scan),
            ("purge", PURGE_EVERY_S, lambda: purge_stale(self.settings, self.db)),
        )
        for name, every, action in rounds:
            if now < self._due[name] or self.stopping.is_set():
                continue
            self._due[name] = now + every
            try:
                action()
            except (SQLAlchemyError, OSError, QueueUnavailable) as error:
                log.warning("VOD housekeeping (%s) failed this round: %s", name, error)

    def _reclaim(self) -> None:
        report = reclaim(self.settings, self.db, self.queue)
        if report.requeued or report.enqueued:
            log.info("reclaim: requeued %s, enqueued %s", report.requeued, report.enqueued)
