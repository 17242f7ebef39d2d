"""Catch-up asked for with query parameters on a live URL.

* ``playseek=YYYYMMDDHHMMSS-YYYYMMDDHHMMSS`` in local time (Chinese operators' IPTV)
* ``utc=START[&lutc=NOW]`` (SIPTV "shift"): from START on, up to live
* ``utc=START&duration=SECONDS`` (our "append" template): a closed window
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from yunjin.archive.requests import (
    EARLIEST_UTC,
    MAX_WINDOW_S,
    BadRequest,
    Catchup,
    PlaylistRequest,
)

PLAYSEEK_FORMAT = "%Y%m%d%H%M%S"


def catchup_from_query(query: dict[str, str], timezone: str, now_s: int) -> PlaylistRequest | None:
    """The catch-up a live URL's query asks for, None for plain live."""
    if "playseek" in query:
        return _playseek(query["playseek"], ZoneInfo(timezone), now_s)
    if "utc" in query:
        start = _unix(query["utc"], now_s)
        if "duration" in query:
            text = query["duration"]
            if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_WINDOW_S:
                raise BadRequest("bad_duration", value=text, reason="not 1 to 2678400 seconds")
            return Catchup(start, int(text))
        return Catchup(start, None)
    return None


def _playseek(text: str, zone: ZoneInfo, now_s: int) -> Catchup:
    begin_text, separator, end_text = text.partition("-")
    if not separator:
        raise BadRequest("bad_time", value=text, reason="playseek is BEGIN-END")
    begin = _local(begin_text, zone, now_s)
    end = _local(end_text, zone, now_s) if end_text else None
    if end is None:
        return Catchup(begin, None)
    if end <= begin:
        raise BadRequest("bad_duration", value=text, reason="the end is not after the begin")
    if end - begin > MAX_WINDOW_S:
        raise BadRequest("bad_duration", value=text, reason="longer than 31 days")
    return Catchup(begin, end - begin)


def _local(text: str, zone: ZoneInfo, now_s: int) -> int:
    try:
        moment = datetime.strptime(text, PLAYSEEK_FORMAT).replace(tzinfo=zone)
    except ValueError as error:
        raise BadRequest("bad_time", value=text, reason="not YYYYMMDDHHMMSS") from error
    return _bounded(int(moment.timestamp()), text, now_s)


def _unix(text: str, now_s: int) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise BadRequest("bad_time", value=text, reason="not UTC Unix seconds")
    return _bounded(int(text), text, now_s)


def _bounded(value: int, text: str, now_s: int) -> int:
    if value < EARLIEST_UTC:
        raise BadRequest("bad_time", value=text, reason="before the year 2000")
    if value > now_s + 24 * 3600:
        raise BadRequest("bad_time", value=text, reason="more than a day in the future")
    return value
