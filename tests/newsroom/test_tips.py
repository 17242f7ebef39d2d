"""Citizens' tips (爆料) on SQLite and PostgreSQL: from a phone (a household's session, or
anonymously with a phone), with photos checked by their bytes and a video by the VOD
probe; into the right county's queue (falling back up GB/T 2260); seen and triaged by
that centre's staff only; rate-limited; a refused tip leaves no row and no file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.newsroom.conftest import CHENGDU, JINJIANG, PROVINCE, QINGYANG, Newsroom
from tests.newsroom.households import household, suspend
from tests.vod.ingest_clips import make_clip
from yunjin.db.models import NewsroomTip, NewsroomTopic, VodAsset
from yunjin.newsroom import tip_media, tips


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 120, 200, 255)).save(out, "PNG")
    return out.getvalue()


def send(
    room: Newsroom,
    headers: dict[str, str] | None = None,
    *,
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    **fields: str,
) -> Any:
    data = {"text": "东大街路灯坏了三天", **fields}
    return room.client.request(
        "POST", "/api/v1/tips", data=data, files=files or [], headers=headers or {}
    )


def triage(room: Newsroom, who: str, tip: int, action: str, **body: str) -> Any:
    return room.ok(who, "POST", f"/tips/{tip}/actions/{action}", body or None)


def tip_files(room: Newsroom) -> list[Path]:
    root = Path(room.client.app.state.runtime.settings.data_dir) / "newsroom" / "tips"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count_tips(room: Newsroom) -> int:
    with room.client.app.state.runtime.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(NewsroomTip)) or 0)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("clip") / "street.mp4", seconds=2).read_bytes()


def test_a_household_sends_a_tip_with_photos_and_a_video(room: Newsroom, clip: bytes) -> None:
    phone = household(room, "tip-jj-1", JINJIANG)
    answer = send(
        room,
        phone,
        text="<b>东大街</b>路灯坏了<script>alert(1)</script>三天",
        contact_phone="138 0000 1234",
        files=[
            ("photos", ("lamp.jpg", jpeg(), "image/jpeg")),
            ("photos", ("map.png", png(), "image/png")),
            ("video", ("street.mp4", clip, "video/mp4")),
        ],
    )
    assert answer.status_code == 201, answer.text
    sent = answer.json()
    assert (sent["tenant"], sent["state"], sent["media"]) == (JINJIANG, "new", 3)
    listed = room.ok("wang", "GET", f"/tenants/{JINJIANG}/tips?state=new")["tips"]
    tip = next(t for t in listed if t["id"] == sent["id"])
    assert tip["text"] == "东大街路灯坏了三天"  # plain text: no markup, no script
    assert tip["contact_phone"] == "138 0000 1234"
    assert tip["from"] == "household"
    kinds = [(m["kind"], m["content_type"], m["width"]) for m in tip["media"]]
    assert kinds == [
        ("photo", "image/jpeg", 64),
        ("photo", "image/png", 32),
        ("video", "video/mp4", 320),
    ]
    assert tip["media"][2]["duration_s"] == pytest.approx(2, abs=0.2)
    photo = room.call("lina", "GET", tip["media"][0]["url"])
    assert photo.status_code == 200
    assert photo.content == jpeg()
    assert photo.headers["content-type"] == "image/jpeg"
    mine = room.client.request("GET", "/api/v1/tips/mine", headers=phone).json()["tips"]
    assert [(t["id"], t["state"]) for t in mine] == [(sent["id"], "new")]
    assert mine[0]["state_label"] == {"en": "New", "zh-CN": "新爆料"}

    # staff take the video into the VOD pipeline: an asset a story can carry
    video_id = tip["media"][2]["id"]
    ingested = room.ok("wang", "POST", f"/tips/{sent['id']}/media/{video_id}/ingest")
    with room.client.app.state.runtime.db.session() as session:
        asset = session.scalar(select(VodAsset).where(VodAsset.code == ingested["asset"]))
        assert asset is not None
        assert asset.width == 320
    again = room.ok("wang", "POST", f"/tips/{sent['id']}/media/{video_id}/ingest")
    assert again["asset"] == ingested["asset"]
    assert room.refused("wang", "POST", f"/tips/{sent['id']}/media/{tip['media'][0]['id']}/ingest")[
        1
    ] == ("newsroom_tip_not_video")


def test_triage_into_the_planning_queue(room: Newsroom) -> None:
    phone = household(room, "tip-jj-2", JINJIANG)
    first = send(room, phone, text="锦江区某小区电梯停运\n已有两天").json()["id"]
    second = send(room, phone, text="广告：优惠促销").json()["id"]
    third = send(room, phone, text="菜市场积水").json()["id"]
    assert room.refused("lina", "POST", f"/tips/{first}/actions/accept") == (
        403,
        "newsroom_role_forbidden",  # a reporter reads tips but does not triage
    )
    assert triage(room, "wang", first, "accept")["state"] == "accepted"
    assert room.refused("wang", "POST", f"/tips/{first}/actions/accept")[0] == 409
    topic = triage(room, "wang", first, "topic")
    assert topic["state"] == "topic"
    with room.client.app.state.runtime.db.session() as session:
        row = session.get(NewsroomTopic, topic["topic"])
        assert row is not None
        assert (row.source, row.tenant_code, row.title) == ("tip", JINJIANG, "锦江区某小区电梯停运")
    queue = room.ok("lina", "GET", f"/tenants/{JINJIANG}/topics")["topics"]
    assert any(t["id"] == topic["topic"] and t["source"] == "tip" for t in queue)
    assert room.refused("zhao", "POST", f"/tips/{second}/actions/dismiss")[1] == (
        "newsroom_comment_required"
    )
    dismissed = triage(room, "zhao", second, "dismiss", comment="广告，不予采用")
    assert (dismissed["state"], dismissed["comment"]) == ("dismissed", "广告，不予采用")
    assert room.refused("zhao", "POST", f"/tips/{second}/actions/topic")[0] == 409
    assert room.refused("zhao", "POST", f"/tips/{third}/actions/publish") == (
        400,
        "newsroom_unknown_action",
    )
    titled = triage(room, "chen", third, "topic", title="雨后菜市场积水调查")
    assert titled["state"] == "topic"
    states = {
        t["id"]: t["state"]
        for t in room.client.request("GET", "/api/v1/tips/mine", headers=phone).json()["tips"]
    }
    assert states == {first: "topic", second: "dismissed", third: "topic"}


def test_tips_stay_in_their_centre(room: Newsroom) -> None:
    phone = household(room, "tip-jj-3", JINJIANG)
    tip = send(room, phone, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))]).json()
    detail = room.ok("admin1", "GET", f"/tips/{tip['id']}")  # every role of the centre reads
    media = detail["media"][0]["url"]
    for outsider in ("qing", "pei", "sheng"):  # a sibling county, the zone above, the province
        assert room.refused(outsider, "GET", f"/tips/{tip['id']}") == (
            404,
            "newsroom_tip_not_found",
        )
        assert room.call(outsider, "GET", media).status_code == 404
        assert room.refused(outsider, "POST", f"/tips/{tip['id']}/actions/accept")[0] == 404
        assert room.refused(outsider, "GET", f"/tenants/{JINJIANG}/tips")[0] == 403
    assert room.client.request("GET", media).status_code == 401
    assert room.refused(None, "GET", f"/tenants/{JINJIANG}/tips")[0] == 401


def test_the_region_decides_the_centre(room: Newsroom) -> None:
    qingyang = send(room, household(room, "tip-qy-1", QINGYANG)).json()
    assert qingyang["tenant"] == QINGYANG
    jinniu = send(room, household(room, "tip-jn-1", "510106")).json()  # no centre: Chengdu's
    assert jinniu["tenant"] == CHENGDU
    dongpo = send(room, household(room, "tip-dp-1", "511402")).json()  # nor Meishan: Sichuan's
    assert dongpo["tenant"] == PROVINCE
    assert jinniu["id"] in [
        t["id"] for t in room.ok("pei", "GET", f"/tenants/{CHENGDU}/tips")["tips"]
    ]
    anonymous = send(room, contact_phone="13900001111", region=JINJIANG)
    assert anonymous.status_code == 201, anonymous.text
    assert anonymous.json()["tenant"] == JINJIANG
    row = room.ok("wang", "GET", f"/tips/{anonymous.json()['id']}")
    assert (row["from"], row["household"], row["contact_phone"]) == (
        "anonymous",
        None,
        "13900001111",
    )


def test_bad_input_is_refused_with_nothing_left(room: Newsroom) -> None:
    phone = household(room, "tip-jj-4", JINJIANG)
    before_rows, before_files = count_tips(room), tip_files(room)
    script = b"<?php echo 1; ?>"
    cases = [
        (
            {"files": [("photos", ("evil.jpg", script, "image/jpeg"))]},
            422,
            "newsroom_tip_not_photo",
        ),
        (
            {"files": [("photos", ("x.gif", b"GIF89a" + b"\0" * 40, "image/gif"))]},
            422,
            "newsroom_tip_not_photo",
        ),
        (
            {"files": [("photos", ("cut.png", png()[:60], "image/png"))]},
            422,
            "newsroom_tip_photo_broken",
        ),
        (
            {"files": [("video", ("clip.mp4", b"not a video at all" * 100, "video/mp4"))]},
            422,
            "media_container_refused",  # text: in no container of the allow-list
        ),
        (
            {"files": [("video", ("still.mp4", jpeg(), "video/mp4"))]},
            422,
            "media_container_refused",  # a still image, by its bytes
        ),
        ({"files": [("photos", ("empty.jpg", b"", "image/jpeg"))]}, 422, "newsroom_tip_empty_file"),
        (
            {
                "files": [
                    ("photos", ("ok.jpg", jpeg(), "image/jpeg")),
                    ("photos", ("bad.jpg", script, "image/jpeg")),
                ]
            },
            422,
            "newsroom_tip_not_photo",
        ),
        ({"text": "   "}, 400, "newsroom_text_empty"),
        ({"text": "长" * 2001}, 400, "newsroom_text_too_long"),
        ({"contact_phone": "call me <maybe>"}, 400, "newsroom_tip_bad_phone"),
    ]
    for kwargs, status, code in cases:
        answer = send(room, phone, **kwargs)
        assert answer.status_code == status, (code, answer.text)
        error = answer.json()["error"]
        assert error["code"] == code
        assert error["messages"]["en"]
        assert error["messages"]["zh-CN"]
    too_many = [("photos", (f"{i}.jpg", jpeg(), "image/jpeg")) for i in range(10)]
    assert send(room, phone, files=too_many).status_code == 400
    anonymous = send(room, region=JINJIANG)  # no phone
    assert anonymous.json()["error"]["code"] == "newsroom_tip_contact_required"
    nowhere = send(room, contact_phone="13900002222", region="999999")
    assert nowhere.json()["error"]["code"] == "newsroom_no_centre"
    assert count_tips(room) == before_rows
    assert tip_files(room) == before_files
    huge = room.client.request(
        "POST", "/api/v1/tips", content=b"x", headers={**phone, "content-length": str(2**34)}
    )
    assert huge.status_code == 413
    suspend(room, "tip-jj-4")
    assert send(room, phone).json()["error"]["code"] == "newsroom_household_inactive"
    expired = send(room, {"Authorization": "Bearer not-a-session"})
    assert expired.status_code == 401


def test_rate_limits(room: Newsroom) -> None:
    phone = household(room, "tip-jj-5", JINJIANG)
    for number in range(tips.PER_HOUR):
        assert send(room, phone, text=f"第 {number} 条").status_code == 201
    limited = send(room, phone, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])
    assert limited.status_code == 429
    error = limited.json()["error"]
    assert error["code"] == "newsroom_rate_limited"
    assert "秒后再试" in error["messages"]["zh-CN"]
    # anonymous citizens: by their address, and by their phone over a day
    for number in range(tips.ANONYMOUS_PER_HOUR):
        answer = send(room, contact_phone=f"1370000{number:04d}", region=QINGYANG)
        assert answer.status_code in (201, 429)
    assert send(room, contact_phone="13711112222", region=QINGYANG).status_code == 429


def test_a_photo_too_large_stops_at_the_limit(
    room: Newsroom, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tip_media, "MAX_PHOTO_BYTES", 1000)
    phone = household(room, "tip-jj-6", JINJIANG)
    before_rows, before_files = count_tips(room), tip_files(room)
    answer = send(room, phone, files=[("photos", ("big.jpg", jpeg((400, 400)), "image/jpeg"))])
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "newsroom_tip_file_too_large"
    assert (count_tips(room), tip_files(room)) == (before_rows, before_files)
