"""The console's media library page, as a browser uses it: upload a video and an image with
the multipart form (its CSRF token checked, a bad file refused with the page again and
nothing kept), the list with each video's transcode state and percent, the story form's
picker of the centre's own videos and images, deleting only what no story uses."""

from __future__ import annotations

import re
from typing import Any

from tests.newsroom.conftest import JINJIANG, QINGYANG, jpeg
from tests.newsroom.test_console import TOKEN, Browser, app, people, story_id

__all__ = ["app"]  # the module's app fixture, shared with the console's tests


def upload(person: Browser, code: str, kind: str, data: bytes, name: str, **fields: str) -> Any:
    """The library page's form, posted as a browser posts a multipart form."""
    page = person.get(f"/console/centres/{code}/library")
    token = TOKEN.search(page.text)
    form = {"kind": kind, **fields}
    if token and "csrf" not in fields:
        form["csrf"] = token.group(1)
    cookies = "; ".join(f"{k}={v}" for k, v in person.cookies.items())
    answer = person.client.request(
        "POST",
        f"/console/centres/{code}/library",
        data=form,
        files={"file": (name, data, "application/octet-stream")},
        headers={"Cookie": cookies, "Accept-Language": person.lang},
    )
    person.last = answer.text
    return answer


def rows(person: Browser, code: str = JINJIANG) -> dict[str, str]:
    """The library's rows: item id → its state (videos) or kind (images)."""
    page = person.get(f"/console/centres/{code}/library").text
    found = re.findall(r'<tr data-media="(\d+)" data-kind="(\w+)">(.*?)</tr>', page, re.S)
    states = {}
    for media, kind, cells in found:
        state = re.search(r'data-state="(\w+)"', cells)
        states[media] = state.group(1) if state else kind
    return states


def test_upload_list_pick_and_delete(app: Any, news_clip: bytes) -> None:
    team = people(app, "lina", "wang", "qing")
    lina, wang, qing = team["lina"], team["wang"], team["qing"]
    assert lina.get(f"/console/centres/{JINJIANG}/library").status_code == 200
    assert 'enctype="multipart/form-data"' in lina.last
    before = rows(lina)
    # a forged form (no token, or another's) is refused before the file is looked at
    assert upload(lina, JINJIANG, "image", jpeg(), "a.jpg", csrf="forged").status_code == 403
    assert upload(lina, JINJIANG, "image", jpeg(), "a.jpg", csrf="").status_code == 403
    # a file that is not what it says: the page again with the message, nothing kept
    refused = upload(lina, JINJIANG, "video", b"just text\n" * 100, "clip.mp4")
    assert refused.status_code == 422
    assert "是文本；只接受 MP4、MOV、MKV、WebM 或 MPEG-TS 文件" in refused.text
    refused = upload(lina, JINJIANG, "image", b"just text\n" * 100, "photo.jpg")
    assert "不是 JPEG、PNG 或 WebP 图片" in refused.text
    assert rows(lina) == before
    # another centre's staff: not their library
    assert upload(qing, JINJIANG, "image", jpeg(), "a.jpg").status_code == 403
    assert qing.get(f"/console/centres/{JINJIANG}/library").status_code == 403

    video = upload(lina, JINJIANG, "video", news_clip, "heating.mp4", title="供暖现场")
    assert video.status_code == 303, video.text
    assert video.headers["location"] == f"/console/centres/{JINJIANG}/library?done=media_upload"
    assert "文件已上传至媒体库" in lina.get(video.headers["location"]).text
    image = upload(lina, JINJIANG, "image", jpeg(), "boiler.jpg", title="锅炉房")
    assert image.status_code == 303, image.text
    listed = rows(lina)
    added = {k: v for k, v in listed.items() if k not in before}
    assert sorted(added.values()) == ["image", "queued"]  # no worker runs in this app
    page = lina.get(f"/console/centres/{JINJIANG}/library").text
    assert "排队中" in page
    assert "0.0%" in page
    assert "供暖现场" in page
    assert 'action="/console/library/' not in page  # reporters upload; editors curate
    image_id = next(k for k, v in added.items() if v == "image")
    url = re.search(rf'data-media="{image_id}".*?<code>([^<]+)</code>', page, re.S)
    assert url
    address = url.group(1)
    asset = re.search(r'data-state="queued".*?<code>([a-z2-7]{12})</code>', page, re.S)
    assert asset

    # the story form offers the centre's own videos and images; picked, they are attached
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=news")
    assert f'<option value="{asset.group(1)}">供暖现场' in lina.last
    assert f'name="pick_{image_id}" value="{address}"' in lina.last
    form = {
        "title": "供暖现场直击",
        "summary": "",
        "body_html": "<p>正文</p>",
        "video_asset": asset.group(1),
        "images": "",
        f"pick_{image_id}": address,
    }
    story = story_id(lina.post(f"/console/centres/{JINJIANG}/stories?kind=news", form))
    lina.get(f"/console/stories/{story}/edit")
    assert f'<option value="{asset.group(1)}" selected>' in lina.last
    assert address in lina.last
    # Qingyang's form offers none of Jinjiang's, and a forged pick of them is refused
    qing.get(f"/console/centres/{QINGYANG}/stories/new?kind=news")
    assert address not in qing.last
    forged = qing.post(
        f"/console/centres/{QINGYANG}/stories?kind=news",
        {**form, "title": "别处的图", "video_asset": ""},
    )
    assert forged.status_code == 400
    assert "不在融媒体中心 510105 的媒体库中" in forged.text

    # the editor deletes only what no story version uses
    page = wang.get(f"/console/centres/{JINJIANG}/library").text
    assert f'action="/console/library/{image_id}/delete"' in page
    in_use = wang.post(f"/console/library/{image_id}/delete", {})
    assert in_use.status_code == 409
    assert "正被稿件" in in_use.text
    spare = upload(lina, JINJIANG, "image", jpeg(), "spare.jpg", title="备用")
    assert spare.status_code == 303
    spare_id = next(k for k in rows(wang) if k not in listed)
    wang.get(f"/console/centres/{JINJIANG}/library")
    gone = wang.post(f"/console/library/{spare_id}/delete", {})
    assert gone.status_code == 303
    assert spare_id not in rows(wang)
    forged_delete = wang.post(f"/console/library/{image_id}/delete", {}, csrf="forged")
    assert forged_delete.status_code == 403
    assert image_id in rows(wang)  # refused: nothing deleted


def test_a_text_item_typed_in_and_inserted_into_a_story(app: Any) -> None:
    team = people(app, "lina", "wang", "qing")
    lina, wang, qing = team["lina"], team["wang"], team["qing"]
    lina.get(f"/console/centres/{JINJIANG}/library")
    assert '<option value="text">文稿</option>' in lina.last
    before = rows(lina)
    # the body field with the file input left empty; a script in it never reaches a story
    body = "<p>区政府关于供暖的声明。</p><script>alert(1)</script><p>全文如下</p>"
    added = upload(lina, JINJIANG, "text", b"", "", title="供暖声明", body=body, format="html")
    assert added.status_code == 303, added.text
    refused = upload(lina, JINJIANG, "text", "新闻稿".encode("gbk"), "gbk.txt")
    assert refused.status_code == 422
    assert "不是 UTF-8 文本" in refused.text
    refused = upload(lina, JINJIANG, "text", b"", "", title="空", body="   ")
    assert refused.status_code == 422
    assert "文稿条目须有正文内容" in refused.text
    added_rows = {k: v for k, v in rows(lina).items() if k not in before}
    assert list(added_rows.values()) == ["text"]
    text_id = next(iter(added_rows))
    assert "区政府关于供暖的声明" in lina.get(f"/console/centres/{JINJIANG}/library").text

    # the story form offers it; "insert" fills the body without saving anything
    lina.get(f"/console/centres/{JINJIANG}/stories/new?kind=notice")
    assert f'<option value="{text_id}">供暖声明' in lina.last
    form = {"title": "供暖", "summary": "", "body_html": "<p>导语</p>", "insert_text": text_id}
    filled = lina.post(
        f"/console/centres/{JINJIANG}/stories?kind=news", {**form, "do": "insert_text"}
    )
    assert filled.status_code == 200
    assert "&lt;p&gt;导语&lt;/p&gt;\n&lt;p&gt;区政府关于供暖的声明。&lt;/p&gt;" in filled.text
    assert "alert" not in filled.text
    story = story_id(lina.post(f"/console/centres/{JINJIANG}/stories?kind=news", form))
    lina.get(f"/console/stories/{story}/edit")
    inserted = lina.post(f"/console/stories/{story}/edit", {**form, "do": "insert_text"})
    assert inserted.status_code == 200
    assert "区政府关于供暖的声明" in inserted.text
    # another centre's text is "not found" for Qingyang's form, and not offered there
    qing.get(f"/console/centres/{QINGYANG}/stories/new?kind=news")
    assert "供暖声明" not in qing.last
    forged = qing.post(
        f"/console/centres/{QINGYANG}/stories?kind=news", {**form, "do": "insert_text"}
    )
    assert forged.status_code == 400
    assert "媒体库中没有条目" in forged.text
    # the story keeps its copy: the editor may delete the text item
    wang.get(f"/console/centres/{JINJIANG}/library")
    assert wang.post(f"/console/library/{text_id}/delete", {}).status_code == 303
    assert text_id not in rows(wang)
