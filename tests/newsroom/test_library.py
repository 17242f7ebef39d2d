"""A centre's media library through the API, on SQLite and PostgreSQL: uploads checked as in
the VOD issue (a text file named .mp4, truncated, empty, audio only, a path for a name, an
image that is not one, a pixel bomb, too large, a request that stops half-way) refused in
both languages with nothing left behind; images re-encoded and served at a stable address;
each centre sees only its own library and a story attaches only its own centre's items;
an item in use is not deleted."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.newsroom.conftest import JINJIANG, QINGYANG, Newsroom, jpeg
from tests.vod.ingest_clips import make_clip
from yunjin.db.models import NewsroomMedia, VodAsset


@pytest.fixture(scope="module")
def bad_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, str]]:
    folder = tmp_path_factory.mktemp("bad-videos")
    good = make_clip(folder / "good.mp4", seconds=2).read_bytes()
    radio = make_clip(folder / "radio.mp4", seconds=2, video=False).read_bytes()
    return {
        "text.mp4": ("这不是视频 / not a video\n".encode() * 50, "media_container_refused"),
        "cut.mp4": (good[: len(good) // 2], "vod_truncated"),
        "empty.mp4": (b"", "newsroom_media_empty"),
        "radio.mp4": (radio, "vod_no_video"),
    }


def _counts(room: Newsroom) -> tuple[int, int, list[Path]]:
    """Library rows, VOD assets, and the files of the upload and VOD source folders."""
    runtime = room.client.app.state.runtime
    with runtime.db.session() as session:
        items = session.scalar(select(func.count()).select_from(NewsroomMedia)) or 0
        assets = session.scalar(select(func.count()).select_from(VodAsset)) or 0
    data = runtime.settings.data_dir
    folders = (data / "newsroom" / "library", data / "vod" / "sources")
    files = sorted(p for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file())
    return items, assets, files


def _refused(answer: httpx.Response) -> tuple[int, str]:
    error = answer.json()["error"]
    assert error["messages"]["en"]
    assert error["messages"]["zh-CN"]
    return answer.status_code, error["code"]


def test_bad_uploads_are_refused_with_nothing_left(
    room: Newsroom, bad_videos: dict[str, tuple[bytes, str]]
) -> None:
    before = _counts(room)
    for name, (data, code) in bad_videos.items():
        answer = room.upload("lina", JINJIANG, "video", data, name)
        assert _refused(answer) == (422, code), name
    bomb = io.BytesIO()
    Image.new("1", (8000, 8000)).save(bomb, "PNG")  # 64 megapixels in a few kilobytes
    assert len(bomb.getvalue()) < 100_000
    whole = jpeg((400, 300))
    images = {
        "notes.jpg": (b"plain text, named like a photo\n" * 10, 422, "newsroom_media_not_image"),
        "bomb.png": (bomb.getvalue(), 422, "newsroom_media_too_many_pixels"),
        "cut.jpg": (whole[: len(whole) // 2], 422, "newsroom_media_image_broken"),
        "huge.jpg": (b"\xff" * (20 * 1024 * 1024 + 1), 413, "newsroom_media_file_too_large"),
    }
    for name, (data, status, code) in images.items():
        assert _refused(room.upload("lina", JINJIANG, "image", data, name)) == (status, code), name
    for name in ("../../etc/passwd.mp4", "/etc/passwd.jpg", "..\\..\\boot.ini", "c:x.jpg"):
        answer = room.upload("lina", JINJIANG, "image", jpeg(), name)
        assert _refused(answer) == (400, "newsroom_media_bad_filename"), name
    assert _refused(room.upload("lina", JINJIANG, "sound", jpeg(), "a.jpg")) == (
        400,
        "newsroom_media_bad_kind",
    )
    for titles, code in (
        ({"title_en": "x" * 201}, "newsroom_text_too_long"),  # the column holds 200
        ({"title": "<b>锅炉</b>"}, "newsroom_plain_text_markup"),
    ):
        answer = room.upload("lina", JINJIANG, "image", jpeg(), "t.jpg", **titles)
        assert _refused(answer) == (400, code), titles
    assert _counts(room) == before
    # the English wording, as a client asking for it reads it
    answer = room.client.request(
        "POST",
        f"/api/v1/newsroom/tenants/{JINJIANG}/library",
        data={"kind": "video"},
        files={"file": ("notes.mp4", b"not a video at all\n" * 20)},
        headers={"Authorization": f"Bearer {room.tokens['lina']}", "Accept-Language": "en"},
    )
    assert "is text; only MP4, MOV, MKV" in answer.json()["error"]["message"]


def test_an_upload_that_stops_half_way_leaves_nothing(room: Newsroom) -> None:
    """The client goes away after half the body: no row, no file, a clear refusal."""
    before = _counts(room)
    request = httpx.Request(
        "POST",
        "http://yunjin/x",
        data={"kind": "image", "title": "半截"},
        files={"file": ("half.jpg", jpeg((640, 480)))},
    )
    body = request.read()
    headers = [
        (b"content-type", request.headers["content-type"].encode()),
        (b"content-length", str(len(body)).encode()),
        (b"authorization", f"Bearer {room.tokens['lina']}".encode()),
    ]
    sent = _asgi_post(room, f"/api/v1/newsroom/tenants/{JINJIANG}/library", headers, body[:-200])
    assert sent["status"] == 400, sent
    assert b"newsroom_media_incomplete" in sent["body"]
    assert _counts(room) == before


def _asgi_post(
    room: Newsroom, path: str, headers: list[tuple[bytes, bytes]], part: bytes
) -> dict[str, Any]:
    """POST ``part`` of a body straight into the ASGI app, then the client disconnects."""
    messages = iter(
        [
            {"type": "http.request", "body": part[: len(part) // 2], "more_body": True},
            {"type": "http.request", "body": part[len(part) // 2 :], "more_body": True},
        ]
    )
    answer: dict[str, Any] = {"status": None, "body": b""}

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"yunjin"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("yunjin", 80),
    }
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(room.client.app(scope, receive, send))).result()
    return answer


def test_an_image_is_re_encoded_and_served_at_a_stable_address(room: Newsroom) -> None:
    original = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show it upright
    Image.new("RGB", (80, 40), (10, 120, 200)).save(original, "JPEG", exif=exif)
    item = room.library_item(
        "lina", "image", original.getvalue(), "蓝天.jpg", title="蓝天", title_en="Blue sky"
    )
    assert item["title"] == {"zh-CN": "蓝天", "en": "Blue sky"}
    assert (item["width"], item["height"]) == (40, 80)  # turned upright
    assert item["url"].startswith("/api/v1/media/images/")
    served = room.client.request("GET", item["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.content)) as shown:
        assert shown.size == (40, 80)
        assert not shown.getexif()  # the camera's metadata is gone
    assert room.client.request("GET", item["url"].replace(".jpg", "0.jpg")).status_code == 404
    listed = room.ok("wang", "GET", f"/tenants/{JINJIANG}/library?kind=image")["items"]
    assert item["id"] in [i["id"] for i in listed]
    assert all(i["kind"] == "image" for i in listed)


def test_each_centre_sees_and_attaches_only_its_own(room: Newsroom) -> None:
    mine = room.library_item("lina", "image", jpeg(), "jinjiang.jpg", title="锦江")
    theirs = room.library_item("qing", "image", jpeg(), "qingyang.jpg", tenant=QINGYANG)
    library = f"/tenants/{JINJIANG}/library"
    assert room.refused("qing", "GET", library) == (403, "newsroom_other_tenant")
    assert room.refused("qing", "GET", f"/library/{mine['id']}") == (
        404,
        "newsroom_media_not_found",
    )
    assert room.refused("pei", "GET", library) == (403, "newsroom_other_tenant")  # the zone above
    assert room.ok("admin1", "GET", library)["items"]  # every role of the centre reads it
    assert _refused(room.upload("admin1", JINJIANG, "image", jpeg(), "x.jpg")) == (
        403,
        "newsroom_role_forbidden",
    )
    assert _refused(room.upload("qing", JINJIANG, "image", jpeg(), "x.jpg")) == (
        403,
        "newsroom_other_tenant",
    )
    # a story attaches its own centre's image, not another's nor an address from elsewhere
    for url in (theirs["url"], "https://example.org/photo.jpg", "/media/heating.jpg"):
        body = {"kind": "news", "title": "配图", "images": [{"url": url}]}
        assert room.refused("lina", "POST", f"/tenants/{JINJIANG}/stories", body) == (
            400,
            "newsroom_image_not_in_library",
        ), url
    story = room.story("lina", images=[{"url": mine["url"], "caption": "锦江"}])
    # nor another centre's video, in an edit either
    video = {"video_asset": "nosuchclip"}
    assert room.refused("lina", "PATCH", f"/stories/{story}", video) == (
        400,
        "newsroom_video_not_in_library",
    )
    assert room.ok("lina", "PATCH", f"/stories/{story}", {"title": "配图（改）"})  # kept image


def test_an_item_in_use_is_not_deleted(room: Newsroom) -> None:
    used = room.library_item("lina", "image", jpeg(), "used.jpg", title="在用")
    spare = room.library_item("lina", "image", jpeg(), "spare.jpg", title="备用")
    room.story("lina", images=[{"url": used["url"]}])
    assert room.refused("lina", "DELETE", f"/library/{spare['id']}") == (
        403,
        "newsroom_role_forbidden",  # reporters upload; editors and admins curate
    )
    assert room.refused("wang", "DELETE", f"/library/{used['id']}") == (
        409,
        "newsroom_media_in_use",
    )
    gone = room.call("wang", "DELETE", f"/library/{spare['id']}")
    assert gone.status_code == 204
    assert room.client.request("GET", spare["url"]).status_code == 404
    assert room.refused("wang", "GET", f"/library/{spare['id']}")[0] == 404
    assert room.client.request("GET", used["url"]).status_code == 200


@pytest.fixture(autouse=True)
def _no_leftover_uploads(room: Newsroom) -> Iterator[None]:
    """After every test the folder uploads are received in is empty."""
    yield
    incoming = room.client.app.state.runtime.settings.data_dir / "newsroom" / "library"
    leftovers = [p for p in (incoming / "incoming").rglob("*")] if incoming.is_dir() else []
    assert leftovers == []


# -- text items --------------------------------------------------------------------------


def _text_form(room: Newsroom, who: str, tenant: str = JINJIANG, **fields: str) -> httpx.Response:
    """A text item as a multipart form with no file: ``kind=text`` and a ``body``."""
    return room.client.request(
        "POST",
        f"/api/v1/newsroom/tenants/{tenant}/library",
        data={"kind": "text", **fields},
        files={"file": ("", b"", "application/octet-stream")},  # the file input left empty
        headers={"Authorization": f"Bearer {room.tokens[who]}"},
    )


def test_a_text_item_by_json_form_or_file(room: Newsroom) -> None:
    library = f"/tenants/{JINJIANG}/library"
    release = room.ok(
        "lina",
        "POST",
        library,
        {
            "kind": "text",
            "title": "供暖通知",
            "title_en": "Heating notice",
            "body": "第一段\n\n第二段",
        },
    )
    assert release["kind"] == "text"
    assert release["title"] == {"zh-CN": "供暖通知", "en": "Heating notice"}
    assert release["body_html"] == "<p>第一段</p><p>第二段</p>"
    assert release["content_type"] == "text/plain"
    form = _text_form(
        room, "lina", title="区政府声明", body="<p>声明<b>全文</b></p>", format="html"
    )
    assert form.status_code == 201, form.text
    assert form.json()["body_html"] == "<p>声明<b>全文</b></p>"
    upload = room.library_item("lina", "text", "采访实录：\n记者：您好".encode(), "transcript.txt")
    assert upload["title"]["zh-CN"] == "transcript.txt"  # the file's name, as for images
    assert upload["body_html"] == "<p>采访实录：<br>记者：您好</p>"
    page = room.library_item("lina", "text", "\ufeff<h2>标题</h2>".encode(), "a.html", title="页")
    assert page["body_html"] == "<h2>标题</h2>"  # the byte-order mark dropped
    # listed with an excerpt, got with the whole body
    listed = room.ok("wang", "GET", f"{library}?kind=text")["items"]
    assert {i["id"] for i in listed} >= {release["id"], upload["id"]}
    first = next(i for i in listed if i["id"] == release["id"])
    assert first["excerpt"] == "第一段 第二段"
    assert "body_html" not in first
    got = room.ok("wang", "GET", f"/library/{release['id']}")
    assert got["body_html"] == release["body_html"]


def test_a_text_is_sanitised_and_bad_texts_leave_nothing(room: Newsroom) -> None:
    library = f"/tenants/{JINJIANG}/library"
    dirty = room.ok(
        "lina",
        "POST",
        library,
        {
            "title": "带脚本的稿",
            "format": "html",
            "body": '<p onclick="x()">正文<script>alert(1)</script></p>'
            '<a href="javascript:alert(2)">链接</a><iframe src="https://evil"></iframe>',
        },
    )
    kept = dirty["body_html"]
    for gone in ("script", "alert", "onclick", "javascript", "iframe"):
        assert gone not in kept, kept
    assert "正文" in kept
    plain = room.ok("lina", "POST", library, {"title": "纯文本", "body": "<script>x</script>"})
    assert plain["body_html"] == "<p>&lt;script&gt;x&lt;/script&gt;</p>"  # words, not markup
    before = _counts(room)
    cases: list[tuple[httpx.Response, tuple[int, str]]] = [
        (room.call("lina", "POST", library, {"kind": "text", "body": "  \n "}),
         (422, "newsroom_media_text_empty")),
        (room.call("lina", "POST", library, {"body": "<script>1</script>", "format": "html"}),
         (422, "newsroom_media_text_empty")),
        (room.call("lina", "POST", library, {"body": "长" * 70_000}),  # 210 KB in UTF-8
         (413, "newsroom_media_text_too_large")),
        (room.call("lina", "POST", library, {"body": "x", "format": "markdown"}),
         (400, "newsroom_media_text_bad_format")),
        (room.call("lina", "POST", library, {"body": "x", "title": "<b>标</b>"}),
         (400, "newsroom_plain_text_markup")),
        (room.call("lina", "POST", library, {"kind": "image", "body": "x"}),
         (400, "newsroom_media_no_file")),
        (room.call("lina", "POST", library, ["not", "an", "object"]),
         (400, "newsroom_media_bad_json")),
        (room.upload("lina", JINJIANG, "text", "新闻稿".encode("gbk"), "gbk.txt"),
         (422, "newsroom_media_text_not_utf8")),
        (room.upload("lina", JINJIANG, "text", b"\x89PNG\r\n\x1a\n\x00\xff", "a.txt"),
         (422, "newsroom_media_text_not_utf8")),
        (room.upload("lina", JINJIANG, "text", b"%PDF-1.4", "release.pdf"),
         (422, "newsroom_media_text_bad_file")),
        (room.upload("lina", JINJIANG, "text", b"x" * 200_001, "big.txt"),
         (413, "newsroom_media_text_too_large")),
        (room.upload("lina", JINJIANG, "text", b"", "empty.txt"),
         (422, "newsroom_media_text_empty")),
        (room.upload("lina", JINJIANG, "text", b"x", "a.txt", body="both"),
         (400, "newsroom_media_text_body_and_file")),
        (_text_form(room, "lina", body=""), (422, "newsroom_media_text_empty")),
    ]  # fmt: skip
    for answer, expected in cases:
        assert answer.status_code >= 400, (expected, answer.text)
        assert _refused(answer) == expected, answer.text
    assert _counts(room) == before
    english = room.client.request(
        "POST",
        f"/api/v1/newsroom{library}",
        data={"kind": "text"},
        files={"file": ("gbk.txt", "新闻稿".encode("gbk"))},
        headers={"Authorization": f"Bearer {room.tokens['lina']}", "Accept-Language": "en"},
    )
    assert "is not UTF-8 text" in english.json()["error"]["message"]


def test_texts_keep_to_their_centre_and_may_be_deleted_while_copied(room: Newsroom) -> None:
    library = f"/tenants/{JINJIANG}/library"
    mine = room.ok("lina", "POST", library, {"title": "锦江通稿", "body": "锦江的通稿"})
    assert room.refused("qing", "POST", library, {"body": "别处"}) == (403, "newsroom_other_tenant")
    assert room.refused("admin1", "POST", library, {"body": "x"})[0] == 403  # writers upload
    assert room.refused("qing", "GET", f"/library/{mine['id']}") == (
        404,
        "newsroom_media_not_found",
    )
    theirs = room.ok("qing", "GET", f"/tenants/{QINGYANG}/library?kind=text")["items"]
    assert mine["id"] not in {i["id"] for i in theirs}
    # a story carries a copy of the words: the item is not recorded as in use
    story = room.story("lina", body_html=mine["body_html"])
    assert room.refused("lina", "DELETE", f"/library/{mine['id']}")[0] == 403  # editors delete
    assert room.call("wang", "DELETE", f"/library/{mine['id']}").status_code == 204
    assert room.ok("lina", "GET", f"/stories/{story}")  # the story keeps its copy
    assert room.refused("wang", "GET", f"/library/{mine['id']}")[0] == 404
