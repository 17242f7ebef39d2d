"""The XMLTV export, made once and served many times (issue #12).

Every player of every household fetches ``/xmltv.xml`` (and its ``.gz``, and Xtream's
``xmltv.php``), and each made the whole document again: all channels, the whole archive
window of programmes. :class:`ExportCache` keeps the last document per variant with the
key it was made for — the lineup as listed and a stamp of the guide table — and makes it
again when that key changes or after :data:`TTL_S` (past programmes leave the window as
time passes). It is only a cache, per process: several api nodes each hold their own, and
nothing depends on it. Concurrent requests for a stale document wait for one making.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Final

TTL_S: Final = 60.0
GZIP_LEVEL: Final = 6


@dataclass(frozen=True, slots=True)
class Export:
    """A made document, plain and compressed, with the key it was made for."""

    key: Hashable
    made_at: float
    xml: bytes
    gz: bytes


class ExportCache:
    """The last export per variant (``catchup-id`` or not)."""

    def __init__(self, ttl_s: float = TTL_S, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self.clock = clock
        self.made = 0  # how many documents were made: for tests and the curious
        self._exports: dict[Hashable, Export] = {}
        self._lock = threading.Lock()

    def get(self, variant: Hashable, key: Hashable, make: Callable[[], bytes]) -> Export:
        """The export of ``variant`` for ``key``, made by ``make`` if there is none fresh."""
        with self._lock:
            found = self._exports.get(variant)
            if found is not None and found.key == key and self.clock() - found.made_at < self.ttl_s:
                return found
            xml = make()
            export = Export(key, self.clock(), xml, gzip.compress(xml, compresslevel=GZIP_LEVEL))
            self._exports[variant] = export
            self.made += 1
            return export
