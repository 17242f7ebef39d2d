"""Subscribers at operator scale, in PostgreSQL.

14 million households and 20 million set-top boxes are generated server-side
(``generate_series``) into a schema of their own and vacuumed, as autovacuum would have
done on a live database; then: set-top-box login latency through the real action (a
session row written and committed per login) in several runs after the relations a login
reads are loaded into the operating system's cache (``pg_prewarm``, as an operator warms
a database after a restart), the gate's latency with a household's rights loaded, and the
cost of signed URLs as the ratio of signed to unsigned live-playlist requests per second
through the app.

Scale with ``YUNJIN_BENCH_HOUSEHOLDS`` (devices are 20/14 of it).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import event, text

from bench.common import BenchResult, median, percentile, ratio
from bench.live_rps import CHANNEL, Target, add_channel, compare, write_archive
from bench.procs import LOOPBACK, BenchError, free_port, yunjin_server
from yunjin.db.engine import Database
from yunjin.delivery.tokens import sign
from yunjin.subscribers.auth import stb_login
from yunjin.subscribers.entitlements import (
    ChannelTraits,
    Grant,
    LivePlay,
    ProductKind,
    Rights,
    Viewer,
    can_play,
)
from yunjin.subscribers.regions import seed_regions, shipped_regions

NAME = "subscribers_scale"
TITLE = "Subscribers at scale: STB login, can_play, signed playlists"
POSTGRES = os.environ.get("YUNJIN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
HOUSEHOLDS = int(os.environ.get("YUNJIN_BENCH_HOUSEHOLDS", "14000000"))
LOGINS = 2000
LOGIN_RUNS = 5
# what a set-top-box login reads and writes (non-HOT updates of a box touch all its indexes)
LOGIN_RELATIONS = (
    "devices",
    "uq_devices_mac",
    "devices_pkey",
    "ix_devices_household_id",
    "households",
    "households_pkey",
    "auth_sessions",
    "auth_sessions_pkey",
    "ix_auth_sessions_household_id",
    "login_attempts",
    "login_attempts_pkey",
)
GATE_CALLS = 200_000
SCHEMA = "yunjin_bench_scale"
SECRET = "bench-secret"  # noqa: S105 - the benchmark server's throwaway token secret


def _populate(households: int) -> float:
    """Fill the schema (once per size); returns the seconds it took, 0 when reused."""
    devices = households * 20 // 14
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    url = POSTGRES.replace("postgresql://", "postgresql+psycopg://") + (
        f"?options=-csearch_path%3D{SCHEMA}"
    )
    db = Database(url)
    with db.session() as session:
        seed_regions(session)
    db.close()
    counties = [r.code for r in shipped_regions() if r.level == "county"]
    with psycopg.connect(
        POSTGRES, autocommit=True, options=f"-csearch_path={SCHEMA}"
    ) as connection:
        present = connection.execute("SELECT count(*) FROM households").fetchone()
        if present is not None and present[0] == households:
            return 0.0
        began = time.monotonic()
        connection.execute("TRUNCATE households, devices, auth_sessions, login_attempts CASCADE")
        connection.execute(
            "INSERT INTO households (id, account, region_code, status, stream_limit, "
            "device_limit, created_at) SELECT g, lpad(g::text, 10, '0'), "
            "(%s::text[])[1 + g %% %s], 'active', 2, 5, now() "
            "FROM generate_series(1, %s) g",
            (counties, len(counties), households),
        )
        connection.execute(
            "INSERT INTO devices (id, household_id, kind, mac, serial, label, uhd, created_at) "
            "SELECT g, 1 + (g - 1) %% %s, 'stb', "
            "upper(regexp_replace(lpad(to_hex(g), 12, '0'), '(..)(?!$)', '\\1:', 'g')), "
            "'SN' || g, 'box', false, now() FROM generate_series(1, %s) g",
            (households, devices),
        )
        connection.execute("SELECT setval('households_id_seq', %s)", (households,))
        connection.execute("SELECT setval('devices_id_seq', %s)", (devices,))
        # set hint bits and the visibility map once, or the first reads of fresh rows write
        connection.execute("VACUUM (FREEZE, ANALYZE) households")
        connection.execute("VACUUM (FREEZE, ANALYZE) devices")
        return time.monotonic() - began


def _warm() -> tuple[float, int]:
    """Read the login's relations into the OS cache; (seconds, bytes)."""
    began = time.monotonic()
    with psycopg.connect(
        POSTGRES, autocommit=True, options=f"-csearch_path={SCHEMA}"
    ) as connection:
        connection.execute(f"CREATE EXTENSION IF NOT EXISTS pg_prewarm SCHEMA {SCHEMA}")
        total = 0
        for relation in LOGIN_RELATIONS:
            connection.execute("SELECT pg_prewarm(%s::regclass, 'read')", (relation,))
            row = connection.execute(
                "SELECT pg_relation_size(%s::regclass)", (relation,)
            ).fetchone()
            total += int(row[0]) if row is not None else 0
    return time.monotonic() - began, total


def _mac(device_id: int) -> str:
    text = f"{device_id:012x}".upper()
    return ":".join(text[i : i + 2] for i in range(0, 12, 2))


def _logins(households: int, seed: int) -> tuple[list[float], float]:
    """Login times of random boxes, and statements sent per login."""
    devices = households * 20 // 14
    url = POSTGRES.replace("postgresql://", "postgresql+psycopg://") + (
        f"?options=-csearch_path%3D{SCHEMA}"
    )
    db = Database(url, migrate_schema=False)
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    timings = []
    pick = random.Random(seed)  # noqa: S311 - seeded: the same logins every run
    for _ in range(LOGINS):
        device = pick.randint(1, devices)
        began = time.perf_counter()
        with db.session() as session:
            stb_login(session, _mac(device), f"SN{device}", None, datetime.now(UTC))
        timings.append(time.perf_counter() - began)
    db.close()
    return timings, statements / LOGINS


def _empty_transactions() -> list[float]:
    """The floor: a pooled session with one trivial statement, committed."""
    url = POSTGRES.replace("postgresql://", "postgresql+psycopg://")
    db = Database(url, migrate_schema=False)
    timings = []
    for _ in range(LOGINS):
        began = time.perf_counter()
        with db.session() as session:
            session.execute(text("SELECT 1"))
        timings.append(time.perf_counter() - began)
    db.close()
    return timings


def _gate() -> list[float]:
    now = 1_795_000_000_000
    rights = Rights(
        1,
        True,
        (
            Grant(
                ProductKind.CHANNELS, frozenset(f"C{i}.cn" for i in range(200)), now - 10**9, None
            ),
            Grant(ProductKind.CATCHUP, frozenset(), now - 10**9, None),
            Grant(ProductKind.PPV, frozenset({"EVENT.cn"}), now - 10**6, now + 10**6),
        ),
    )
    viewer = Viewer(1, uhd=False)
    what = LivePlay(ChannelTraits("C150.cn"))
    timings = []
    for _ in range(GATE_CALLS):
        began = time.perf_counter()
        can_play(rights, viewer, what, now)
        timings.append(time.perf_counter() - began)
    return timings


def _signed_cost(result: BenchResult) -> None:
    with tempfile.TemporaryDirectory(prefix="yunjin-bench-signed-") as temporary:
        data = Path(temporary)
        (data / "yunjin.toml").write_text(
            f'[yunjin]\ntoken_secret = "{SECRET}"\n', encoding="utf-8"
        )
        add_channel(data)
        write_archive(data / "archive", 1_800)
        port = free_port()
        with yunjin_server(data, port, record=False, cpu=0) as server:
            base = f"http://{LOOPBACK}:{port}"
            signed = sign(SECRET, CHANNEL, int(time.time()) + 3600).path
            runs = compare(
                [
                    Target("unsigned", f"{base}/hls/{CHANNEL}/index.m3u8", server.pid),
                    Target("signed", f"{base}{signed}/index.m3u8", server.pid),
                ]
            )
    unsigned = median([r.rps for r in runs["unsigned"]])
    signed_rps = median([r.rps for r in runs["signed"]])
    result.add("live playlist, unsigned", unsigned, "req/s")
    result.add("live playlist, signed /t/", signed_rps, "req/s")
    result.add(
        "ratio signed / unsigned",
        ratio(signed_rps, unsigned),
        "x",
        detail="the cost of token checks",
    )


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    try:
        seconds = _populate(HOUSEHOLDS)
    except psycopg.OperationalError as error:
        raise BenchError(f"PostgreSQL not reachable at {POSTGRES}: {error}") from error
    result.notes.append(
        f"{HOUSEHOLDS:,} households and {HOUSEHOLDS * 20 // 14:,} boxes in PostgreSQL "
        + (f"(generated in {seconds:.0f} s)." if seconds else "(reused from an earlier run).")
    )
    seconds, size = _warm()
    result.notes.append(
        f"pg_prewarm read {size / 2**30:.1f} GiB of the login's relations into the OS cache "
        f"in {seconds:.0f} s (shared_buffers untouched)."
    )
    runs = []
    for run in range(LOGIN_RUNS):
        timings, statements = _logins(HOUSEHOLDS, seed=7 + run)
        logins = [t * 1000 for t in timings]
        runs.append((median(logins), percentile(logins, 0.99), statements))
    p50s, p99s = [r[0] for r in runs], [r[1] for r in runs]
    result.notes.append(
        "login runs p50/p99 ms: " + ", ".join(f"{a:.1f}/{b:.1f}" for a, b, _ in runs)
    )
    result.add("STB login p50", median(p50s), "ms", detail=f"median of {LOGIN_RUNS} runs")
    result.add(
        "STB login p99",
        median(p99s),
        "ms",
        target_max=10.0,
        detail=f"median of {LOGIN_RUNS} runs of {LOGINS} logins of random boxes, each committed",
    )
    result.add("statements per login", runs[0][2], "", detail="besides BEGIN, COMMIT, ping")
    empty = [t * 1000 for t in _empty_transactions()]
    result.add("empty transaction p50", median(empty), "ms", detail="the floor: SELECT 1")
    result.add("empty transaction p99", percentile(empty, 0.99), "ms")
    gate = [t * 1000 for t in _gate()]
    result.add("can_play p50", median(gate), "ms")
    result.add(
        "can_play p99",
        percentile(gate, 0.99),
        "ms",
        target_max=0.2,
        detail=f"{GATE_CALLS:,} calls, rights loaded",
    )
    _signed_cost(result)
    return result
