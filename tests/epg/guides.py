"""A generated guide that exercises every path of an import, and what an import stored.

The guide is deterministic: channels before and after their programmes, channels in two
runs (an ungrouped guide), unmatched channels, overlaps, duplicates, missing and open-ended
stops, entries skipped for bad times or no title, several languages, comments, CDATA and
characters that need escaping; long enough to be read in many chunks when chunks are small.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import Text, cast, select

from yunjin.db.engine import Database
from yunjin.db.models import Programme
from yunjin.live.channels import ChannelSpec, add_channel

# ours: tvg-id, number, zh name, en name
OUR_CHANNELS = [(f"G{n}.cn", 100 + n, f"测试{n}台", f"Guide Test {n}") for n in range(12)]
START = datetime(2026, 11, 20, tzinfo=UTC)


def add_our_channels(db: Database) -> None:
    with db.session() as session:
        for tvg_id, number, zh, en in OUR_CHANNELS:
            add_channel(
                session,
                ChannelSpec(
                    tvg_id=tvg_id, number=number, name_zh=zh, name_en=en, source="testsrc:"
                ),
            )


def _time(moment: datetime, rng: random.Random) -> str:
    zone = rng.choice(["+0800", "+0000", "-0130", ""])
    hours = {"+0800": 8, "+0000": 0, "-0130": -1.5, "": 0}[zone]
    local = moment + timedelta(hours=hours)
    return f"{local:%Y%m%d%H%M%S} {zone}".strip()


def _channel(guide_id: str, names: list[str]) -> str:
    shown = "".join(f"<display-name>{escape(name)}</display-name>" for name in names)
    return f"<channel id={quoteattr(guide_id)}>{shown}<icon src='http://i/{guide_id}.png'/></channel>\n"


def _programme(guide_id: str, slot: int, rng: random.Random) -> str:
    begin = START + timedelta(minutes=30 * slot)
    attributes = f"start={quoteattr(_time(begin, rng))} channel={quoteattr(guide_id)}"
    shape = rng.random()
    if shape < 0.85:
        attributes += f" stop={quoteattr(_time(begin + timedelta(minutes=30), rng))}"
    elif shape < 0.9:  # overlaps the next one
        attributes += f" stop={quoteattr(_time(begin + timedelta(minutes=45), rng))}"
    elif shape < 0.92:
        attributes = f"start='yesterday' channel={quoteattr(guide_id)}"
    # else: no stop, it runs until the next one
    number = rng.randrange(40)
    children = [f'<title lang="zh">节目 {number} &amp; 新闻</title>']
    if rng.random() < 0.6:
        children.append(f'<title lang="en">Show {number} &lt;live&gt;</title>')
    if rng.random() < 0.05:
        children = []  # no title: skipped
    if rng.random() < 0.7:
        children.append(f'<desc lang="zh">{guide_id} 第 {slot} 档 "说明"</desc>')
    if rng.random() < 0.2:
        children.append(f"<desc lang='en'><![CDATA[Slot {slot} <b>bold</b>]]></desc>")
    if rng.random() < 0.3:
        children.append("<sub-title>  副标题  </sub-title>")
    children.extend(f"<category>{c}</category>" for c in rng.sample(["News", "Kids", "體育"], 2))
    if rng.random() < 0.2:
        children.append(f"<episode-num system='onscreen'>E{slot}</episode-num>")
    if rng.random() < 0.2:
        children.append(f"<icon src='http://i/{slot}.png'/>")
    if rng.random() < 0.05:
        children.append("<!-- a comment inside -->")
    return f"<programme {attributes}>{''.join(children)}</programme>\n"


def generated_guide(slots: int = 120, seed: int = 7) -> bytes:
    """About 1,500 programmes of 12 guide channels, ten of them ours."""
    rng = random.Random(seed)
    guide_ids = [f"G{n}.cn" for n in range(4)] + ["测试4台", "guide test 5", "g-6.cn"]
    guide_ids += [f"G{n}.cn" for n in range(7, 10)] + ["nowhere", "elsewhere"]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<tv generator-info-name="tests">\n']
    parts.extend(
        _channel(guide_id, [guide_id, f"Name of {guide_id}"]) for guide_id in guide_ids[:6]
    )
    parts.append("<!-- programmes follow -->\n")
    for index, guide_id in enumerate(guide_ids):
        if index == 8:  # a channel element in the middle of the programmes
            parts.append(_channel("g-6.cn", ["测试6台"]))
        half = slots // 2 if index in (2, 9) else slots
        parts.extend(_programme(guide_id, slot, rng) for slot in range(half))
    for guide_id in (guide_ids[2], guide_ids[9]):  # their second half comes late
        parts.extend(_programme(guide_id, slot, rng) for slot in range(slots // 2, slots))
    parts.extend(_programme(guide_ids[0], slot, rng) for slot in range(5))  # again: duplicates
    parts.append(_channel("elsewhere", ["测试11台"]))
    parts.append("</tv>\n")
    return "".join(parts).encode()


def stored_programmes(db: Database) -> list[list[Any]]:
    """Every stored programme, all columns but the id, in a stable order."""
    columns = [
        cast(column, Text) if column.name in ("titles", "descriptions") else column
        for column in Programme.__table__.columns
        if column.name != "id"
    ]
    with db.session() as session:
        rows = session.execute(
            select(*columns).order_by(Programme.channel_id, Programme.start_ms)
        ).all()
    return [list(row) for row in rows]
