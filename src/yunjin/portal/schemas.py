"""What the portals' own routes answer — the guide grid, home, events, PIN and password
changes, hand-off — as pydantic models (``yunjin.api.schemas`` says how the JSON is kept
stable; the portals' JavaScript reads exactly these fields)."""

from __future__ import annotations

from pydantic import Field

from yunjin.api.schemas import Answer, GuideProgramme, LocalNames
from yunjin.portal.events import PlayMode
from yunjin.vod.schemas import UnfinishedTitle


class GridChannel(Answer):
    id: str = Field(description="the tvg-id")
    number: int
    name: LocalNames
    logo: str
    uhd: bool
    catchup_days: int
    programmes: list[GuideProgramme]


class GuideGrid(Answer):
    start: int = Field(description="UTC seconds, as asked")
    hours: int
    now: int = Field(description="UTC seconds")
    timezone: str
    channels: list[GridChannel]


class EventsKept(Answer):
    kept: int


class UnfinishedProgramme(Answer):
    programme: GuideProgramme
    position: int = Field(description="UTC ms of the frame last on screen")


class Home(Answer):
    vod: list[UnfinishedTitle] = Field(description="films and episodes left unfinished")
    continue_: list[UnfinishedProgramme] = Field(
        serialization_alias="continue", description="catch-up programmes left unfinished"
    )


class Handoff(Answer):
    code: str
    url: str = Field(description="the phone portal's address that continues from it")
    svg: str = Field(description="the URL as a QR code, inline SVG")


class HandoffPoint(Answer):
    channel: str
    mode: PlayMode
    position: int | None = Field(description="UTC ms to play from; null: live")
    programme: GuideProgramme | None
