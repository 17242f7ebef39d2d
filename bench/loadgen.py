"""A small HTTP/1.1 keep-alive load generator, used only when wrk is not installed.

    python -m bench.loadgen URL CONNECTIONS SECONDS

Each connection sends GET after GET for SECONDS and the totals are printed as
JSON.  Responses must carry Content-Length (both servers measured do).  Being
Python, it may saturate before a fast server does: wrk is preferred.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(slots=True)
class Tally:
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: int = 0


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one response with a Content-Length body; returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def keep_requesting(
    host: str, port: int, request: bytes, deadline: float, tally: Tally
) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        tally.failures += 1
        return
    try:
        while (sent := time.perf_counter()) < deadline:
            writer.write(request)
            status = await read_response(reader)
            tally.latencies_s.append(time.perf_counter() - sent)
            tally.statuses[status] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        tally.failures += 1
    finally:
        writer.close()


async def load(url: str, connections: int, seconds: float) -> dict[str, float]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii")
    tally = Tally()
    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(
        *(keep_requesting(host, port, request, deadline, tally) for _ in range(connections))
    )
    elapsed = time.perf_counter() - began
    latencies = sorted(tally.latencies_s) or [0.0]
    ok = tally.statuses.get(200, 0)
    return {
        "requests": len(tally.latencies_s),
        "seconds": elapsed,
        "rps": len(tally.latencies_s) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": len(tally.latencies_s) - ok + tally.failures,
    }


def main(arguments: list[str]) -> None:
    url, connections, seconds = arguments[0], int(arguments[1]), float(arguments[2])
    work = load(url, connections, seconds)
    try:
        import uvloop
    except ImportError:
        totals = asyncio.run(work)
    else:
        totals = uvloop.run(work)
    print(json.dumps(totals))


if __name__ == "__main__":
    main(sys.argv[1:])
