"""Xtream-Codes-compatible JSON, shaped the way IPTV apps expect it (pure functions)."""

from __future__ import annotations

import base64
import hmac
import zlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from yunjin.epg.guide import GuideEntry
from yunjin.live.channels import ChannelView

ALLOWED_OUTPUT_FORMATS = ["m3u8", "ts"]
NO_EXPIRY_S = 10 * 365 * 86_400


def credentials_match(
    given_user: str, given_password: str, user: str | None, password: str | None
) -> bool:
    """Timing-safe comparison; no configured login means no access."""
    if not user or not password:
        return False
    same_user = hmac.compare_digest(given_user.encode(), user.encode())
    same_password = hmac.compare_digest(given_password.encode(), password.encode())
    return same_user and same_password


def category_id(group: str) -> str:
    """A stable numeric id for a channel group."""
    return str(zlib.crc32(group.encode()) % 1_000_000 + 1)


def _local(ms: int, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(ms / 1000, zone).strftime("%Y-%m-%d %H:%M:%S")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def account(
    username: str, password: str, *, host: str, port: int, timezone: str, now_ms: int
) -> dict[str, Any]:
    zone = ZoneInfo(timezone)
    return {
        "user_info": {
            "username": username,
            "password": password,
            "message": "Yunjin 云锦",
            "auth": 1,
            "status": "Active",
            # no subscriptions yet: the login does not expire; clients want a number
            "exp_date": str(now_ms // 1000 + NO_EXPIRY_S),
            "is_trial": "0",
            "active_cons": "0",
            "created_at": "0",
            "max_connections": "1",
            "allowed_output_formats": ALLOWED_OUTPUT_FORMATS,
        },
        "server_info": {
            "url": host,
            "port": str(port),
            "https_port": "",
            "server_protocol": "http",
            "rtmp_port": "",
            "timezone": timezone,
            "timestamp_now": now_ms // 1000,
            "time_now": _local(now_ms, zone),
        },
    }


def live_categories(channels: list[ChannelView]) -> list[dict[str, Any]]:
    groups = sorted({c.group for c in channels if c.enabled})
    return [
        {"category_id": category_id(g), "category_name": g or "-", "parent_id": 0} for g in groups
    ]


def live_streams(channels: list[ChannelView], category: str | None) -> list[dict[str, Any]]:
    streams = []
    for position, c in enumerate(ch for ch in channels if ch.enabled):
        if category is not None and category_id(c.group) != category:
            continue
        streams.append(
            {
                "num": position + 1,
                "name": c.name_zh,
                "stream_type": "live",
                "stream_id": c.number,
                "stream_icon": c.logo,
                "epg_channel_id": c.tvg_id,
                "added": "0",
                "is_adult": "0",
                "category_id": category_id(c.group),
                "category_ids": [int(category_id(c.group))],
                "custom_sid": "",
                "tv_archive": 1 if c.catchup_days > 0 else 0,
                "direct_source": "",
                "tv_archive_duration": c.catchup_days,
            }
        )
    return streams


def epg_listing(
    entry: GuideEntry, stream_id: int, timezone: str, now_ms: int, has_archive: bool
) -> dict[str, Any]:
    zone = ZoneInfo(timezone)
    return {
        "id": f"{stream_id}-{entry.start_ms // 1000}",
        "epg_id": str(stream_id),
        "title": _b64(entry.title),
        "lang": next(iter(entry.titles), ""),
        "start": _local(entry.start_ms, zone),
        "end": _local(entry.stop_ms, zone),
        "description": _b64(entry.description),
        "channel_id": entry.channel_id,
        "start_timestamp": str(entry.start_ms // 1000),
        "stop_timestamp": str(entry.stop_ms // 1000),
        "now_playing": 1 if entry.start_ms <= now_ms < entry.stop_ms else 0,
        "has_archive": 1 if has_archive else 0,
    }
