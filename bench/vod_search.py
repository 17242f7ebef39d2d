"""VOD title search on 100,000 titles in SQLite: characters, pinyin, initials, 繁体.

The catalog is generated: Chinese titles of two to four words from a pool of words common in
film and series names (with sequel numbers, "第二季" and the like, and English names for
some), stored through the same search keys as ``add_title`` computes, in one bulk insert.
Each query is timed as a request does it: a session opened, the search run, the hits read.
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import opencc
from sqlalchemy import insert

from bench.common import BenchResult, median, percentile, spread
from yunjin.db.engine import Database
from yunjin.db.models import VodTitle, VodTitleKey
from yunjin.vod.catalog import TitleKind, key_rows, search_titles
from yunjin.vod.search import search_keys

NAME = "vod_search"
TITLE = "VOD search: 100,000 titles, characters / pinyin / initials, SQLite"

TITLES = 100_000
QUERIES_PER_KIND = 100
LIMIT = 20
TARGET_P99_MS = 20.0

_WORD_POOL = (
    "新闻 联播 流浪 地球 长城 大江 大河 山海 情深 深海 红色 黄金 时代 青春 岁月 故事 "
    "人间 烟火 风云 江湖 少年 英雄 传奇 家园 春天 秋天 冬日 夏夜 城市 乡村 北京 上海 "
    "重庆 森林 海洋 天空 星辰 大海 长安 十二 时辰 琅琊 榜单 繁花 狂飙 觉醒 年代 人世 "
    "山河 令人 庆余 年华 都挺 好人 欢乐 颂歌 父母 爱情 知否 绿肥 红瘦 甄嬛 传说 熊猫 "
    "功夫 侦探 唐人 街头 战狼 红海 行动 湄公 河畔 我和 我的 祖国 家乡 中国 机长 医生 "
    "警察 律师 老师 同学 朋友 兄弟 姐妹 花开 月圆 雪落 雨停 风起 云涌 潮汐 灯火 万家 "
    "西游 降魔 哪吒 魔童 白蛇 缘起 大圣 归来 姜子牙 封神 第一部 寻龙 诀别 鬼吹灯 盗墓 笔记 "
    "三体 问题 球状 闪电 超新星 纪元 银河 补习班 夏洛特 烦恼 西虹市 首富 飞驰 人生 满江红 无名 "
    "悬崖 之上 长津湖 水门桥 独行 月球 消失 的她 孤注 一掷 八角 笼中"
)
WORDS = _WORD_POOL.split()
SUFFIXES = ("", "", "", "", "2", "3", "第二季", "第三季", "之谜", "前传", "外传", "：重生")
_ENGLISH_POOL = "Sky River Panda Dragon Story City Night Road Star Home Sea Fire Wind Moon"
ENGLISH = _ENGLISH_POOL.split()


def generate(rng: random.Random) -> list[tuple[str, str, TitleKind]]:
    """``TITLES`` distinct (Chinese, English, kind) titles."""
    seen: set[str] = set()
    titles: list[tuple[str, str, TitleKind]] = []
    while len(titles) < TITLES:
        zh = "".join(rng.sample(WORDS, rng.choice((2, 2, 3, 3, 4)))) + rng.choice(SUFFIXES)
        if zh in seen:
            continue
        seen.add(zh)
        en = " ".join(rng.sample(ENGLISH, 2)) if rng.random() < 0.3 else ""
        kind = TitleKind.SERIES if rng.random() < 0.4 else TitleKind.MOVIE
        titles.append((zh, en, kind))
    return titles


def load(database: Database, titles: list[tuple[str, str, TitleKind]]) -> int:
    """Store the titles and their key tails; the number of tails."""
    rows = []
    tails: list[dict[str, Any]] = []
    for number, (zh, en, kind) in enumerate(titles):
        keys = search_keys(zh, en)
        rows.append(
            {
                "id": number + 1,
                "code": f"t{number:06d}",
                "kind": kind.value,
                "title_zh": zh,
                "title_en": en,
                "description_zh": "",
                "description_en": "",
                "year": 1990 + number % 36,
                "age_rating": 0,
                "cast_names": [],
                "poster_url": "",
                "title_folded": keys.folded,
                "title_en_folded": keys.folded_en,
                "title_pinyin": keys.pinyin,
                "title_initials": keys.initials,
            }
        )
        tails.extend(key_rows(number + 1, keys))
    with database.session() as session:
        session.execute(insert(VodTitle), rows)
        session.execute(insert(VodTitleKey), tails)
    return len(tails)


def queries(rng: random.Random, titles: list[tuple[str, str, TitleKind]]) -> dict[str, list[str]]:
    """Mixed queries by kind, each from a stored title, so most of them find something."""
    to_traditional = opencc.OpenCC("s2t")
    picked = [rng.choice(titles)[0] for _ in range(QUERIES_PER_KIND)]
    by_kind: dict[str, list[str]] = {
        "characters (2–4 of a title)": [],
        "full pinyin (prefix, spaced)": [],
        "initials": [],
        "traditional characters": [],
    }
    for zh in picked:
        keys = search_keys(zh)
        start = rng.randrange(max(1, len(zh) - 2))
        by_kind["characters (2–4 of a title)"].append(zh[start : start + rng.choice((2, 3, 4))])
        cut = rng.randrange(4, max(5, len(keys.pinyin)))
        pinyin = keys.pinyin[:cut]
        spaced = " ".join(pinyin[i : i + 3] for i in range(0, len(pinyin), 3))
        by_kind["full pinyin (prefix, spaced)"].append(spaced if rng.random() < 0.3 else pinyin)
        by_kind["initials"].append(keys.initials[: rng.choice((2, 3, 4))].upper())
        by_kind["traditional characters"].append(to_traditional.convert(zh[:4]))
    return by_kind


def timed(database: Database, text: str) -> float:
    began = time.perf_counter_ns()
    with database.session() as session:
        search_titles(session, text, LIMIT)
    return (time.perf_counter_ns() - began) / 1e6


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    rng = random.Random(20261126)  # noqa: S311 - seeded: the same data every run
    titles = generate(rng)
    with tempfile.TemporaryDirectory(prefix="yunjin-vod-bench-") as folder:
        database = Database(f"sqlite:///{Path(folder) / 'vod.db'}")
        try:
            began = time.perf_counter()
            tails = load(database, titles)
            result.add(
                "keys + bulk insert of 100,000 titles",
                time.perf_counter() - began,
                "s",
                detail="search keys (fold, pinyin, initials) computed in Python",
            )
            result.add("key tails stored per title", tails / TITLES, "rows")
            with database.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            size = sum(f.stat().st_size for f in Path(folder).glob("vod.db*"))
            result.add("database size", size / 2**20, "MiB", detail="after a WAL checkpoint")
            by_kind = queries(rng, titles)
            for texts in by_kind.values():  # warm the page cache and the query compiler
                for text in texts[:5]:
                    timed(database, text)
            every: list[float] = []
            gc.collect()
            mixed = [(kind, text) for kind, texts in by_kind.items() for text in texts]
            rng.shuffle(mixed)
            timings: dict[str, list[float]] = {kind: [] for kind in by_kind}
            for kind, text in mixed:
                elapsed = timed(database, text)
                timings[kind].append(elapsed)
                every.append(elapsed)
            result.add("search p50, all queries", median(every), "ms", detail=spread(every, "ms"))
            result.add(
                "search p99, all queries",
                percentile(every, 0.99),
                "ms",
                target_max=TARGET_P99_MS,
                detail=f"max {max(every):.2f} ms, n={len(every)}",
            )
            for kind, values in timings.items():
                result.add(
                    f"search p99, {kind}",
                    percentile(values, 0.99),
                    "ms",
                    detail=f"p50 {median(values):.2f} ms, n={len(values)}",
                )
        finally:
            database.close()
    result.notes += [
        f"{TITLES:,} generated titles (2–4 words from a pool of {len(WORDS)}, sequel "
        f"suffixes, 30% with an English name); {LIMIT} hits per search, best first.",
        "Each timing includes opening the session and reading the hits, as a request does. "
        "Queries of all kinds are shuffled together.",
    ]
    return result
