"""The newsroom's feed renderers and their checks, imported in this one place.

``src/yunjin/newsroom/`` is being split into subpackages (#13, item 6): when its modules
move, only the imports below change, and the golden feeds must come out byte for byte the
same.
"""

from __future__ import annotations

from tests.newsroom.test_feeds import check_json_feed, check_ninjs
from yunjin.newsroom import feed_formats, ninjs
from yunjin.newsroom.content import (
    Image,
    Kind,
    LiveEvent,
    Notice,
    Service,
    ServiceCategory,
    details_json,
)
from yunjin.newsroom.feeds import Channel, FeedItem, Video
from yunjin.newsroom.syndication import PageKind

__all__ = [
    "Channel",
    "FeedItem",
    "Image",
    "Kind",
    "LiveEvent",
    "Notice",
    "PageKind",
    "Service",
    "ServiceCategory",
    "Video",
    "check_json_feed",
    "check_ninjs",
    "details_json",
    "feed_formats",
    "ninjs",
]
