"""The probe of an untrusted file, in the confined child ``vod.sandbox`` starts.

``main([DEMUXER, PATH])``, run by ``python -I -B`` through the launcher, probes ``PATH``
with ``DEMUXER`` pinned (``vod.probe``) and prints one JSON object: ``{"info": …}``
(``MediaInfo.as_json``), ``{"refused": {"code": …, "values": …}}`` (a :class:`ProbeError`),
or ``{"limit": "memory"}`` when the address-space limit stopped it. It writes no file
(``-B``: no bytecode either): the launcher allows it none.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from yunjin.vod.probe import ProbeError, probe
from yunjin.vod.sandbox import Demuxer


def answer(demuxer: Demuxer, path: Path) -> dict[str, Any]:
    try:
        info = probe(path, demuxer=demuxer.value)
    except ProbeError as error:
        if isinstance(error.__cause__, MemoryError):  # av.error.MemoryError is one too
            return {"limit": "memory"}
        return {"refused": {"code": error.code, "values": error.values}}
    except MemoryError:
        return {"limit": "memory"}
    return {"info": info.as_json()}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in set(Demuxer):
        print("usage: probe_child mov|matroska|mpegts PATH", file=sys.stderr)
        return 2
    print(json.dumps(answer(Demuxer(argv[0]), Path(argv[1])), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
