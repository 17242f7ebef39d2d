"""GB/T 2260 regions shipped as data (Sichuan: province, 21 prefectures, 183 counties)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import Region

DATA = "gbt2260_sichuan.csv"


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name_zh: str
    name_en: str
    level: str  # province, prefecture, county
    parent: str | None


@cache
def shipped_regions() -> tuple[RegionRow, ...]:
    text = resources.files("yunjin.subscribers").joinpath("data", DATA).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return tuple(
        RegionRow(row["code"], row["name_zh"], row["name_en"], row["level"], row["parent"] or None)
        for row in csv.DictReader(lines)
    )


def seed_regions(session: Session) -> int:
    """Insert the shipped regions that are missing; returns how many were added."""
    present = set(session.scalars(select(Region.code)))
    added = 0
    for row in shipped_regions():
        if row.code not in present:
            session.add(
                Region(
                    code=row.code,
                    name_zh=row.name_zh,
                    name_en=row.name_en,
                    level=row.level,
                    parent_code=row.parent,
                )
            )
            added += 1
    return added


def ancestors(code: str) -> list[str]:
    """The region and the regions above it, nearest first (county → prefecture → province)."""
    by_code = {row.code: row for row in shipped_regions()}
    chain = []
    current: str | None = code
    while current is not None and current in by_code:
        chain.append(current)
        current = by_code[current].parent
    return chain
