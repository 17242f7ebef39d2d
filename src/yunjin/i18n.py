"""User-facing messages in zh-CN and en, chosen by the request's language."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh-CN", "en"]

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (en, zh-CN); {placeholders} are filled from keyword arguments
    "channel_not_found": ("No channel {channel}.", "频道 {channel} 不存在。"),
    "channel_exists": ("Channel {channel} already exists.", "频道 {channel} 已存在。"),
    "number_taken": ("Channel number {number} is already used.", "频道号 {number} 已被占用。"),
    "bad_time": ("Bad time {value!r}: {reason}.", "时间 {value!r} 无效：{reason}。"),
    "bad_duration": ("Bad duration {value!r}: {reason}.", "时长 {value!r} 无效：{reason}。"),
    "bad_playlist_name": (
        "Unknown playlist {name!r}: use index, timeshift_rel-S, timeshift_abs-UTC, "
        "archive-UTC-DURATION or archive-UTC-now.",
        "未知的播放列表 {name!r}：可用 index、timeshift_rel-秒数、timeshift_abs-UTC、"
        "archive-UTC-时长 或 archive-UTC-now。",
    ),
    "outside_archive": (
        "Not in the archive of {channel}; it holds {available}.",
        "频道 {channel} 的回看存档中没有该时段；可用范围：{available}。",
    ),
    "archive_empty": (
        "Channel {channel} has nothing recorded yet.",
        "频道 {channel} 尚无录制内容。",
    ),
    "segment_not_found": ("No such segment.", "分片不存在。"),
    "token_required": ("A signed URL is required.", "需要带签名的播放地址。"),
    "token_forged": (
        "This link is not valid for this channel or address.",
        "该播放地址对此频道或此设备无效。",
    ),
    "token_expired": ("This link has expired.", "该播放地址已过期。"),
    "tokens_disabled": ("Signed URLs are not configured.", "未配置签名播放地址。"),
    "invalid_request": ("Invalid request: {detail}", "请求无效：{detail}"),
    "not_found": ("Not found.", "未找到。"),
}


def message(code: str, language: Language = "en", **values: object) -> str:
    en, zh = MESSAGES[code]
    return (zh if language == "zh-CN" else en).format(**values)


def both(code: str, **values: object) -> dict[str, str]:
    return {"en": message(code, "en", **values), "zh-CN": message(code, "zh-CN", **values)}


def preferred_language(accept_language: str | None) -> Language:
    """zh-CN when the client prefers any Chinese, else English."""
    if not accept_language:
        return "en"
    first = accept_language.split(",")[0].strip().lower()
    return "zh-CN" if first.startswith("zh") else "en"
