"""User-facing messages in zh-CN and en, chosen by the request's language."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh-CN", "en"]

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (en, zh-CN); {placeholders} are filled from keyword arguments
    "portal_assets_missing": (
        "The portal's front-end files are missing: run `make setup` (it needs Node.js and npm).",
        "门户的前端文件缺失：请运行 `make setup`（需要 Node.js 和 npm）。",
    ),
    "bad_event": (
        "Viewing event {item} refused: {reason}. Nothing of this batch was kept.",
        "第 {item} 条收视事件被拒绝：{reason}。本批事件均未保存。",
    ),
    "handoff_invalid": (
        "This QR code is not valid or has expired; show it again on the TV.",
        "该二维码无效或已过期，请在电视上重新显示。",
    ),
    "handoff_other_household": (
        "This QR code belongs to another household's TV.",
        "该二维码属于其他家庭的电视。",
    ),
    "pin_wrong": ("The current parental PIN is wrong.", "原家长锁密码不正确。"),
    "bad_pin": ("A parental PIN is 4 to 8 digits.", "家长锁密码应为 4 至 8 位数字。"),
    "household_not_found": ("No such household.", "该家庭账户不存在。"),
    "handoff_not_playing": (
        "The TV is not playing anything right now.",
        "电视当前没有在播放节目。",
    ),
    "channel_not_found": ("No channel {channel}.", "频道 {channel} 不存在。"),
    "channel_exists": ("Channel {channel} already exists.", "频道 {channel} 已存在。"),
    "number_taken": ("Channel number {number} is already used.", "频道号 {number} 已被占用。"),
    "bad_time": ("Bad time {value!r}: {reason}.", "时间 {value!r} 无效：{reason}。"),
    "bad_duration": ("Bad duration {value!r}: {reason}.", "时长 {value!r} 无效：{reason}。"),
    # hostile input (#12)
    "body_too_large": (
        "The request body is larger than {limit}, the most this address takes.",
        "请求内容超过 {limit}，此地址最多接收这么多。",
    ),
    "media_container_refused": (
        "{name} is {found}; only {allowed} files are accepted.",
        "{name} 是{found_zh}；只接受 {allowed_zh} 文件。",
    ),
    "media_check_limit": (
        "{name} could not be checked within the {limit} a file is given; it is refused.",
        "{name} 未能在规定的{limit_zh}内完成检查，已拒收。",
    ),
    "media_check_failed": (
        "{name} could not be checked: {detail}.",
        "无法检查 {name}：{detail}。",
    ),
    "source_not_public": (
        "The source {source} reaches {address}, {kind}: a live event records only from "
        "public addresses unless the operator allows that network.",
        "信号源 {source} 指向 {address}（{kind_zh}）：除非运营方在配置中放行该网段，"
        "直播活动只能从公网地址录制。",
    ),
    "source_unresolvable": (
        "The host of the source {source} cannot be resolved: {reason}.",
        "无法解析信号源 {source} 的主机名：{reason}。",
    ),
    "epg_query_too_short": (
        "Search with at least {minimum} letters or characters.",
        "请至少输入 {minimum} 个字再搜索。",
    ),
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
    # credentials and throttling (#12)
    "pin_locked": (
        "Too many wrong parental PINs; try again in {retry_after_s} s.",
        "家长密码错误次数过多，请 {retry_after_s} 秒后再试。",
    ),
    "credentials_busy": (
        "The server is busy checking logins; try again in a moment.",
        "服务器正忙于验证登录，请稍后再试。",
    ),
    "password_wrong": ("The current password is wrong.", "当前密码不正确。"),
    "password_too_short": (
        "A password has at least 8 characters.",
        "密码至少需要 8 个字符。",
    ),
    "admin_not_found": ("No such administrator.", "该管理员不存在。"),
    "newsroom_invitation_not_found": ("No such invitation.", "该邀请不存在。"),
    "newsroom_invitation_closed": (
        "This invitation has been answered or has expired.",
        "该邀请已答复或已过期。",
    ),
    # what a signed URL opens (#12, ADR 0029)
    "outside_grant": (
        "This link does not open that part of channel {channel}: ask to play it again.",
        "该播放地址不包含频道 {channel} 的这一时段或播放方式，请重新申请播放。",
    ),
    "window_too_long": (
        "A playlist may span at most {maximum} seconds of the archive, not {seconds}.",
        "播放列表最多涵盖 {maximum} 秒的回看存档，而不是 {seconds} 秒。",
    ),
    "login_failed": ("Login failed.", "登录失败。"),
    "login_locked": (
        "Too many failed logins; try again in {retry_after_s} s.",
        "登录失败次数过多，请 {retry_after_s} 秒后再试。",
    ),
    "not_logged_in": ("Please log in.", "请先登录。"),
    "household_suspended": ("This account is suspended.", "该账户已停机。"),
    "not_subscribed": (
        "Channel {channel} is not in your packages.",
        "您订购的套餐不包含频道 {channel}。",
    ),
    "not_entitled_at_broadcast": (
        "You were not subscribed to {channel} when this was broadcast.",
        "该节目播出时您尚未订购频道 {channel}。",
    ),
    "no_catchup_right": ("Catch-up is not in your packages.", "您的套餐不含回看功能。"),
    "uhd_product_required": ("4K needs the 4K package.", "观看 4K 需要订购 4K 套餐。"),
    "device_not_uhd": ("This device cannot play 4K.", "此设备不支持 4K。"),
    "parental_pin_required": ("Enter the parental PIN to watch this.", "请输入家长密码后观看。"),
    "stream_limit": (
        "Your household may watch on {limit} screens at once; in use: {holders}.",
        "您的家庭最多可同时在 {limit} 个屏幕观看；正在使用：{holders}。",
    ),
    "lease_lost": ("This playback has ended; start it again.", "本次播放已结束，请重新开始。"),
    "device_limit": ("Your household has reached its device limit.", "您的家庭设备数量已达上限。"),
    "admin_required": ("Log in as an administrator.", "请以管理员身份登录。"),
    "role_forbidden": ("Your role ({role}) may not do this.", "您的角色（{role}）无权执行此操作。"),
    "vod_bad_code": (
        "Bad code {value!r}: use 1 to 64 lowercase letters, digits, '_' or '-'.",
        "编码 {value!r} 无效：应为 1 至 64 个小写字母、数字、“_”或“-”。",
    ),
    "vod_title_empty": ("A title needs a Chinese name.", "片目必须有中文名称。"),
    "vod_episode_empty": ("An episode needs a Chinese name.", "剧集的每一集必须有中文名称。"),
    "vod_category_empty": ("A category needs a Chinese name.", "分类必须有中文名称。"),
    "vod_name_too_long": (
        "The name {name!r} is longer than {limit} characters.",
        "名称 {name!r} 超过 {limit} 个字符。",
    ),
    "vod_bad_year": (
        "Bad year {year}: it must be between {first} and {last}.",
        "年份 {year} 无效：应在 {first} 至 {last} 之间。",
    ),
    "vod_bad_season_number": (
        "Bad season number {number}: it must be between 1 and {limit}.",
        "季号 {number} 无效：应在 1 至 {limit} 之间。",
    ),
    "vod_bad_episode_number": (
        "Bad episode number {number}: it must be between 1 and {limit}.",
        "集号 {number} 无效：应在 1 至 {limit} 之间。",
    ),
    "vod_bad_kind": (
        "Bad title type {kind!r}: use movie or series.",
        "片目类型 {kind!r} 无效：应为 movie（电影）或 series（剧集）。",
    ),
    "vod_bad_age_rating": (
        "Bad age rating {age}: it must be between 0 and {limit}.",
        "年龄分级 {age} 无效：应在 0 至 {limit} 之间。",
    ),
    "vod_bad_poster": (
        "Bad poster URL {url!r}: use http(s):// or a path from /.",
        "海报地址 {url!r} 无效：应以 http(s):// 或 / 开头。",
    ),
    "vod_bad_duration": (
        "Bad duration {seconds} s: it must be positive.",
        "时长 {seconds} 秒无效：应大于零。",
    ),
    "vod_duplicate_category": (
        "Title {title} lists a category twice.",
        "片目 {title} 重复列出了同一分类。",
    ),
    "vod_title_exists": ("Title {title} already exists.", "片目 {title} 已存在。"),
    "vod_title_not_found": ("No title {title}.", "片目 {title} 不存在。"),
    "vod_category_exists": ("Category {category} already exists.", "分类 {category} 已存在。"),
    "vod_category_not_found": ("No category {category}.", "分类 {category} 不存在。"),
    "vod_not_a_series": (
        "Title {title} is a movie: it has no seasons or episodes.",
        "片目 {title} 是电影，没有季和集。",
    ),
    "vod_season_exists": (
        "Title {title} already has season {season}.",
        "片目 {title} 已有第 {season} 季。",
    ),
    "vod_season_not_found": (
        "Title {title} has no season {season}.",
        "片目 {title} 没有第 {season} 季。",
    ),
    "vod_episode_exists": (
        "Title {title} already has episode {episode} in season {season}.",
        "片目 {title} 第 {season} 季已有第 {episode} 集。",
    ),
    "vod_query_empty": (
        "The search has no letters or characters to look for.",
        "搜索内容中没有可查找的文字。",
    ),
    "account_error": ("{detail}", "{detail}"),
    "invalid_request": ("Invalid request: {detail}", "请求无效：{detail}"),
    "not_found": ("Not found.", "未找到。"),
}


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add an area's own messages (kept beside its code); a code may be defined only once."""
    clash = MESSAGES.keys() & messages.keys()
    if clash:
        raise ValueError(f"message codes defined twice: {sorted(clash)}")
    MESSAGES.update(messages)


def message(code: str, language: Language = "en", **values: object) -> str:
    en, zh = MESSAGES[code]
    return (zh if language == "zh-CN" else en).format(**values)


def both(code: str, **values: object) -> dict[str, str]:
    return {"en": message(code, "en", **values), "zh-CN": message(code, "zh-CN", **values)}


class Refusal(Exception):
    """An error worded by a message code: ``code`` names it, ``values`` fill it, ``str()`` is
    the English and :meth:`messages` gives both languages. Areas subclass it with their own
    base (``class ProbeError(Refusal, ValueError)``)."""

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.values = values
        super().__init__(message(code, "en", **values))

    def messages(self) -> dict[str, str]:
        return both(self.code, **self.values)


def preferred_language(accept_language: str | None) -> Language:
    """zh-CN when the client prefers any Chinese, else English."""
    if not accept_language:
        return "en"
    first = accept_language.split(",")[0].strip().lower()
    return "zh-CN" if first.startswith("zh") else "en"
