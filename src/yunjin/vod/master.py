"""A VOD master playlist as each viewer may see it (pure).

The transcoder writes one master playlist per asset with every rendition (RFC 8216 §4.3.4).
A viewer without the 4K right, or on a device that cannot show 4K, gets it without the
renditions above 1080p; everyone gets the H.264 renditions first, since many players start
with the first variant listed and not every player decodes HEVC (§4.3.4.2: a client picks
among variants, the order is the server's advice).

A rendition ("rung") is named ``{short side}p-{codec}`` by the ladder (``vod/ladder.py``); a
rung whose picture's short side is above 1080 is a 4K rung, by its ``RESOLUTION`` in the
master and by its name on the way to its segments. The edge (``delivery/nginx.py``) uses the
same name pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# heights above 1080: 1081–1099, 1100–1999, 2000–9999
UHD_RUNG: Final = r"(?:108[1-9]|109[0-9]|1[1-9][0-9]{2}|[2-9][0-9]{3})p-[a-z0-9]{1,16}"
RUNG: Final = r"[0-9]{3,4}p-[a-z0-9]{1,16}"
_UHD_RUNG = re.compile(rf"^{UHD_RUNG}$")
_RUNG = re.compile(rf"^{RUNG}$")
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
MAX_HD_HEIGHT: Final = 1080


def is_rung(name: str) -> bool:
    return bool(_RUNG.match(name))


def is_uhd_rung(name: str) -> bool:
    """A 4K rendition's folder: served only under a ``.uhd`` scope."""
    return bool(_UHD_RUNG.match(name))


def attributes(tag_line: str) -> dict[str, str]:
    """The attribute list of a tag (§4.2), quotes removed."""
    _, _, listed = tag_line.partition(":")
    return {key: value.strip('"') for key, value in _ATTRIBUTE.findall(listed)}


@dataclass(frozen=True, slots=True)
class Variant:
    """An ``EXT-X-STREAM-INF`` tag and the URI line after it (§4.3.4.2)."""

    tag: str
    uri: str

    @property
    def short_side(self) -> int:
        return _short_side(attributes(self.tag).get("RESOLUTION", ""))

    @property
    def h264(self) -> bool:
        return any(c.strip().startswith("avc1") for c in self.codecs)

    @property
    def codecs(self) -> tuple[str, ...]:
        listed = attributes(self.tag).get("CODECS", "")
        return tuple(c.strip() for c in listed.split(",") if c.strip())

    @property
    def uhd(self) -> bool:
        return self.short_side > MAX_HD_HEIGHT or is_uhd_rung(self.uri.split("/", 1)[0])


@dataclass(frozen=True, slots=True)
class MasterPlaylist:
    """The lines before the first variant, the variants, and the other lines after it
    (I-frame streams, session data …), each kept as written."""

    head: tuple[str, ...]
    variants: tuple[Variant, ...]
    tail: tuple[str, ...] = ()


def parse_master(text: str) -> MasterPlaylist:
    """Split a master playlist into its parts; lines are kept verbatim."""
    lines = [line.rstrip("\r") for line in text.splitlines() if line.strip()]
    head: list[str] = []
    variants: list[Variant] = []
    tail: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#EXT-X-STREAM-INF:") and index + 1 < len(lines):
            variants.append(Variant(line, lines[index + 1]))
            index += 2
            continue
        (tail if variants else head).append(line)
        index += 1
    return MasterPlaylist(tuple(head), tuple(variants), tuple(tail))


def render_master(playlist: MasterPlaylist) -> str:
    lines: list[str] = list(playlist.head)
    for variant in playlist.variants:
        lines += [variant.tag, variant.uri]
    lines += playlist.tail
    return "\n".join(lines) + "\n"


def for_viewer(playlist: MasterPlaylist, uhd: bool) -> MasterPlaylist:
    """The variants this viewer may have, H.264 first; otherwise in the transcoder's order.

    I-frame playlists (``EXT-X-I-FRAME-STREAM-INF``) of 4K rungs go too.
    """
    kept = [v for v in playlist.variants if uhd or not v.uhd]
    ordered = [v for v in kept if v.h264] + [v for v in kept if not v.h264]
    tail = tuple(line for line in playlist.tail if uhd or not _uhd_iframes(line))
    return MasterPlaylist(playlist.head, tuple(ordered), tail)


def _uhd_iframes(line: str) -> bool:
    if not line.startswith("#EXT-X-I-FRAME-STREAM-INF:"):
        return False
    listed = attributes(line)
    folder = listed.get("URI", "").split("/", 1)[0]
    return _short_side(listed.get("RESOLUTION", "")) > MAX_HD_HEIGHT or is_uhd_rung(folder)


def _short_side(resolution: str) -> int:
    width, _, height = resolution.partition("x")
    if not (width.isdigit() and height.isdigit()):
        return 0
    return min(int(width), int(height))


def filter_master(text: str, uhd: bool) -> str:
    """``text`` as this viewer may see it (see :func:`for_viewer`)."""
    return render_master(for_viewer(parse_master(text), uhd))


def best_h264(playlist: MasterPlaylist, uhd: bool = False) -> Variant | None:
    """The H.264 variant with the highest ``BANDWIDTH`` this viewer may have: what a client
    that takes one continuous stream (an Xtream app's ``.ts``) gets."""
    allowed = [v for v in for_viewer(playlist, uhd).variants if v.h264]
    return max(allowed, key=lambda v: _bandwidth(v.tag), default=None)


def _bandwidth(tag_line: str) -> int:
    value = attributes(tag_line).get("BANDWIDTH", "0")
    return int(value) if value.isdigit() else 0
