"""Where a channel's stream comes from, the ffmpeg input options that open it, and how a
source is written where people read it (:func:`redact_source`: never its credentials)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from yunjin.media.ffmpeg import TestPattern

# How long a network input may stay silent before ffmpeg gives up (µs).
NETWORK_TIMEOUT_US = 10_000_000
HIDDEN: Final = "***"
# query options of ffmpeg's udp, srt, rtmp and http inputs that hold no secret; the value
# of any other (token, key, passphrase, streamid, sig …) is hidden
PLAIN_OPTIONS: Final = frozenset(
    {
        "fifo_size", "overrun_nonfatal", "timeout", "mode", "latency", "rcvlatency",
        "peerlatency", "pkt_size", "payload_size", "buffer_size", "localaddr", "localport",
        "ttl", "reuse", "sources", "block", "connect_timeout", "maxbw", "transtype",
        "tlpktdrop", "nakreport", "oheadbw", "listen_timeout", "live_start_index",
    }
)  # fmt: skip
_URL_IN_TEXT: Final = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>]+""")


class SourceKind(enum.StrEnum):
    UDP = "udp"
    SRT = "srt"
    RTMP = "rtmp"
    HLS = "hls"
    FILE = "file"
    TESTSRC = "testsrc"


class SourceError(ValueError):
    """A source URL Yunjin cannot record from; the message says why."""


@dataclass(frozen=True, slots=True)
class Source:
    kind: SourceKind
    url: str
    pattern: TestPattern = field(default_factory=TestPattern)

    @property
    def is_generated(self) -> bool:
        return self.kind is SourceKind.TESTSRC

    def input_args(self) -> list[str]:
        """ffmpeg options that open this source (not for generated channels)."""
        match self.kind:
            case SourceKind.UDP:
                return [
                    "-i",
                    _with_query(
                        self.url,
                        fifo_size="1000000",
                        overrun_nonfatal="1",
                        timeout=str(NETWORK_TIMEOUT_US),
                    ),
                ]
            case SourceKind.SRT:
                return ["-i", _with_query(self.url, timeout=str(NETWORK_TIMEOUT_US))]
            case SourceKind.RTMP:
                return ["-rw_timeout", str(NETWORK_TIMEOUT_US), "-i", self.url]
            case SourceKind.HLS:
                return [
                    "-rw_timeout",
                    str(NETWORK_TIMEOUT_US),
                    "-live_start_index",
                    "-1",
                    "-i",
                    self.url,
                ]
            case SourceKind.FILE:
                return ["-re", "-stream_loop", "-1", "-i", self.url]
            case SourceKind.TESTSRC:
                raise SourceError("a generated channel has no input to open")


def parse_source(url: str) -> Source:
    """Check a channel's source URL and say how to open it."""
    text = url.strip()
    if not text:
        raise SourceError("the source URL is empty")
    if text.startswith("testsrc:"):
        return Source(SourceKind.TESTSRC, text, _pattern(text.removeprefix("testsrc:")))
    if text.startswith("/"):
        return _file_source(Path(text))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "file":
        return _file_source(Path(parts.path))
    if scheme in ("udp", "srt", "rtmp", "rtmps"):
        if not parts.hostname or (parts.port is None and scheme != "rtmp" and scheme != "rtmps"):
            raise SourceError(f"{scheme}:// needs a host and a port: {redact_source(text)}")
        kind = {"udp": SourceKind.UDP, "srt": SourceKind.SRT}.get(scheme, SourceKind.RTMP)
        return Source(kind, text)
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise SourceError(f"no host in {redact_source(text)}")
        return Source(SourceKind.HLS, text)
    raise SourceError(
        f"unsupported source {redact_source(text)!r}: use udp://, srt://, rtmp://, "
        "http(s)://…m3u8, a file path or testsrc:"
    )


def _file_source(path: Path) -> Source:
    if not path.is_absolute():
        raise SourceError(f"a file source needs an absolute path: {path}")
    return Source(SourceKind.FILE, str(path))


def _pattern(query: str) -> TestPattern:
    options = dict(parse_qsl(query.lstrip("?")))
    known = {"size", "rate", "tone", "kbps"}
    if unknown := set(options) - known:
        raise SourceError(f"unknown testsrc option(s): {', '.join(sorted(unknown))}")
    try:
        width, height = (int(n) for n in options.get("size", "640x360").split("x"))
        pattern = TestPattern(
            width=width,
            height=height,
            rate=float(options.get("rate", 25)),
            tone_hz=int(options.get("tone", 440)),
            video_kbps=int(options.get("kbps", 500)),
        )
    except ValueError as error:
        raise SourceError(f"bad testsrc options {query!r}: {error}") from error
    if not (16 <= width <= 3840 and 16 <= height <= 2160 and width % 2 == 0 == height % 2):
        raise SourceError(f"testsrc size must be even and at most 3840x2160: {width}x{height}")
    if not (1 <= pattern.rate <= 60 and 20 <= pattern.tone_hz <= 20000):
        raise SourceError("testsrc rate must be 1–60 and tone 20–20000 Hz")
    return pattern


def _with_query(url: str, **defaults: str) -> str:
    parts = urlsplit(url)
    present = dict(parse_qsl(parts.query))
    extra = [f"{key}={value}" for key, value in defaults.items() if key not in present]
    if not extra:
        return url
    separator = "&" if parts.query else "?"
    return url + separator + "&".join(extra)


def redact_source(url: str) -> str:
    """A source URL as a log line, an error or a listing may show it: a password, a lone
    user name (often a token), every query value but :data:`PLAIN_OPTIONS`, an RTMP
    stream key and a fragment are replaced by ``***``; the rest stays for diagnosis."""
    text = url.strip()
    if "://" not in text:
        return text  # a file path or testsrc:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return _scheme_only(text)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    if parts.password is not None:
        netloc = f"{quote(parts.username or '', safe='')}:{HIDDEN}@{netloc}"
    elif parts.username:
        netloc = f"{HIDDEN}@{netloc}"
    elif "@" in parts.netloc:
        netloc = "@" + netloc  # udp://@239.1.1.1:5000, a multicast group to join
    path = parts.path
    if parts.scheme.lower() in ("rtmp", "rtmps") and path.count("/") >= 2:
        path = path[: path.index("/", 1)] + "/" + HIDDEN  # /app/stream-key
    query = "&".join(
        f"{key}={value if key in PLAIN_OPTIONS else HIDDEN}"
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, path, query, HIDDEN if parts.fragment else ""))


def redact_text(text: str) -> str:
    """Free text (an ffmpeg error line, an exception) with every URL in it redacted."""

    def redacted(match: re.Match[str]) -> str:
        found = match.group(0)
        url = found.rstrip(":,.;)]")  # "…index.m3u8: Server returned 403"
        return redact_source(url) + found[len(url) :]

    return _URL_IN_TEXT.sub(redacted, text)


def _scheme_only(text: str) -> str:
    return text.split("://", 1)[0] + "://" + HIDDEN
