"""A published story's video for everyone: the gate and the lookups behind it.

Newsroom video is public-service media (公共服务内容): a household watches a county's news
without a package, like the zone pages it sits on. What is public is narrow, so a story
cannot become a back door into the paid catalogue:

1. the story is shown on the page it is asked through (``zones.public_story``);
2. its public version carries a video (``video_asset``), and that asset exists;
3. the asset is ready (transcoded and published);
4. its title is sold by no product — neither named by one (``product_titles``) nor in a
   category one opens (``product_categories``). A reporter who attaches a film of the
   paid catalogue gets a story whose video plays only through ``POST /api/v1/vod/play``.

:func:`may_play_publicly` is the pure rule (tested over every combination);
:func:`public_video` does the lookups and raises the rule's refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import (
    ProductCategory,
    ProductTitle,
    VodAsset,
    VodCategory,
    VodTitle,
    VodTitleCategory,
)
from yunjin.i18n import register
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.zones import public_story
from yunjin.vod.assets import AssetState

register(
    {
        "newsroom_no_video": ("Story {story} has no video.", "稿件 {story} 没有视频。"),
        "newsroom_video_not_found": (
            "The video {asset} of this story is not in the media library.",
            "该稿件的视频 {asset} 不在媒资库中。",
        ),
        "newsroom_video_not_ready": (
            "The video is still being prepared; try again in a moment.",
            "视频正在转码，请稍后再试。",
        ),
        "newsroom_video_sold": (
            "This video belongs to a title sold in a package: play it from 点播 (VOD).",
            "该视频属于付费点播节目，请在“点播”中观看。",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class VideoFacts:
    """What the rule needs to know about a story's video, looked up beforehand."""

    shown: bool  # the story is public on the page it is asked through
    asset: str | None  # the public version's video_asset
    exists: bool  # a VOD asset with that code exists
    ready: bool  # … and is published
    sold: bool  # its title is sold by a product


def may_play_publicly(facts: VideoFacts, story: int) -> NewsroomError | None:
    """None when the video may play without a package, else the refusal (in order: the
    story, its video, the asset, its readiness, whether it is sold)."""
    if not facts.shown:
        return NewsroomError("newsroom_story_not_found", story=story)
    if facts.asset is None:
        return NewsroomError("newsroom_no_video", story=story)
    if not facts.exists:
        return NewsroomError("newsroom_video_not_found", asset=facts.asset)
    if not facts.ready:
        return NewsroomError("newsroom_video_not_ready", asset=facts.asset)
    if facts.sold:
        return NewsroomError("newsroom_video_sold", asset=facts.asset)
    return None


@dataclass(frozen=True, slots=True)
class PublicVideo:
    asset: str
    duration_s: float | None
    story: dict[str, Any]  # the public story, as the zone page shows it


def public_video(session: Session, zone_code: str, story_id: int, now: datetime) -> PublicVideo:
    """The video of a story shown on ``zone_code``, if everyone may play it."""
    try:
        story: dict[str, Any] | None = public_story(session, zone_code, story_id, now)
    except NewsroomError:
        story = None
    code = story.get("video_asset") if story is not None else None
    asset = (
        session.scalar(select(VodAsset).where(VodAsset.code == code)) if code is not None else None
    )
    facts = VideoFacts(
        shown=story is not None,
        asset=code,
        exists=asset is not None,
        ready=asset is not None and asset.state == AssetState.READY.value,
        sold=asset is not None and title_is_sold(session, asset.title_id),
    )
    refusal = may_play_publicly(facts, story_id)
    if refusal is not None:
        raise refusal
    assert story is not None
    assert asset is not None
    return PublicVideo(asset.code, asset.duration_s, story)


def title_is_sold(session: Session, title_id: int) -> bool:
    """Whether a product names the title or opens one of its categories."""
    title_code = select(VodTitle.code).where(VodTitle.id == title_id).scalar_subquery()
    named = select(ProductTitle.product_id).where(ProductTitle.title_code == title_code)
    categories = (
        select(VodCategory.code)
        .join(VodTitleCategory, VodTitleCategory.category_id == VodCategory.id)
        .where(VodTitleCategory.title_id == title_id)
    )
    opened = select(ProductCategory.product_id).where(ProductCategory.category_code.in_(categories))
    return session.scalar(named.union(opened).limit(1)) is not None
