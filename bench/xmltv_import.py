"""XMLTV import: a generated guide of about 200 MB (2,700 channels x 7 days) into SQLite.

Measures the whole ``yunjin epg import`` path (parse, match, stage, repair, replace) in a
child process, the peak memory of it and of the processes it parses in, the CPU time of
all, and a bare lxml ``iterparse`` pass over the same file as the baseline.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import CACHE_DIR, BenchResult

NAME = "xmltv_import"
TITLE = "XMLTV import of ~200 MB (2,700 channels x 7 days)"
CHANNELS = 2700
DAYS = 7
PROGRAMME_MINUTES = 30
TITLES = 5_000  # distinct titles; every description is distinct

# VmHWM, not getrusage: Linux carries ru_maxrss over exec from the (large) parent.
_PEAK = """
def peak_rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
"""

# The parsing workers' ru_maxrss is the largest of them (and may include what it inherited
# at fork); as many run at once as reader.WORKERS: an upper bound of their sum.
_IMPORT = (
    _PEAK
    + """
import json, resource, sys, time
from yunjin.db.engine import Database
from yunjin.epg import reader
from yunjin.epg.sources import import_location
db = Database(sys.argv[1])
began = time.monotonic()
cpu_began = time.process_time()
report = import_location(db, sys.argv[2])
seconds = time.monotonic() - began
children = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu_s = time.process_time() - cpu_began + children.ru_utime + children.ru_stime
peak_kb = peak_rss_kb()
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024,
                  "reader_peak_mb": children.ru_maxrss / 1024, "workers": reader.WORKERS,
                  "cpu_s": cpu_s, "stored": report.programmes_stored,
                  "matched": len(report.matched)}))
"""
)

_BARE = (
    _PEAK
    + """
import json, sys, time
from lxml import etree
began = time.monotonic()
cpu_began = time.process_time()
count = 0
for _event, element in etree.iterparse(sys.argv[1], events=("end",), tag="programme"):
    count += 1
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]
seconds = time.monotonic() - began
cpu_s = time.process_time() - cpu_began
peak_kb = peak_rss_kb()
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "cpu_s": cpu_s,
                  "count": count}))
"""
)


def guide_file() -> Path:
    """The generated guide, written once and cached."""
    path = CACHE_DIR / f"guide-{CHANNELS}x{DAYS}-{TITLES}titles.xml"
    if path.is_file():
        return path
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    slots = DAYS * 24 * 60 // PROGRAMME_MINUTES
    partial = path.with_suffix(".part")
    with open(partial, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<tv generator-info-name="bench">\n')
        for number in range(CHANNELS):
            out.write(
                f'<channel id="bench{number}.cn"><display-name>测试频道 {number}'
                f"</display-name><display-name>Bench {number}</display-name></channel>\n"
            )
        for number in range(CHANNELS):
            for slot in range(slots):
                begin = start + timedelta(minutes=slot * PROGRAMME_MINUTES)
                title = (slot * 7 + number * 13) % TITLES  # a pool, as series repeat
                end = begin + timedelta(minutes=PROGRAMME_MINUTES)
                out.write(
                    f'<programme start="{begin:%Y%m%d%H%M%S} +0800" '
                    f'stop="{end:%Y%m%d%H%M%S} +0800" channel="bench{number}.cn">'
                    f'<title lang="zh">节目 {title}：新闻与天气</title>'
                    f'<title lang="en">Programme {title}: news and weather</title>'
                    f'<desc lang="zh">{number} 台第 {slot} 档节目的简介，介绍嘉宾。</desc>'
                    f"<category>News</category></programme>\n"
                )
        out.write("</tv>\n")
    partial.replace(path)
    return path


def _child(code: str, *args: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=900, check=True
    )
    values: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    began = time.monotonic()
    path = guide_file()
    result.notes.append(
        f"Guide {path.stat().st_size / 1e6:.0f} MB "
        f"(generated in {time.monotonic() - began:.0f} s, cached)."
    )
    with tempfile.TemporaryDirectory(prefix="yunjin-bench-epg-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        _add_channels(url)
        imported = _child(_IMPORT, url, str(path))
    bare = _child(_BARE, str(path))
    result.add(
        "import, whole path",
        imported["seconds"],
        "s",
        target_max=60.0,
        detail=f"{imported['stored']:.0f} programmes, {imported['matched']:.0f} channels",
    )
    workers = imported.get("workers", 1)  # the code before parallel parsing did not say
    result.add(
        "import, peak memory (RSS, all processes)",
        imported["peak_mb"] + workers * imported["reader_peak_mb"],
        "MB",
        target_max=500.0,
        detail=(
            f"writer {imported['peak_mb']:.0f} MB + {workers:.0f} x parsing worker "
            f"{imported['reader_peak_mb']:.0f} MB"
        ),
    )
    result.add("import, CPU time (all processes)", imported["cpu_s"], "s")
    result.add(
        "bare lxml iterparse pass",
        bare["seconds"],
        "s",
        detail=(
            f"{bare['count']:.0f} programmes, CPU {bare['cpu_s']:.1f} s, "
            f"peak {bare['peak_mb']:.0f} MB"
        ),
    )
    result.add(
        "ratio import / bare iterparse", imported["seconds"] / bare["seconds"], "x", target_max=3.0
    )
    return result


def _add_channels(url: str) -> None:
    from yunjin.db.engine import Database
    from yunjin.live.channels import ChannelSpec, add_channel

    db = Database(url)
    with db.session() as session:
        for number in range(CHANNELS):
            add_channel(
                session,
                ChannelSpec(
                    tvg_id=f"bench{number}.cn",
                    number=number + 1,
                    name_zh=f"测试频道 {number}",
                    name_en=f"Bench {number}",
                    source="testsrc:",
                ),
            )
    db.close()
