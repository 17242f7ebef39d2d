"""A runtime's periodic loops, in process: each goes on after its work raises."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from tests.helpers import LoopThread, wait_for
from yunjin import runtime as runtime_module
from yunjin.config import load_settings
from yunjin.periodic import Period
from yunjin.runtime import Runtime

FAILURES = 3  # rounds of each loop that raise before its work comes back
QUICK = Period(every_s=0.05, backoff_max_s=0.2)


class Flaky:
    """Work whose first rounds raise ``error``, then do what ``work`` does; counts rounds."""

    def __init__(self, error: Exception, work: Callable[..., Any]) -> None:
        self.error = error
        self.work = work
        self.rounds = 0

    def __call__(self, *args: Any) -> Any:
        self.rounds += 1
        if self.rounds <= FAILURES:
            raise self.error
        return self.work(*args)


def test_every_loop_goes_on_after_its_work_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for period in ("CATALOG_POLL", "RETENTION", "GUIDE_CHECK", "PUBLISH_DUE"):
        monkeypatch.setattr(runtime_module, period, QUICK)
    runtime = Runtime(load_settings(data_dir=tmp_path, record=False, serve_worker=False))
    database_away = OperationalError("SELECT …", {}, Exception("database is locked"))
    flaky = {
        "catalog": Flaky(database_away, runtime.refresh_catalog),
        "retention": Flaky(
            OSError(28, "No space left on device"), runtime.archives.enforce_retention
        ),
        "guides": Flaky(database_away, lambda _db: []),
        "newsroom-publish": Flaky(database_away, runtime.publish_due_stories),
    }
    monkeypatch.setattr(runtime, "refresh_catalog", flaky["catalog"])
    monkeypatch.setattr(runtime.archives, "enforce_retention", flaky["retention"])
    monkeypatch.setattr(runtime_module, "refresh_due_sources", flaky["guides"])
    monkeypatch.setattr(runtime, "publish_due_stories", flaky["newsroom-publish"])
    assert set(flaky) == set(runtime.loops())
    with caplog.at_level(logging.INFO, logger="yunjin.periodic"), LoopThread() as thread:
        thread.run(runtime.start())
        wait_for(
            lambda: all(work.rounds >= FAILURES + 2 for work in flaky.values()),
            20,
            f"every loop to fail {FAILURES} times, then work twice",
        )
        thread.run(runtime.stop())
    for name in flaky:
        assert f"{name} failed (1 in a row); next try in 0.1 s" in caplog.messages
        assert f"{name} works again after {FAILURES} failures" in caplog.messages
    assert "No space left on device" in caplog.text  # with its traceback
