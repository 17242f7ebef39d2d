"""The newsroom's refusals and their messages in both languages."""

from __future__ import annotations

from yunjin.i18n import Refusal, register

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (en, zh-CN)
    "newsroom_other_tenant": (
        "You hold no role in media centre {tenant} that reaches this.",
        "您在融媒体中心 {tenant} 没有相应的岗位。",
    ),
    "newsroom_wrong_state": (
        "{action} is not possible while the story is {state_en}.",
        "稿件处于“{state_zh}”状态，不能执行 {action}。",
    ),
    "newsroom_role_forbidden": (
        "Your roles in {tenant} do not allow {action}.",
        "您在 {tenant} 的岗位无权执行 {action}。",
    ),
    "newsroom_own_story": (
        "You cannot approve your own story.",
        "不能审核自己撰写的稿件。",
    ),
    "newsroom_already_approved": (
        "You already approved this at another level; someone else must review it.",
        "您已在其他审级审核过该稿件，本级须由他人审核。",
    ),
    "newsroom_not_author": (
        "Only the author may change or submit this draft.",
        "只有作者本人可以修改或提交该草稿。",
    ),
    "newsroom_comment_required": (
        "{action} needs a comment saying why.",
        "执行 {action} 须填写理由。",
    ),
    "newsroom_bad_publish_at": (
        "The publication time must be in the future.",
        "定时发布时间必须晚于当前时间。",
    ),
    "newsroom_not_due": (
        "The story is scheduled for later.",
        "该稿件尚未到定时发布时间。",
    ),
    "newsroom_bad_kind": (
        "Unknown story type {kind!r}: use news, notice, service or live_event.",
        "稿件类型 {kind!r} 无效：应为 news（新闻）、notice（政务公告）、service（便民服务）"
        "或 live_event（直播活动）。",
    ),
    "newsroom_title_empty": ("A story needs a title.", "稿件必须有标题。"),
    "newsroom_text_too_long": (
        "{field} is longer than {limit} characters.",
        "{field} 超过 {limit} 个字符。",
    ),
    "newsroom_plain_text_markup": (
        "{field} is plain text: it may not contain < or >.",
        "{field} 为纯文本，不能包含 < 或 >。",
    ),
    "newsroom_bad_url": (
        "Bad address {url!r} in {field}: use http(s):// or a path from /.",
        "{field} 中的地址 {url!r} 无效：应以 http(s):// 或 / 开头。",
    ),
    "newsroom_too_many_images": (
        "A story has at most {limit} images.",
        "一篇稿件最多 {limit} 张图片。",
    ),
    "newsroom_bad_asset_code": (
        "Bad video asset code {value!r}: 1 to 16 lowercase letters, digits, '_' or '-'.",
        "视频资源编码 {value!r} 无效：应为 1 至 16 个小写字母、数字、“_”或“-”。",
    ),
    "newsroom_video_not_allowed": (
        "Only news stories carry a video.",
        "只有新闻稿件可以附带视频。",
    ),
    "newsroom_detail_missing": (
        "A {kind} needs {field}.",
        "{kind} 类稿件必须填写 {field}。",
    ),
    "newsroom_detail_unknown": (
        "A {kind} has no field {field}.",
        "{kind} 类稿件没有 {field} 字段。",
    ),
    "newsroom_bad_detail": (
        "Bad {field}: {reason}.",
        "{field} 无效：{reason}。",
    ),
    "newsroom_bad_category": (
        "Unknown service category {category!r}; use one of {choices}.",
        "便民服务类别 {category!r} 无效，可选：{choices}。",
    ),
    "newsroom_bad_window": (
        "{field}: the end must come after the start.",
        "{field}：结束时间必须晚于开始时间。",
    ),
    "newsroom_channel_not_found": (
        "No live channel {channel}.",
        "直播频道 {channel} 不存在。",
    ),
    "newsroom_event_channel_or_source": (
        "A live event names either a channel of the lineup (its tvg-id) or a source for a "
        "temporary channel of its own — one of the two.",
        "直播活动须填写频道（tvg-id）或信号源（用于临时频道）中的一项，且只能填一项。",
    ),
    "newsroom_bad_source": (
        "Cannot record from {source}: {reason}. Use udp://, srt://, rtmp://, "
        "http(s)://…m3u8 or testsrc:.",
        "无法从信号源 {source} 录制（{reason}）。请使用 udp://、srt://、rtmp://、"
        "http(s)://…m3u8 或 testsrc:。",
    ),
    "newsroom_event_channel_taken": (
        "The channel {channel} or its number {number} is already used by another channel.",
        "频道 {channel} 或频道号 {number} 已被其他频道占用。",
    ),
    "newsroom_region_not_found": (
        "No GB/T 2260 region {region}.",
        "行政区划代码 {region} 不存在。",
    ),
    "newsroom_tenant_exists": (
        "Media centre {tenant} already exists.",
        "融媒体中心 {tenant} 已存在。",
    ),
    "newsroom_tenant_not_found": (
        "No media centre {tenant}.",
        "融媒体中心 {tenant} 不存在。",
    ),
    "newsroom_parent_tenant_missing": (
        "Add the media centre of {parent} first: centres form a tree.",
        "请先添加上级 {parent} 的融媒体中心。",
    ),
    "newsroom_bad_levels": (
        "Review levels are 1, 2 or 3, not {levels}.",
        "审核级数应为 1、2 或 3，而不是 {levels}。",
    ),
    "newsroom_bad_role": (
        "Unknown role {role!r}; use reporter, editor, desk_head, chief_editor or admin.",
        "岗位 {role!r} 无效：应为 reporter、editor、desk_head、chief_editor 或 admin。",
    ),
    "newsroom_bad_username": (
        "A username is 3–64 letters, digits, '.', '_' or '-'.",
        "用户名应为 3 至 64 个字母、数字、“.”、“_”或“-”。",
    ),
    "newsroom_weak_password": (
        "A staff password has at least 10 characters.",
        "员工密码至少 10 个字符。",
    ),
    "newsroom_staff_not_found": ("No staff member {username}.", "员工 {username} 不存在。"),
    "newsroom_password_required": (
        "A new staff member needs a password.",
        "新员工必须设置密码。",
    ),
    "newsroom_login_required": (
        "Log in as newsroom staff.",
        "请以融媒体中心员工身份登录。",
    ),
    "newsroom_story_not_found": ("No story {story}.", "稿件 {story} 不存在。"),
    "newsroom_zone_not_found": ("No zone {zone}.", "专区 {zone} 不存在。"),
    "newsroom_zone_not_above": (
        "Zone {zone} is not above media centre {tenant}: recommend upward only.",
        "专区 {zone} 不是融媒体中心 {tenant} 的上级：只能向上推荐。",
    ),
    "newsroom_recommendation_exists": (
        "Story {story} is already recommended to zone {zone}.",
        "稿件 {story} 已推荐至专区 {zone}。",
    ),
    "newsroom_recommendation_not_found": (
        "No recommendation {recommendation}.",
        "推荐 {recommendation} 不存在。",
    ),
    "newsroom_recommendation_closed": (
        "Recommendation {recommendation} was already {state}.",
        "推荐 {recommendation} 已处理（{state}）。",
    ),
    "newsroom_bad_review": (
        "A recommendation is approved or rejected, not {verdict!r}.",
        "推荐只能通过（approve）或退回（reject），不能为 {verdict!r}。",
    ),
    "newsroom_unknown_action": (
        "Unknown action {action!r}; use one of {choices}.",
        "操作 {action!r} 无效，可选：{choices}。",
    ),
    "newsroom_topic_not_found": ("No topic {topic}.", "选题 {topic} 不存在。"),
    "newsroom_not_staff_of_tenant": (
        "{username} holds no role in media centre {tenant}.",
        "{username} 在融媒体中心 {tenant} 没有岗位。",
    ),
}
register(MESSAGES)


class NewsroomError(Refusal, ValueError):
    """A newsroom action refused; ``code`` names the message, ``values`` fill it."""
