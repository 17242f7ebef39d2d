"""Story content: sanitised HTML (no script, handler or javascript: survives), plain-text
fields without markup, typed details per story type, and the audit's change summary."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.newsroom.content import (
    Image,
    Kind,
    LiveEvent,
    Notice,
    Service,
    ServiceCategory,
    changes,
    check_content,
    from_json,
    sanitise_html,
)
from yunjin.newsroom.errors import NewsroomError

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
    "<scr<script>ipt>alert(1)</script>",
    '<img src="data:text/html,<script>alert(1)</script>">',
    "<object data=x></object><embed src=x>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<body onload=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
]


def dangerous(html: str) -> bool:
    lowered = html.lower()
    return (
        any(
            marker in lowered
            for marker in (
                "<script",
                "javascript:",
                "onerror",
                "onload",
                "onclick",
                "<iframe",
                "<svg",
            )
        )
        or "data:" in lowered
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives(payload: str) -> None:
    clean = check_content(Kind.NEWS, "标题", body_html=f"<p>前</p>{payload}<p>后</p>").body_html
    assert not dangerous(clean), clean
    assert "<p>前</p>" in clean


@given(st.lists(st.sampled_from([*PAYLOADS, "<p>", "</p>", "文字", "<b>", "&", "<"]), max_size=12))
def test_no_mix_of_payloads_survives(parts: list[str]) -> None:
    assert not dangerous(sanitise_html("".join(parts)))


def test_what_an_editor_writes_is_kept() -> None:
    html = (
        '<h2>要闻</h2><p><strong>今日</strong>，<a href="https://www.sc.gov.cn/">省政府</a>'
        '发布通知。</p><figure><img src="/media/a.jpg" alt="现场"><figcaption>现场</figcaption>'
        "</figure><ul><li>一</li></ul>"
    )
    clean = sanitise_html(html)
    for kept in ("<h2>要闻</h2>", "<strong>今日</strong>", 'href="https://www.sc.gov.cn/"'):
        assert kept in clean
    assert 'rel="noopener noreferrer nofollow"' in clean
    assert '<img src="/media/a.jpg" alt="现场">' in clean


@pytest.mark.parametrize("field", ["title", "summary"])
@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "a <b>bold</b>", "x > y"])
def test_plain_text_refuses_markup(field: str, payload: str) -> None:
    values = {"title": "标题", "summary": "", field: payload}
    with pytest.raises(NewsroomError) as refused:
        check_content(Kind.NEWS, values["title"], summary=values["summary"])
    assert refused.value.code == "newsroom_plain_text_markup"
    assert refused.value.messages()["zh-CN"].startswith(field)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"title": "  "}, "newsroom_title_empty"),
        ({"images": (Image("javascript:alert(1)"),)}, "newsroom_bad_url"),
        ({"images": (Image("//evil.example/x.png"),)}, "newsroom_bad_url"),
        ({"video_asset": "../etc"}, "newsroom_bad_asset_code"),
        ({"details": {"colour": "red"}}, "newsroom_detail_unknown"),
        ({"title": "长" * 201}, "newsroom_text_too_long"),
    ],
)
def test_bad_news_is_refused_clearly(kwargs: dict[str, object], code: str) -> None:
    values: dict[str, object] = {"title": "标题", **kwargs}
    with pytest.raises(NewsroomError) as refused:
        check_content(Kind.NEWS, **values)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert set(refused.value.messages()) == {"en", "zh-CN"}


def test_notice_service_and_live_event_details() -> None:
    notice = check_content(
        Kind.NOTICE,
        "关于冬季供暖的通知",
        details={
            "issuing_body": "成都市人民政府",
            "document_number": "成府发〔2026〕12号",
            "valid_from": "2026-12-01",
            "valid_to": "2027-03-15",
        },
    )
    assert notice.details == Notice(
        "成都市人民政府", "成府发〔2026〕12号", date(2026, 12, 1), date(2027, 3, 15)
    )
    service = check_content(
        Kind.SERVICE,
        "社区医院",
        details={"category": "medical", "phone": "028-12345678", "link": "https://example.cn/"},
    )
    assert isinstance(service.details, Service)
    assert service.details.category is ServiceCategory.MEDICAL
    event = check_content(
        Kind.LIVE_EVENT,
        "灯会直播",
        details={"channel": "CDTV1.cn", "starts_at": 1796000000, "ends_at": 1796003600},
    )
    assert isinstance(event.details, LiveEvent)
    for content in (notice, service, event):
        assert from_json(content.as_json()) == content


@pytest.mark.parametrize(
    ("kind", "details", "code"),
    [
        (Kind.NOTICE, {"issuing_body": "x", "valid_from": "2026-12-01"}, "newsroom_detail_missing"),
        (
            Kind.NOTICE,
            {
                "issuing_body": "x",
                "document_number": "1",
                "valid_from": "2026-12-01",
                "valid_to": "2026-11-01",
            },
            "newsroom_bad_window",
        ),
        (
            Kind.NOTICE,
            {"issuing_body": "x", "document_number": "1", "valid_from": "昨天"},
            "newsroom_bad_detail",
        ),
        (Kind.SERVICE, {"category": "casino"}, "newsroom_bad_category"),
        (Kind.SERVICE, {"category": "medical", "link": "javascript:alert(1)"}, "newsroom_bad_url"),
        (Kind.SERVICE, {"category": "medical", "phone": "call <me>"}, "newsroom_plain_text_markup"),
        (
            Kind.LIVE_EVENT,
            {"channel": "A.cn", "starts_at": 20, "ends_at": 10},
            "newsroom_bad_window",
        ),
        (
            Kind.LIVE_EVENT,
            {"channel": "A.cn", "starts_at": "noon", "ends_at": 10},
            "newsroom_bad_detail",
        ),
    ],
)
def test_bad_details_are_refused(kind: Kind, details: dict[str, object], code: str) -> None:
    with pytest.raises(NewsroomError) as refused:
        check_content(kind, "标题", details=details)
    assert refused.value.code == code


def test_only_news_carries_video() -> None:
    assert check_content(Kind.NEWS, "t", video_asset="a1b2c3").video_asset == "a1b2c3"
    with pytest.raises(NewsroomError) as refused:
        check_content(Kind.SERVICE, "t", video_asset="a1b2c3", details={"category": "other"})
    assert refused.value.code == "newsroom_video_not_allowed"


def test_changes_summarise_what_differs() -> None:
    before = check_content(Kind.NEWS, "旧标题", body_html="<p>短</p>")
    after = check_content(Kind.NEWS, "新标题", body_html="<p>长一些</p>", images=(Image("/a.jpg"),))
    assert changes(before, after) == {
        "title": {"from": "旧标题", "to": "新标题"},
        "body_html": {"from_chars": 8, "to_chars": 10},
        "images": {"from": 0, "to": 1},
    }
    assert changes(after, after) == {}
