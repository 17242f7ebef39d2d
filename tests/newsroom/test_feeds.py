"""The newsroom's feeds on SQLite and PostgreSQL: RSS and Atom read by feedparser (a
third-party parser), JSON Feed checked for its required fields, ninjs against a schema
written here from IPTC's ninjs 2.x; bilingual labels; conditional GET; a correction
updates its item, an unpublished or taken-down story leaves every feed."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import feedparser
import jsonschema
import pytest

from tests.newsroom.conftest import CHENGDU, JINJIANG, PROVINCE, QINGYANG, Newsroom, jpeg

NOTICE = {
    "issuing_body": "锦江区水务局",
    "document_number": "锦水〔2026〕3号",
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
}
SERVICE = {
    "category": "medical",
    "phone": "028-8666 1234",
    "address": "锦江区东大街 1 号",
    "opening_hours": "8:30–17:30",
    "link": "https://example.org/booking",
}
HOSTILE = (
    '<p>正文<script>alert(1)</script><img src=x onerror="alert(1)">'
    '<a href="javascript:alert(1)">链接</a></p>'
)

# A subset of IPTC ninjs 2.x, written from the specification: every top-level property
# is named (2.x has no patternProperties), ``uri`` is required, headlines/bodies/
# descriptions are arrays of {role, contenttype, value}, renditions need a name.
_TEXT_PARTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value"],
        "additionalProperties": False,
        "properties": {
            "role": {"type": "string"},
            "contenttype": {"type": "string"},
            "charcount": {"type": "number"},
            "wordcount": {"type": "number"},
            "value": {"type": "string"},
        },
    },
}
_NAMED = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "rel": {"type": "string"},
            "uri": {"type": "string"},
            "literal": {"type": "string"},
            "contactinfo": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "type": {"type": "string"},
                        "role": {"type": "string"},
                        "value": {"type": "string"},
                        "address": {
                            "type": "object",
                            "properties": {"lines": {"type": "array", "items": {"type": "string"}}},
                        },
                    },
                    "oneOf": [{"required": ["value"]}, {"required": ["address"]}],
                },
            },
        },
    },
}
NINJS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["uri"],
    "additionalProperties": False,
    "properties": {
        "standard": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": {"const": "ninjs"},
                "version": {"type": "string", "pattern": r"^2\."},
                "schema": {"type": "string"},
            },
        },
        "uri": {"type": "string", "pattern": "^https?://"},
        "type": {
            "enum": ["text", "audio", "video", "picture", "graphic", "composite", "component"]
        },
        "representationtype": {"enum": ["full", "partial"]},
        "profile": {"type": "string"},
        "version": {"type": "string"},
        "firstcreated": {"type": "string"},
        "versioncreated": {"type": "string"},
        "expires": {"type": "string"},
        "pubstatus": {"enum": ["usable", "withheld", "canceled"]},
        "language": {"type": "string"},
        "headlines": _TEXT_PARTS,
        "descriptions": _TEXT_PARTS,
        "bodies": _TEXT_PARTS,
        "subjects": _NAMED,
        "organisations": _NAMED,
        "events": _NAMED,
        "located": {"type": "string"},
        "by": {"type": "string"},
        "copyrightholder": {"type": "string"},
        "altids": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"role": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "renditions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "href": {"type": "string"},
                    "contenttype": {"type": "string"},
                    "title": {"type": "string"},
                    "width": {"type": "number"},
                    "height": {"type": "number"},
                    "sizeinbytes": {"type": "number"},
                    "duration": {"type": "number"},
                    "format": {"type": "string"},
                },
            },
        },
    },
}
DATE_FIELDS = ("firstcreated", "versioncreated", "expires")


def feed(room: Newsroom, zone: str, ext: str, **params: str) -> Any:
    answer = room.client.request("GET", f"/feeds/{zone}.{ext}", params=params)
    assert answer.status_code == 200, answer.text
    if ext == "json":
        assert answer.headers["content-type"].startswith("application/feed+json")
        return answer.json()
    parsed = feedparser.parse(answer.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def ninjs_items(room: Newsroom, zone: str, **params: str) -> list[dict[str, Any]]:
    answer = room.client.request("GET", f"/feeds/{zone}/ninjs.json", params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    for item in items:
        check_ninjs(item)
    return items


def check_ninjs(item: dict[str, Any]) -> None:
    jsonschema.validate(item, NINJS_SCHEMA)
    for name in DATE_FIELDS:
        if name in item:
            assert datetime.fromisoformat(item[name]).tzinfo is not None, (name, item[name])


def check_json_feed(document: dict[str, Any]) -> None:
    """JSON Feed 1.1's required fields and the types of those we use."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str)
    assert isinstance(document["items"], list)
    for item in document["items"]:
        assert isinstance(item["id"], str)
        assert "content_html" in item or "content_text" in item
        for name in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[name]).tzinfo is not None
    assert all(not key.startswith("_") or key == "_yunjin" for i in document["items"] for key in i)


def entry(parsed: Any, title: str) -> Any:
    found = [e for e in parsed.entries if e.title == title]
    assert len(found) == 1, [e.title for e in parsed.entries]
    return found[0]


def next_second() -> None:
    """Feeds tell time in whole seconds: start a new one (at most a second's wait)."""
    time.sleep(1.0 - time.time() % 1.0 + 0.01)


def test_every_format_of_a_county_section(room: Newsroom, news_clip: bytes) -> None:
    picture = room.library_item("lina", "image", jpeg(), "boiler.jpg", title="锅炉房")
    clip = room.library_item("lina", "video", news_clip, "heating.mp4", title="供暖")
    image = f"http://yunjin{picture['url']}"  # absolute for readers
    news = room.story(
        "lina",
        title="锦江区今冬供暖启动",
        summary="今起供暖",
        body_html=HOSTILE,
        images=[{"url": picture["url"], "caption": "锅炉房"}],
        video_asset=clip["asset"],
    )
    notice = room.story("lina", kind="notice", title="关于东大街停水的通知", details=NOTICE)
    service = room.story("lina", kind="service", title="锦江区人民医院预约挂号", details=SERVICE)
    english = room.story("lina", title="Jinjiang opens its winter market")
    for story in (news, notice, service, english):
        room.publish(story)
    room.story("lina", title="仍是草稿的稿件")  # never in a feed
    other = room.story("qing", tenant=QINGYANG, title="青羊区的新闻")
    room.act("qing", other, "submit")  # Qingyang's own, elsewhere

    for ext in ("rss", "atom"):
        parsed = feed(room, JINJIANG, ext)
        assert parsed.feed.title == "锦江区融媒体中心 · 县区频道"
        assert parsed.feed.language == "zh-CN"
        titles = [e.title for e in parsed.entries]
        assert {
            "锦江区今冬供暖启动",
            "关于东大街停水的通知",
            "Jinjiang opens its winter market",
        } <= set(titles)
        assert "仍是草稿的稿件" not in titles
        assert "青羊区的新闻" not in titles
        item = entry(parsed, "锦江区今冬供暖启动")
        assert item.link == f"http://yunjin/m#story={JINJIANG}/{news}"
        assert item.id == f"http://yunjin/feeds/stories/{news}.ninjs.json"
        assert item.published_parsed is not None
        assert item.updated_parsed is not None
        assert item.language == "zh-CN"
        assert entry(parsed, "Jinjiang opens its winter market").language == "en"
        content = item.content[0].value
        assert "<script" not in content
        assert "onerror" not in content
        assert "javascript:" not in content
        assert f'src="{image}"' in content
        assert "观看视频" in content
        assert [t.term for t in item.tags] == (["新闻"] if ext == "rss" else ["news"])
        text = entry(parsed, "关于东大街停水的通知").content[0].value
        assert "锦江区水务局" in text
        assert "锦水〔2026〕3号" in text
        assert "发文机关" in text
        text = entry(parsed, "锦江区人民医院预约挂号").content[0].value
        assert "医疗" in text
        assert "028-8666 1234" in text
        assert 'href="https://example.org/booking"' in text
    rss = feed(room, JINJIANG, "rss")
    assert entry(rss, "锦江区今冬供暖启动").enclosures[0].href == image

    document = feed(room, JINJIANG, "json")
    check_json_feed(document)
    by_title = {i["title"]: i for i in document["items"]}
    assert by_title["锦江区今冬供暖启动"]["image"] == image
    assert by_title["Jinjiang opens its winter market"]["language"] == "en"
    assert by_title["关于东大街停水的通知"]["_yunjin"]["details"]["document_number"] == (
        "锦水〔2026〕3号"
    )
    assert by_title["锦江区人民医院预约挂号"]["_yunjin"]["details"]["phone"] == "028-8666 1234"

    items = {i["headlines"][0]["value"]: i for i in ninjs_items(room, JINJIANG)}
    heating = items["锦江区今冬供暖启动"]
    assert heating["type"] == "composite"
    assert heating["language"] == "zh-CN"
    assert heating["located"] == "锦江区"
    assert heating["subjects"][0]["literal"] == "news"
    renditions = {r["name"]: r for r in heating["renditions"]}
    assert renditions["picture-1"]["href"] == image
    assert renditions["video"]["contenttype"] == "application/vnd.apple.mpegurl"
    assert "<script" not in heating["bodies"][0]["value"]
    water = items["关于东大街停水的通知"]
    assert water["organisations"] == [{"name": "锦江区水务局", "rel": "issuer"}]
    assert water["altids"] == [{"role": "document-number", "value": "锦水〔2026〕3号"}]
    assert water["expires"].startswith("2027-01-01T00:00:00")
    hospital = items["锦江区人民医院预约挂号"]
    contact = hospital["organisations"][0]["contactinfo"]
    assert {c["type"] for c in contact} == {"phone", "web", "address"}
    assert [s["literal"] for s in hospital["subjects"]] == ["service", "medical"]
    one = room.client.request("GET", f"/feeds/stories/{notice}.ninjs.json")
    assert one.status_code == 200
    check_ninjs(one.json())
    assert one.json()["uri"] == f"http://yunjin/feeds/stories/{notice}.ninjs.json"


def test_labels_follow_the_language_asked_for(room: Newsroom) -> None:
    story = room.story("lina", kind="service", title="锦江区社保咨询", details=SERVICE)
    room.publish(story)
    english = feed(room, JINJIANG, "atom", lang="en")
    assert english.feed.title == "Jinjiang District Media Centre · Section"
    assert english.feed.language == "en"
    item = entry(english, "锦江区社保咨询")
    assert item.language == "zh-CN"  # the story's own language stays
    assert "Medical care" in item.content[0].value
    assert "Phone" in item.content[0].value
    assert feed(room, JINJIANG, "json", lang="en")["language"] == "en"
    hospital = next(
        i
        for i in ninjs_items(room, JINJIANG, lang="en")
        if i["uri"].endswith(f"/{story}.ninjs.json")
    )
    assert hospital["located"] == "Jinjiang District"
    refused = room.client.request("GET", f"/feeds/{JINJIANG}.rss", params={"lang": "fr"})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "newsroom_bad_language"
    assert error["messages"]["zh-CN"]
    assert error["messages"]["en"]


def test_zone_and_front_page_feeds_hold_what_their_pages_show(room: Newsroom) -> None:
    story = room.story("lina", title="锦江区的新闻上了成都专区")
    room.publish(story)
    zone = feed(room, CHENGDU, "rss")
    assert zone.feed.title == "成都市融媒体中心 · 专区"
    assert "锦江区的新闻上了成都专区" in [e.title for e in zone.entries]  # its section
    front = feed(room, PROVINCE, "json")
    assert "锦江区的新闻上了成都专区" not in [i["title"] for i in front["items"]]
    rec = room.ok("pei", "POST", f"/stories/{story}/recommendations", {"zone": CHENGDU})
    room.ok("pan", "POST", f"/recommendations/{rec['id']}/actions/approve")
    zone = feed(room, CHENGDU, "json")
    assert [i["title"] for i in zone["items"]].count("锦江区的新闻上了成都专区") == 1  # once
    for status, path in (
        (404, "/feeds/999999.rss"),
        (404, "/feeds/abc.atom"),
        (404, "/feeds/stories/999999.ninjs.json"),
    ):
        assert room.client.request("GET", path).status_code == status


def test_conditional_get(room: Newsroom) -> None:
    room.publish(room.story("lina", title="条件请求之前"))
    first = room.client.request("GET", f"/feeds/{JINJIANG}.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = room.client.request("GET", f"/feeds/{JINJIANG}.atom", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = room.client.request(
        "GET", f"/feeds/{JINJIANG}.atom", headers={"if-none-match": f'"x", W/{etag}'}
    )
    assert weak.status_code == 304
    since = room.client.request(
        "GET", f"/feeds/{JINJIANG}.atom", headers={"if-modified-since": modified}
    )
    assert since.status_code == 304
    # feedparser's own conditional GET: it sends both validators
    parsed = feedparser.parse(first.content)
    assert parsed.bozo == 0
    next_second()
    room.publish(room.story("lina", title="条件请求之后"))
    changed = room.client.request(
        "GET",
        f"/feeds/{JINJIANG}.atom",
        headers={"if-none-match": etag, "if-modified-since": modified},
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "条件请求之后" in changed.text
    later = room.client.request(
        "GET", f"/feeds/{JINJIANG}.atom", headers={"if-modified-since": modified}
    )
    assert later.status_code == 200
    for ext in ("rss", "json"):
        plain = room.client.request("GET", f"/feeds/{JINJIANG}.{ext}")
        tag = plain.headers["etag"]
        held = room.client.request(
            "GET", f"/feeds/{JINJIANG}.{ext}", headers={"if-none-match": tag}
        )
        assert held.status_code == 304


def test_a_correction_updates_its_item_and_a_removal_empties_every_feed(room: Newsroom) -> None:
    story = room.story("lina", title="锦江区图书馆延长开放时间")
    room.publish(story)
    before = entry(feed(room, JINJIANG, "atom"), "锦江区图书馆延长开放时间")
    json_before = next(i for i in feed(room, JINJIANG, "json")["items"] if i["id"] == before.id)
    room.act("lina", story, "correct")
    room.ok("lina", "PATCH", f"/stories/{story}", {"title": "锦江区图书馆延长开放至晚十点"})
    room.act("lina", story, "submit")
    room.act("wang", story, "approve")
    room.act("zhao", story, "approve")
    # while the correction is in review, the reviewed version stays in the feed
    assert "锦江区图书馆延长开放时间" in [e.title for e in feed(room, JINJIANG, "atom").entries]
    next_second()
    room.act("chen", story, "approve")
    atom = feed(room, JINJIANG, "atom")
    after = entry(atom, "锦江区图书馆延长开放至晚十点")
    assert after.id == before.id
    assert after.updated_parsed > before.updated_parsed
    assert after.published_parsed == before.published_parsed
    assert "锦江区图书馆延长开放时间" not in [e.title for e in atom.entries]
    json_after = next(i for i in feed(room, JINJIANG, "json")["items"] if i["id"] == before.id)
    assert json_after["date_published"] == json_before["date_published"]
    assert json_after["date_modified"] > json_before["date_modified"]
    assert json_after["_yunjin"]["version"] == 3
    ninjs_after = next(i for i in ninjs_items(room, JINJIANG) if i["uri"] == before.id)
    assert ninjs_after["version"] == "3"

    room.act("zhao", story, "unpublish")
    gone = room.story("lina", title="即将下架的稿件")
    room.publish(gone)
    room.act("chen", gone, "takedown", comment="内容有误")
    for zone in (JINJIANG, CHENGDU):
        titles = [e.title for e in feed(room, zone, "rss").entries]
        titles += [i["title"] for i in feed(room, zone, "json")["items"]]
        titles += [i["headlines"][0]["value"] for i in ninjs_items(room, zone)]
        assert not {"锦江区图书馆延长开放至晚十点", "即将下架的稿件"} & set(titles)
    for removed in (story, gone):
        answer = room.client.request("GET", f"/feeds/stories/{removed}.ninjs.json")
        assert answer.status_code == 404


@pytest.mark.parametrize("ext", ["rss", "atom", "json"])
def test_a_feed_without_stories_is_still_valid(room: Newsroom, ext: str) -> None:
    parsed = feed(room, PROVINCE, ext)
    if ext == "json":
        check_json_feed(parsed)
    else:
        assert parsed.feed.title.startswith("四川")
    assert json.dumps(ninjs_items(room, PROVINCE))
