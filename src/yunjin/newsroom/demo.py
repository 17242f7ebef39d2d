"""The demo's newsroom: Sichuan's brand, two prefecture zones and three county centres, staff
of every role, and published stories of every type — each one written, reviewed and
published through the same actions and gate as staff use, so the audit trails are real.

成都 (510100) with 锦江 (510104) and 武侯 (510107), 绵阳 (510700) with 涪城 (510703), under
四川 (510000). A Jinjiang news story carries a generated news clip (a VOD title in the
``newsroom`` category that no product sells, so it plays for everyone and is on no 点播
shelf), an item of Jinjiang's media library, and is recommended to Chengdu's zone front
page. Everything is looked up before it is added: a restarted demo adds
nothing twice.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import (
    Household,
    NewsroomGrant,
    NewsroomMedia,
    NewsroomPoll,
    NewsroomStaff,
    NewsroomStory,
    NewsroomTenant,
    NewsroomTip,
    NewsroomVersion,
    VodAsset,
    VodCategory,
    VodTitle,
)
from yunjin.newsroom import library, library_files, polls, stories, tips, zones
from yunjin.newsroom.citizens import address_key, citizen
from yunjin.newsroom.content import Kind, check_content
from yunjin.newsroom.permissions import Actor
from yunjin.newsroom.staff import actor_for, grant
from yunjin.newsroom.syndication import Verdict
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.terms import Action, Role
from yunjin.subscribers.passwords import hash_secret
from yunjin.vod.assets import AssetState, IngestError, IngestTarget, JobQueue, ingest_file
from yunjin.vod.catalog import TitleDraft, TitleKind, add_category, add_title
from yunjin.vod.demo import Clip, make_clip

log = logging.getLogger(__name__)

SICHUAN, CHENGDU, MIANYANG = "510000", "510100", "510700"
EVENT_TITLE: Final = "直播：武侯区社区运动会开幕式"
EVENT_SOURCE: Final = "testsrc:?size=640x360&rate=25&kbps=400"  # the event's own channel
JINJIANG, WUHOU, FUCHENG = "510104", "510107", "510703"
CENTRES: Final = (SICHUAN, CHENGDU, MIANYANG, JINJIANG, WUHOU, FUCHENG)  # parents first
PLACES: Final = {
    SICHUAN: "sichuan",
    CHENGDU: "chengdu",
    MIANYANG: "mianyang",
    JINJIANG: "jinjiang",
    WUHOU: "wuhou",
    FUCHENG: "fucheng",
}
ROLES: Final = {
    "reporter": Role.REPORTER,
    "editor": Role.EDITOR,
    "desk": Role.DESK_HEAD,
    "chief": Role.CHIEF_EDITOR,
    "admin": Role.ADMIN,
}
PASSWORD: Final = "yunjin-news-2026"  # every demo account's; printed by the demo
NAMES: Final = {
    "reporter": ("李娜", "张伟", "刘芳"),
    "editor": ("王强", "杨洋", "黄磊"),
    "desk": ("赵敏", "周杰", "吴静"),
    "chief": ("陈静", "孙涛", "马丽"),
    "admin": ("高翔", "林峰", "何佳"),
}
CLIP_CATEGORY: Final = ("newsroom", "融媒体", "Media centres")
CLIP_TITLE: Final = TitleDraft(
    "nr-jinjiang-heating",
    TitleKind.MOVIE,
    "锦江区今冬供暖启动（新闻视频）",
    "Jinjiang's heating season begins (news clip)",
    "锦江区融媒体中心的新闻视频，演示用的生成画面。",
    "A news clip of the Jinjiang media centre; generated pictures for the demo.",
    year=2026,
    categories=(CLIP_CATEGORY[0],),
)
CLIP: Final = Clip("testsrc2", "640x360", 20, 698)


def username(code: str, role: str) -> str:
    """A demo account's login: ``jinjiang-reporter``, ``chengdu-desk`` …"""
    return f"{PLACES[code]}-{role}"


@dataclass
class DemoNewsroom:
    """What the demo printed and what it added this time."""

    password: str = PASSWORD
    staff_added: int = 0
    stories_added: list[str] = field(default_factory=list)
    recommended: bool = False
    poll_added: bool = False
    tip_added: bool = False
    library_added: bool = False

    @staticmethod
    def logins() -> list[tuple[str, str, str]]:
        """(username, centre, role) of every demo account."""
        return [(username(code, role), code, role) for code in CENTRES for role in ROLES]


def ensure_newsroom_clip(
    settings: Settings, db: Database, queue: JobQueue, binary: str
) -> str | None:
    """The code of the demo's news clip: generated and ingested once, transcoded by the
    demo's worker; None when it cannot be made."""
    with db.session() as session:
        if not session.scalar(select(VodCategory.id).where(VodCategory.code == CLIP_CATEGORY[0])):
            add_category(session, *CLIP_CATEGORY)
        title = session.scalar(select(VodTitle).where(VodTitle.code == CLIP_TITLE.code))
        if title is not None:
            return session.scalar(
                select(VodAsset.code)
                .where(VodAsset.title_id == title.id, VodAsset.state != AssetState.FAILED.value)
                .order_by(VodAsset.id.desc())
            )
        add_title(session, CLIP_TITLE)
    try:
        path = make_clip(binary, CLIP, settings.vod_dir / "demo-sources" / "nr-heating.mp4")
        return ingest_file(settings, db, queue, path, IngestTarget(CLIP_TITLE.code), move=True).code
    except (OSError, subprocess.SubprocessError, IngestError) as error:
        log.warning("the demo's news clip was not made: %s", error)
        return None


def ensure_demo_newsroom(
    db: Database,
    now: datetime,
    *,
    live_channel: str | None,
    video_asset: str | None,
    tip_from: str | None = None,
    event_source: str | None = None,
) -> DemoNewsroom:
    """Centres, staff and published stories of the demo (what is there already stays), and
    a citizen tip from the household ``tip_from`` in its county's queue; with
    ``event_source``, Wuhou's live event on a temporary channel of its own, on air now."""
    done = DemoNewsroom()
    with db.session() as session:
        for code in CENTRES:
            if session.get(NewsroomTenant, code) is None:
                add_tenant(session, code)
        done.staff_added = _ensure_staff(session)
    if video_asset is not None:
        with db.session() as session:
            done.library_added = _library_clip(session, video_asset, now)
    for spec in [*_stories(now, live_channel, video_asset), *_own_channel_event(now, event_source)]:
        with db.session() as session:
            if _find(session, spec.centre, spec.title) is None:
                _publish(session, spec, now)
                done.stories_added.append(spec.title)
    with db.session() as session:
        done.recommended = _recommend(session, now)
    with db.session() as session:
        done.poll_added = _poll(session, now)
    if tip_from is not None:
        with db.session() as session:
            done.tip_added = _tip(session, tip_from, now)
    return done


def _library_clip(session: Session, asset_code: str, now: datetime) -> bool:
    """The news clip in Jinjiang's media library, uploaded by its reporter (the heating
    story attaches it from there)."""
    if session.scalar(select(NewsroomMedia.id).where(NewsroomMedia.asset_code == asset_code)):
        return False
    titles = library.Titles(CLIP_TITLE.title_zh, CLIP_TITLE.title_en)
    reporter = _actor(session, JINJIANG, "reporter")
    library.add_video(session, reporter, JINJIANG, asset_code, titles, "nr-heating.mp4", now)
    return True


def ensure_library_image(settings: Settings, db: Database, now: datetime) -> bool:
    """A generated picture in Jinjiang's media library beside the clip (once), taken in as
    an upload is: checked and re-encoded by ``library_files``, added by its reporter."""
    with db.session() as session:
        found = session.scalar(
            select(NewsroomMedia.id).where(
                NewsroomMedia.tenant_code == JINJIANG, NewsroomMedia.kind == "image"
            )
        )
    if found is not None:
        return False
    folder = library_files.incoming_dir(settings) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        source = folder / "heating.png"
        _draw_heating(source)
        key = library.new_image_key()
        target = library_files.images_dir(settings, JINJIANG)
        target.mkdir(parents=True, exist_ok=True)
        stored = library_files.store_image(source, source.name, target / key)
        path = library.relative(stored.path, settings.data_dir)
        titles = library.Titles("锦江区供暖示意图", "Jinjiang's heating (illustration)")
        with db.session() as session:
            reporter = _actor(session, JINJIANG, "reporter")
            library.add_image(
                session, reporter, JINJIANG, stored, key, path, titles, source.name, now
            )
    finally:
        library_files.discard(folder)
    return True


def _draw_heating(path: Path) -> None:
    """Radiators under a warm sky: shapes only, no font needed."""
    image = Image.new("RGB", (960, 540), (250, 236, 214))
    draw = ImageDraw.Draw(image)
    for row in range(12):  # a warm gradient
        draw.rectangle((0, row * 25, 960, row * 25 + 25), fill=(250, 200 - row * 8, 150 - row * 6))
    for left in range(120, 840, 180):  # radiators
        draw.rounded_rectangle((left, 330, left + 130, 470), 12, fill=(196, 54, 44))
        for fin in range(left + 15, left + 125, 22):
            draw.line((fin, 345, fin, 455), fill=(240, 240, 240), width=6)
    image.save(path, "PNG")


def _poll(session: Session, now: datetime) -> bool:
    """A month's poll under Jinjiang's heating story, by its editor."""
    story = _find(session, JINJIANG, "锦江区今冬供暖启动")
    if story is None or session.scalar(
        select(NewsroomPoll.id).where(NewsroomPoll.story_id == story)
    ):
        return False
    polls.attach_poll(
        session,
        _actor(session, JINJIANG, "editor"),
        story,
        "您家的暖气温度合适吗？",
        ["正合适", "偏冷", "偏热"],
        now,
        closes_at=now + timedelta(days=30),
    )
    return True


TIP: Final = "东大街 88 号附近的路灯坏了一个星期，晚上出行很不方便，希望尽快修好。"


def _tip(session: Session, account: str, now: datetime) -> bool:
    """A tip (爆料) from the demo household, into the queue of its county (锦江)."""
    household = session.scalar(select(Household.id).where(Household.account == account))
    if household is None:
        return False
    if session.scalar(select(NewsroomTip.id).where(NewsroomTip.household_id == household)):
        return False
    who = citizen(session, household)
    tips.submit_tip(session, who, TIP, "", "", address_key("demo"), [], Path(), now)
    return True


def _ensure_staff(session: Session) -> int:
    """Every role in every centre. The accounts share one password, so its Argon2id hash
    is computed once (thirty hashes at production cost would hold the demo up for seconds)."""
    rows = session.execute(
        select(NewsroomStaff.username, NewsroomGrant.role).join(
            NewsroomGrant, NewsroomGrant.staff_id == NewsroomStaff.id
        )
    )
    held = {(login, role) for login, role in rows}
    shared: str | None = None
    added = 0
    for index, code in enumerate(CENTRES):
        for role, name in ROLES.items():
            login = username(code, role)
            if (login, name.value) in held:
                continue
            if session.scalar(select(NewsroomStaff.id).where(NewsroomStaff.username == login)):
                grant(session, login, code, name)
                continue
            shared = shared or hash_secret(PASSWORD)
            display = NAMES[role][index % len(NAMES[role])]
            session.add(
                NewsroomStaff(
                    username=login, display_name=display, password_hash=shared, active=True
                )
            )
            session.flush()
            grant(session, login, code, name)
            added += 1
    return added


@dataclass(frozen=True, slots=True)
class StorySpec:
    centre: str
    kind: Kind
    title: str
    summary: str
    body_html: str
    video_asset: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _paragraphs(*texts: str) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def _stories(now: datetime, live_channel: str | None, video: str | None) -> list[StorySpec]:
    day = now.date()
    specs = [
        StorySpec(
            JINJIANG,
            Kind.NEWS,
            "锦江区今冬供暖启动",
            "全区集中供暖今日启动，覆盖 12 个街道。",
            _paragraphs(
                "记者从锦江区住建局获悉，今冬集中供暖今日正式启动，覆盖全区 12 个街道、"
                "约 8.6 万户居民。",
                "供暖期间如遇暖气不热，可拨打 12345 政务服务热线反映。",
            ),
            video_asset=video,
        ),
        StorySpec(
            JINJIANG,
            Kind.NOTICE,
            "关于做好 2026 年冬季供暖工作的通告",
            "供暖时间、收费标准与报修方式。",
            "<h3>一、供暖时间</h3>"
            + _paragraphs(
                "本年度供暖期自 11 月 15 日起至次年 3 月 15 日止，共 120 天。"
                "遇极端天气，供暖期可适当延长。",
            )
            + "<h3>二、收费标准</h3>"
            + _paragraphs(
                "居民用户按建筑面积每平方米每月 5.2 元计收；非居民用户按每平方米每月 7.8 元计收。",
                "享受最低生活保障的家庭凭有效证明减半收取。",
            )
            + "<h3>三、室温标准</h3>"
            + _paragraphs(
                "供暖期间，居民卧室、起居室室温不低于 18 °C。室温不达标的，供热单位应当及时"
                "检修；连续 72 小时不达标的，按日退还相应费用。",
            )
            + "<h3>四、报修与投诉</h3>"
            + _paragraphs(
                "供热单位 24 小时报修电话：028-6000 1234。对处理结果不满意的，"
                "可拨打 12345 政务服务热线投诉。",
                "请广大居民在供暖前检查室内管道与阀门，发现漏水及时报修，"
                "不得私自改装、拆除供暖设施，不得在供暖管道上加装循环泵。",
            )
            + "<h3>五、安全提示</h3>"
            + _paragraphs(
                "使用燃气取暖的家庭，请保持室内通风，安装燃气泄漏报警装置；"
                "老年人、儿童独处时请家人多加关照。",
                "本通告自发布之日起施行，由锦江区住房和城乡建设局负责解释。",
            ),
            details={
                "issuing_body": "锦江区人民政府",
                "document_number": "锦府发〔2026〕12号",
                "valid_from": day.isoformat(),
                "valid_to": (day + timedelta(days=120)).isoformat(),
            },
        ),
        _service(
            JINJIANG,
            "锦江区人民医院预约挂号",
            "门诊预约、检查报告查询。",
            "medical",
            "028-6000 2120",
            "锦江区东大街 88 号",
            "周一至周日 8:00–17:30",
            "https://example.org/jinjiang/hospital",
        ),
        _service(
            JINJIANG,
            "社区长者食堂",
            "60 岁以上老人每餐补贴 3 元。",
            "elderly_care",
            "028-6000 3060",
            "锦江区书院街社区服务中心一楼",
            "每日 11:00–13:00，17:00–18:30",
            "",
        ),
        _service(
            JINJIANG,
            "公交夜间线路查询",
            "锦江区 8 条夜班公交线路与首末班时间。",
            "transport",
            "",
            "",
            "每日 22:00–次日 5:00",
            "https://example.org/jinjiang/night-buses",
        ),
        StorySpec(
            WUHOU,
            Kind.NEWS,
            "武侯区新增 3 处口袋公园",
            "利用边角地建成，周边居民步行 5 分钟可达。",
            _paragraphs("武侯区今年新建的 3 处口袋公园本周向市民开放。"),
        ),
        _service(
            WUHOU,
            "义务教育入学报名",
            "小学、初中新生网上报名指南。",
            "education",
            "028-6000 4100",
            "武侯区教育局政务服务窗口",
            "工作日 9:00–17:00",
            "https://example.org/wuhou/enrolment",
        ),
        StorySpec(
            FUCHENG,
            Kind.NEWS,
            "涪城区科技城新区开工一批重点项目",
            "总投资 46 亿元。",
            _paragraphs("涪城区 12 个重点项目今日集中开工。"),
        ),
        _service(
            FUCHENG,
            "水电气缴费网点",
            "涪城区各街道便民缴费点一览。",
            "utilities",
            "0816-600 0100",
            "涪城区临园路东段 1 号",
            "工作日 8:30–17:30",
            "",
        ),
        StorySpec(
            CHENGDU,
            Kind.NEWS,
            "成都地铁 30 号线二期开通",
            "新增 12 座车站。",
            _paragraphs("成都地铁 30 号线二期今日开通运营。"),
        ),
        StorySpec(
            MIANYANG,
            Kind.NOTICE,
            "绵阳市关于冬季森林防火的通告",
            "即日起进入森林防火紧要期。",
            _paragraphs("即日起至次年 4 月 30 日为森林防火紧要期，林区禁止野外用火。"),
            details={
                "issuing_body": "绵阳市人民政府",
                "document_number": "绵府发〔2026〕5号",
                "valid_from": day.isoformat(),
                "valid_to": None,
            },
        ),
    ]
    if live_channel is not None:
        starts = now.replace(microsecond=0) - timedelta(minutes=10)
        specs.append(
            StorySpec(
                JINJIANG,
                Kind.LIVE_EVENT,
                "直播：锦江区冬季消防安全演练",
                "消防救援站现场直播。",
                _paragraphs("锦江区消防救援大队今日举行冬季消防安全演练，全程直播。"),
                details={
                    "channel": live_channel,
                    "starts_at": int(starts.timestamp()),
                    "ends_at": int((starts + timedelta(hours=3)).timestamp()),
                },
            )
        )
        specs.append(
            StorySpec(
                SICHUAN,
                Kind.LIVE_EVENT,
                "直播：四川新闻联播",
                "每晚 19:30 全省联播。",
                _paragraphs("四川新闻联播，全省各市州融媒体中心同步转播。"),
                details={
                    "channel": live_channel,
                    "starts_at": int(starts.timestamp()),
                    "ends_at": int((starts + timedelta(hours=2)).timestamp()),
                },
            )
        )
    return specs


def _own_channel_event(now: datetime, source: str | None) -> list[StorySpec]:
    """Wuhou's community games, streamed on a temporary channel (``event-{story}``) that
    publishing makes and the runtime records for its window — no package needed to watch."""
    if source is None:
        return []
    starts = now.replace(microsecond=0) - timedelta(minutes=5)
    return [
        StorySpec(
            WUHOU,
            Kind.LIVE_EVENT,
            EVENT_TITLE,
            "武侯区第三届社区运动会开幕式，现场直播。",
            _paragraphs("武侯区第三届社区运动会今日开幕，融媒体中心全程直播，结束后可回看。"),
            details={
                "source": source,
                "starts_at": int(starts.timestamp()),
                "ends_at": int((starts + timedelta(hours=4)).timestamp()),
            },
        )
    ]


def _service(
    centre: str,
    title: str,
    summary: str,
    category: str,
    phone: str,
    address: str,
    hours: str,
    link: str,
) -> StorySpec:
    details = {
        "category": category,
        "phone": phone,
        "address": address,
        "opening_hours": hours,
        "link": link,
    }
    body = _paragraphs("办理时请携带本人身份证件。", "以上信息如有变动，以现场公告为准。")
    return StorySpec(centre, Kind.SERVICE, title, summary, body, details=details)


def _find(session: Session, centre: str, title: str) -> int | None:
    return session.scalar(
        select(NewsroomStory.id)
        .join(NewsroomVersion, NewsroomVersion.story_id == NewsroomStory.id)
        .where(NewsroomStory.tenant_code == centre, NewsroomVersion.title == title)
        .limit(1)
    )


def _actor(session: Session, centre: str, role: str) -> Actor:
    person = session.scalar(
        select(NewsroomStaff.id).where(NewsroomStaff.username == username(centre, role))
    )
    assert person is not None, (centre, role)
    return actor_for(session, person)


def _publish(session: Session, spec: StorySpec, now: datetime) -> None:
    """Written by the centre's reporter, through every review level of the centre."""
    content = check_content(
        spec.kind,
        title=spec.title,
        summary=spec.summary,
        body_html=spec.body_html,
        video_asset=spec.video_asset,
        details=spec.details,
    )
    story = stories.create_story(
        session, _actor(session, spec.centre, "reporter"), spec.centre, content, now
    )
    stories.act(session, _actor(session, spec.centre, "reporter"), story.id, Action.SUBMIT, now)
    for role in _reviewers(story.review_levels):
        stories.act(session, _actor(session, spec.centre, role), story.id, Action.APPROVE, now)


def _reviewers(levels: int) -> Iterable[str]:
    return {1: ("chief",), 2: ("editor", "chief"), 3: ("editor", "desk", "chief")}[levels]


def _recommend(session: Session, now: datetime) -> bool:
    """Jinjiang's heating story on Chengdu's zone front page: proposed by Chengdu's editor,
    approved by its desk head."""
    story = _find(session, JINJIANG, "锦江区今冬供暖启动")
    if story is None or zones.recommendations(session, _actor(session, CHENGDU, "desk"), CHENGDU):
        return False
    proposal = zones.recommend(
        session, _actor(session, CHENGDU, "editor"), story, CHENGDU, now, "供暖民生，推荐上专区首页"
    )
    zones.review_recommendation(
        session, _actor(session, CHENGDU, "desk"), proposal.id, Verdict.APPROVE, now
    )
    return True
