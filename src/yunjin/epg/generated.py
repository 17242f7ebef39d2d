"""A generated bilingual guide for the demo channels: a day back, two days ahead."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from yunjin.epg.xmltv import XmltvChannel, XmltvProgramme, write_xmltv
from yunjin.live.channels import ChannelView

# (zh, en, minutes); a day's schedule cycles through these from 06:00 local time
SHOWS: tuple[tuple[str, str, int], ...] = (
    ("朝闻天下", "Morning News", 60),
    ("天府早报", "Tianfu Morning Report", 30),
    ("四川新闻", "Sichuan News", 30),
    ("纪录片：川西高原", "Documentary: The West Sichuan Plateau", 60),
    ("午间新闻", "Midday News", 30),
    ("熊猫故事", "Panda Stories", 30),
    ("电视剧：锦城往事", "Drama: Tales of the Brocade City", 45),
    ("川剧欣赏", "Sichuan Opera", 45),
    ("美食中国：川菜", "China's Food: Sichuan Cuisine", 30),
    ("新闻联播", "Network News", 30),
    ("天气预报", "Weather Forecast", 10),
    ("焦点访谈", "Focus Report", 20),
    ("黄金剧场", "Prime Time Drama", 90),
    ("晚间新闻", "Late News", 30),
)


def demo_guide(channels: list[ChannelView], now: datetime, timezone: str) -> bytes:
    """XMLTV for ``channels`` from yesterday's 06:00 to three days later, local time."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    first_day = (local - timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    end = first_day + timedelta(days=3)
    programmes: list[XmltvProgramme] = []
    for offset, channel in enumerate(channels):
        moment = first_day
        position = offset  # channels start at different shows
        while moment < end:
            zh, en, minutes = SHOWS[position % len(SHOWS)]
            stop = moment + timedelta(minutes=minutes)
            programmes.append(
                XmltvProgramme(
                    channel=channel.tvg_id,
                    start_ms=int(moment.astimezone(UTC).timestamp()) * 1000,
                    stop_ms=int(stop.astimezone(UTC).timestamp()) * 1000,
                    titles=(("zh", zh), ("en", en)),
                    descriptions=(
                        ("zh", f"{channel.name_zh} · {zh}"),
                        ("en", f"{channel.name_en} · {en}"),
                    ),
                    categories=("demo",),
                )
            )
            moment = stop
            position += 1
    out = io.BytesIO()
    write_xmltv(out, (XmltvChannel(c.tvg_id, (c.name_zh, c.name_en)) for c in channels), programmes)
    return out.getvalue()
