"""Continue on the phone: a signed code for the QR on the TV, and where the TV is now.

The code names the household and the set-top box and expires; it carries no
position. The phone, logged in to the same household, asks where that box is
*now*: the box's latest player report, moved on by the time since it was sent
unless the player was paused. A code alone plays nothing — it still needs a
session of the same household and the gate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from yunjin.portal.events import EventKind, PlayMode

CODE = re.compile(r"^(\d{1,12})\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{16})$")
CODE_TTL_S = 600
# A report older than this says nothing about what the TV shows now.
STALE_AFTER_MS = 120_000
# Within this of the live edge, the phone joins live rather than the archive.
LIVE_EDGE_MS = 30_000


@dataclass(frozen=True, slots=True)
class HandoffCode:
    household_id: int
    device_id: int
    expires: int


def _signature(secret: str, household_id: int, device_id: int, expires: int) -> str:
    material = f"handoff:{household_id}.{device_id}.{expires}".encode()
    digest = hmac.new(secret.encode(), material, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def make_code(secret: str, household_id: int, device_id: int, now_s: int) -> str:
    expires = now_s + CODE_TTL_S
    signature = _signature(secret, household_id, device_id, expires)
    return f"{household_id}.{device_id}.{expires}.{signature}"


def read_code(secret: str, code: str, now_s: int) -> HandoffCode | None:
    """The code's household and box, or ``None`` when forged, malformed or expired."""
    match = CODE.match(code)
    if match is None:
        return None
    household_id, device_id, expires = (int(match.group(i)) for i in (1, 2, 3))
    expected = _signature(secret, household_id, device_id, expires)
    if not hmac.compare_digest(expected, match.group(4)) or expires < now_s:
        return None
    return HandoffCode(household_id, device_id, expires)


@dataclass(frozen=True, slots=True)
class LastReport:
    """The box's latest player report."""

    kind: EventKind
    channel: str
    mode: PlayMode
    at_ms: int
    position_ms: int | None
    programme_start_ms: int | None
    paused: bool


@dataclass(frozen=True, slots=True)
class Resume:
    """Where the phone should start: live, or the archive at ``position_ms``."""

    channel: str
    mode: PlayMode
    position_ms: int | None
    programme_start_ms: int | None


def resume_point(report: LastReport | None, now_ms: int) -> Resume | None:
    """Where the TV is now, from its latest report; ``None`` when it is not playing."""
    if report is None or now_ms - report.at_ms > STALE_AFTER_MS:
        return None
    if report.kind is EventKind.PLAY_STOP or report.position_ms is None:
        return None
    moving = not report.paused
    position = report.position_ms + (now_ms - report.at_ms if moving else 0)
    position = min(position, now_ms)
    if report.mode is PlayMode.LIVE and moving and now_ms - position <= LIVE_EDGE_MS:
        return Resume(report.channel, PlayMode.LIVE, None, report.programme_start_ms)
    mode = PlayMode.TIMESHIFT if report.mode is PlayMode.LIVE else report.mode
    return Resume(report.channel, mode, position, report.programme_start_ms)
