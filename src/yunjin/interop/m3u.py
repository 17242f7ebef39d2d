"""The channel list as extended M3U, with the catch-up attributes each client family reads.

Modes follow Kodi IPTV Simple's catch-up modes, plus ``playseek``, the convention
of Chinese operators' IPTV (catch-up asked for on the live URL in local time).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from yunjin.live.channels import ChannelView


class CatchupMode(enum.StrEnum):
    DEFAULT = "default"  # full archive URL template with {utc} and {duration}
    APPEND = "append"  # a query appended to the live URL: ?utc={utc}&duration={duration}
    SHIFT = "shift"  # SIPTV: the client appends ?utc={utc}&lutc={lutc} itself
    FLUSSONIC = "flussonic"  # the client derives archive-{utc}-{duration}.m3u8 itself
    PLAYSEEK = "playseek"  # ?playseek=begin-end in local time, announced as append
    XC = "xc"  # Xtream-Codes stream URLs; the client derives /timeshift/… itself


@dataclass(frozen=True, slots=True)
class M3uOptions:
    base_url: str
    mode: CatchupMode = CatchupMode.DEFAULT
    xmltv_url: str | None = None
    xtream: tuple[str, str, str] | None = None  # username, password, extension (ts or m3u8)


def _attribute(value: str) -> str:
    """Attribute values cannot hold double quotes or line breaks in M3U."""
    return value.replace('"', "'").replace("\r", " ").replace("\n", " ")


def catchup_attributes(channel: ChannelView, options: M3uOptions) -> list[tuple[str, str]]:
    if channel.catchup_days <= 0:
        return []
    hls = f"{options.base_url}/hls/{channel.tvg_id}"
    match options.mode:
        case CatchupMode.DEFAULT:
            pairs = [
                ("catchup", "default"),
                ("catchup-source", f"{hls}/archive-{{utc}}-{{duration}}.m3u8"),
            ]
        case CatchupMode.APPEND:
            pairs = [("catchup", "append"), ("catchup-source", "?utc={utc}&duration={duration}")]
        case CatchupMode.SHIFT:
            pairs = [("catchup", "shift")]
        case CatchupMode.FLUSSONIC:
            pairs = [("catchup", "flussonic")]
        case CatchupMode.XC:
            pairs = [("catchup", "xc")]
        case CatchupMode.PLAYSEEK:
            pairs = [
                ("catchup", "append"),
                ("catchup-source", "?playseek=${(b)yyyyMMddHHmmss}-${(e)yyyyMMddHHmmss}"),
            ]
    return [*pairs, ("catchup-days", str(channel.catchup_days))]


def render_m3u(channels: list[ChannelView], options: M3uOptions) -> str:
    """``#EXTM3U`` with ``x-tvg-url``, then one entry per enabled channel."""
    header = "#EXTM3U"
    if options.xmltv_url:
        header += f' x-tvg-url="{options.xmltv_url}" url-tvg="{options.xmltv_url}"'
    lines = [header]
    for channel in channels:
        if not channel.enabled:
            continue
        pairs = [
            ("tvg-id", channel.tvg_id),
            ("tvg-name", channel.name_zh),
            ("tvg-logo", channel.logo),
            ("tvg-chno", str(channel.number)),
            ("group-title", channel.group),
            *catchup_attributes(channel, options),
        ]
        attributes = " ".join(f'{key}="{_attribute(value)}"' for key, value in pairs)
        title = channel.name_zh.replace(",", " ").replace("\n", " ")
        lines.append(f"#EXTINF:-1 {attributes},{title}")
        lines.append(stream_url(channel, options))
    return "\n".join(lines) + "\n"


def stream_url(channel: ChannelView, options: M3uOptions) -> str:
    if options.xtream is not None:
        user, password, extension = options.xtream
        return f"{options.base_url}/live/{user}/{password}/{channel.number}.{extension}"
    return f"{options.base_url}/hls/{channel.tvg_id}/index.m3u8"
