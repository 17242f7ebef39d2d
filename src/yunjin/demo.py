"""``yunjin demo``: six generated channels, half an hour of archive at once, a few generated
VOD titles transcoded in the background, all URLs printed."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta

import uvicorn
from rich.console import Console
from sqlalchemy import select

from yunjin.api.secure import channel_url
from yunjin.app import create_app
from yunjin.config import Settings
from yunjin.db.models import Device, Household, NewsroomStaff, Product
from yunjin.delivery.scopes import playback_scope
from yunjin.epg.generated import demo_guide
from yunjin.epg.importer import import_guide
from yunjin.live.backfill import backfill_chunk
from yunjin.live.channels import ChannelError, ChannelSpec, add_channel, get_channel
from yunjin.live.sources import parse_source
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.newsroom import demo as newsroom_demo
from yunjin.runtime import Runtime
from yunjin.subscribers.accounts import (
    create_household,
    create_product,
    register_device,
    subscribe,
)
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.passwords import verify_secret
from yunjin.vod import demo as vod_demo

log = logging.getLogger(__name__)

DEMO_CHANNELS = (
    ("CCTV1.cn", 1, "CCTV-1 综合", "CCTV-1", "央视 CCTV", 440),
    ("CCTV13.cn", 13, "CCTV-13 新闻", "CCTV-13 News", "央视 CCTV", 523),
    ("SCTV.cn", 21, "四川卫视", "Sichuan TV", "卫视 Satellite", 587),
    ("CDTV1.cn", 31, "成都新闻综合", "Chengdu News", "四川 Sichuan", 659),
    ("SCTV4.cn", 24, "四川新闻", "Sichuan News", "四川 Sichuan", 698),
    ("MSTV.cn", 41, "眉山综合", "Meishan TV", "市州 Prefectures", 784),
)
CHUNK_MINUTES = 8


def ensure_demo_channels(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        for tvg_id, number, name_zh, name_en, group, tone in DEMO_CHANNELS:
            if get_channel(session, tvg_id) is not None:
                continue
            spec = ChannelSpec(
                tvg_id=tvg_id,
                number=number,
                name_zh=name_zh,
                name_en=name_en,
                group=group,
                source=f"testsrc:?size=640x360&rate=25&tone={tone}",
                catchup_days=7,
            )
            try:
                add_channel(session, spec)
            except ChannelError as error:  # a number the operator already used
                log.warning("demo channel %s not added: %s", tvg_id, error)
    runtime.refresh_catalog()
    import_demo_guide(runtime)
    ensure_demo_household(runtime)


DEMO_ACCOUNT = "demo001"
DEMO_PASSWORD = "demo1234"  # noqa: S105 - the demo household's login, printed for all to use
DEMO_MAC = "00:11:22:33:44:55"
DEMO_SERIAL = "YJ-DEMO-0001"


def ensure_demo_household(runtime: Runtime) -> None:
    """A household in 锦江区 with a set-top box, the basic package and catch-up."""
    with runtime.db.session() as session:
        if session.scalar(select(Household).where(Household.account == DEMO_ACCOUNT)):
            return
        household = create_household(
            session, DEMO_ACCOUNT, "510104", password=DEMO_PASSWORD, pin="1234", stream_limit=2
        )
        register_device(
            session,
            household,
            "stb",
            mac=DEMO_MAC,
            serial=DEMO_SERIAL,
            label="客厅机顶盒 living-room box",
            uhd=True,
        )
        channels = [spec[0] for spec in DEMO_CHANNELS]
        create_product(
            session, "demo-basic", "基本包", "Basic package", ProductKind.CHANNELS, channels, 2500
        )
        create_product(
            session, "demo-replay", "七天回看", "7-day catch-up", ProductKind.CATCHUP, [], 1000
        )
        since = datetime.now(UTC) - timedelta(days=30)
        for code in ("demo-basic", "demo-replay"):
            subscribe(session, DEMO_ACCOUNT, code, valid_from=since)


def known_demo_credentials(runtime: Runtime) -> list[str]:
    """The demo's published logins still working in this data folder (``serve`` refuses to
    run on them without ``--demo``): the household's password, the set-top box, the
    newsroom's staff password."""
    found = []
    with runtime.db.session() as session:
        household = session.scalar(select(Household).where(Household.account == DEMO_ACCOUNT))
        if household is not None and verify_secret(household.password_hash, DEMO_PASSWORD):
            found.append(f"household {DEMO_ACCOUNT} / {DEMO_PASSWORD}")
        box = session.scalar(
            select(Device).where(Device.mac == DEMO_MAC, Device.serial == DEMO_SERIAL)
        )
        if box is not None:
            found.append(f"set-top box {DEMO_MAC} / {DEMO_SERIAL}")
        logins = [
            newsroom_demo.username(code, role)
            for code in newsroom_demo.CENTRES
            for role in newsroom_demo.ROLES
        ]
        rows = session.execute(
            select(NewsroomStaff.username, NewsroomStaff.password_hash).where(
                NewsroomStaff.username.in_(logins), NewsroomStaff.active.is_(True)
            )
        ).all()
    by_hash: dict[str, list[str]] = {}
    for login, stored in rows:  # the demo's accounts share one hash: verify it once
        by_hash.setdefault(stored, []).append(login)
    for stored, holders in by_hash.items():
        if verify_secret(stored, newsroom_demo.PASSWORD):
            found.append(f"newsroom staff {', '.join(sorted(holders))} / {newsroom_demo.PASSWORD}")
    return found


def ensure_demo_vod_products(runtime: Runtime) -> None:
    """The films bundle (films, series and the 4K shelf) and the 4K add-on, for the household."""
    vod_demo.ensure_categories(runtime.db)
    with runtime.db.session() as session:
        if session.scalar(select(Product).where(Product.code == "demo-films")):
            return
        create_product(
            session,
            "demo-films",
            "影视包",
            "Films and series",
            ProductKind.VOD,
            [],
            1500,
            categories=[code for code, *_ in vod_demo.CATEGORIES],
        )
        create_product(session, "demo-uhd", "4K 附加包", "4K add-on", ProductKind.UHD, [], 1000)
        since = datetime.now(UTC) - timedelta(days=30)
        for code in ("demo-films", "demo-uhd"):
            subscribe(session, DEMO_ACCOUNT, code, valid_from=since)


async def add_demo_vod(runtime: Runtime, console: Console) -> None:
    """Generate the demo's titles and queue them for the demo's own worker."""
    settings = runtime.settings
    binary = ffmpeg_binary(settings.ffmpeg)
    added = await asyncio.to_thread(
        vod_demo.ensure_demo_vod, settings, runtime.db, runtime.vod_queue, binary
    )
    if added:
        console.print(
            f"VOD / 点播: {added} generated titles queued for transcoding (`yunjin vod jobs`); "
            f"they appear in the portals' 点播 section when ready. / 个生成的影片已排队转码，"
            "完成后出现在门户的点播栏目。",
            soft_wrap=True,
        )


async def ensure_demo_newsroom(runtime: Runtime) -> None:
    """Sichuan's media centres with staff and published stories; the news clip is a short
    generated video, transcoded by the demo's worker."""
    settings = runtime.settings
    clip = await asyncio.to_thread(
        newsroom_demo.ensure_newsroom_clip,
        settings,
        runtime.db,
        runtime.vod_queue,
        ffmpeg_binary(settings.ffmpeg),
    )
    live = "SCTV4.cn" if "SCTV4.cn" in runtime.channels else None
    await asyncio.to_thread(
        newsroom_demo.ensure_demo_newsroom,
        runtime.db,
        datetime.now(UTC),
        live_channel=live,
        video_asset=clip,
        tip_from=DEMO_ACCOUNT,
        event_source=newsroom_demo.EVENT_SOURCE,
    )
    await asyncio.to_thread(
        newsroom_demo.ensure_library_image, settings, runtime.db, datetime.now(UTC)
    )


def print_newsroom(settings: Settings, console: Console) -> None:
    base = settings.base_url
    places = ", ".join(newsroom_demo.PLACES.values())
    console.print(
        f"""  Newsroom console / 融媒体采编后台:     {base}/console
      staff / 采编人员: {{place}}-{{role}}, password / 密码 {newsroom_demo.PASSWORD}
      place / 地区: {places}
      role / 岗位: reporter 记者, editor 初审, desk 复审, chief 终审, admin 管理员
      e.g. / 例如: jinjiang-reporter writes, jinjiang-editor → -desk → -chief review;
      jinjiang-editor finds a citizen tip (爆料) in the queue / 锦江的爆料队列里有一条群众爆料
  Zones / 专区 (TV: 新闻 · 政务 · 生活服务; phone: 资讯):  {base}/api/v1/zones/510000
""",
        soft_wrap=True,
    )


def demo_token_secret(settings: Settings) -> str:
    """A secret kept in the data folder, so signed URLs survive a restart of the demo."""
    path = settings.data_dir / "token_secret"
    if not path.is_file():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def import_demo_guide(runtime: Runtime) -> None:
    """A bilingual guide for the demo channels, a day back and two ahead, so catch-up has titles."""
    ids = {spec[0] for spec in DEMO_CHANNELS}
    channels = [c for c in runtime.channels.values() if c.tvg_id in ids]
    guide = demo_guide(channels, datetime.now(UTC), runtime.settings.timezone)
    with runtime.db.session() as session:
        report = import_guide(session, io.BytesIO(guide), channels, source="demo guide")
    log.info(
        "demo guide: %d programmes for %d channels", report.programmes_stored, len(report.matched)
    )


async def backfill_all(runtime: Runtime, minutes: int, console: Console) -> None:
    """Grow every generated channel's archive back by ``minutes``, newest chunks first."""
    settings = runtime.settings
    started = time.monotonic()
    channels = [c for c in runtime.channels.values() if c.source.startswith("testsrc:")]
    limit = asyncio.Semaphore(2)

    async def one(tvg_id: str, source: str, label: str) -> None:
        archive = runtime.archives.get(tvg_id)
        # live recording anchors the archive first; the index has no event to wait on
        while len(archive.index) == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        goal_ms = archive.index.end_ms or 0
        goal_ms -= minutes * 60_000
        while (missing_ms := (archive.index.start_ms or 0) - goal_ms) > 0:
            # whole segments, at most a chunk
            missing_s = (
                -(-missing_ms // 1000 // settings.segment_seconds) * settings.segment_seconds
            )
            async with limit:
                await backfill_chunk(
                    archive,
                    parse_source(source),
                    label,
                    seconds=min(CHUNK_MINUTES * 60, max(missing_s, settings.segment_seconds)),
                    segment_seconds=settings.segment_seconds,
                    binary=runtime.pool.config.ffmpeg_binary,
                    cache_dir=settings.data_dir / "cache",
                    timezone=settings.timezone,
                )

    await asyncio.gather(*(one(c.tvg_id, c.source, c.name_en) for c in channels))
    console.print(
        f"[green]Archive ready / 存档就绪[/]: {minutes} min per channel in "
        f"{time.monotonic() - started:.0f} s",
        soft_wrap=True,
    )
    print_catchup_urls(runtime, console)


DEMO_URL_LIFETIME_S = 24 * 3600  # printed URLs outlive a player's, so they can be clicked later


def signed_url(
    runtime: Runtime,
    channel: str,
    *,
    delay_s: int | None = None,
    start_s: int | None = None,
    duration_s: int | None = None,
) -> str:
    """A signed URL opening exactly this playback, as ``yunjin sign`` prints (ADR 0029):
    once households exist, unsigned URLs play nothing but free-to-air channels."""
    now_ms = time.time_ns() // 1_000_000
    scope, playlist = playback_scope(
        runtime.archives.get(channel).index,
        runtime.reach,
        now_ms,
        delay_s=delay_s,
        start_s=start_s,
        duration_s=duration_s,
    )
    expires = now_ms // 1000 + DEMO_URL_LIFETIME_S
    return channel_url(runtime, channel, scope, playlist, expires)


def print_urls(runtime: Runtime, console: Console) -> None:
    settings = runtime.settings
    base = settings.base_url
    example = DEMO_CHANNELS[0][0]
    xtream = f"username={DEMO_ACCOUNT}&password={DEMO_PASSWORD}"
    login = f"{DEMO_ACCOUNT} / {DEMO_PASSWORD}"
    console.print(
        f"""
[bold]Yunjin 云锦[/] is running / 正在运行 — {base}

  TV portal / 电视门户 (arrows, OK, Back, digits / 方向键、确定、返回、数字键):
      {base}/tv?mac={DEMO_MAC}&serial={DEMO_SERIAL}
  Phone portal / 手机门户:                 {base}/m   ({DEMO_ACCOUNT} / {DEMO_PASSWORD})
  M3U for VLC / 频道列表 (VLC 可直接打开):
      {base}/get.php?{xtream}&type=m3u_plus&output=m3u8
  Channels API / 频道接口:                 {base}/api/v1/channels
  Health / 健康检查:                       {base}/healthz
  Live, signed / 直播（签名地址）:
      {signed_url(runtime, example)}
  Guide now/next / 节目单 (正在播出):       {base}/api/v1/epg/now
  XMLTV / 电子节目单:                      {base}/xmltv.xml
  Xtream-Codes (IPTV apps / 第三方应用):   server {base}  user/password {login}
  Subscriber / 用户 (POST /api/v1/auth/login):  {login}, PIN 1234
  Set-top box / 机顶盒 (POST /api/v1/auth/stb):  MAC {DEMO_MAC}, serial {DEMO_SERIAL}
  VOD shelves / 点播片库:                  {base}/api/v1/vod/shelves
  VOD search by initials / 首字母搜索:      {base}/api/v1/vod/search?q=XMDYT
  Watch folder / 监视文件夹 (drop a film / 放入影片即上架):  {settings.watch_dir}

Households exist, so unsigned /hls/ URLs are refused: the URLs here are signed for a day.
已有家庭用户，未签名的 /hls/ 地址一律拒绝：以上地址已签名，一天内有效。
Rendering the past half hour of every channel; catch-up URLs follow when it is ready.
正在生成各频道过去半小时的存档，完成后显示回看地址。
Press Ctrl-C to stop / 按 Ctrl-C 停止.
""",
        soft_wrap=True,
    )


def print_catchup_urls(runtime: Runtime, console: Console) -> None:
    example = DEMO_CHANNELS[0][0]
    start = (runtime.archives.get(example).index.start_ms or 0) // 1000
    shifted = signed_url(runtime, example, delay_s=60)
    window = signed_url(runtime, example, start_s=start + 300, duration_s=600)
    to_live = signed_url(runtime, example, start_s=start + 60)
    console.print(
        f"""
  Time-shift 60 s / 时移 60 秒:     {shifted}
  Catch-up 10 min / 回看 10 分钟:   {window}
  From then to live / 回看至直播:   {to_live}
""",
        soft_wrap=True,
    )


async def run_demo(settings: Settings, backfill_minutes: int) -> None:
    console = Console()
    if settings.token_secret is None:  # so POST /api/v1/play can hand out signed URLs
        settings = settings.model_copy(update={"token_secret": demo_token_secret(settings)})
    if not settings.vod_watch_categories:  # a dropped film lands where the films bundle opens
        settings = settings.model_copy(update={"vod_watch_categories": [vod_demo.WATCH_CATEGORY]})
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    ensure_demo_channels(runtime)
    ensure_demo_vod_products(runtime)
    await ensure_demo_newsroom(runtime)
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():  # noqa: ASYNC110 - uvicorn's flag
        await asyncio.sleep(0.1)
    if serving.done():
        await serving  # raises why the server could not start
        return
    print_urls(runtime, console)
    print_newsroom(settings, console)
    filling = asyncio.create_task(backfill_all(runtime, backfill_minutes, console))
    films = asyncio.create_task(add_demo_vod(runtime, console))
    await serving
    filling.cancel()
    films.cancel()
