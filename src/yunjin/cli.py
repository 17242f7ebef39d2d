"""The ``yunjin`` command line."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from yunjin.archive.registry import Archives
from yunjin.archive.store import ChannelArchive
from yunjin.config import ConfigError, Settings, load_settings
from yunjin.db.engine import Database
from yunjin.live.channels import (
    ChannelError,
    ChannelSpec,
    add_channel,
    list_channels,
    remove_channel,
    set_enabled,
    set_free_to_air,
)
from yunjin.live.sources import redact_source
from yunjin.newsroom.cli import newsroom_app

app = typer.Typer(help="Yunjin 云锦 — IPTV operator platform / IPTV 运营平台", no_args_is_help=True)
channel_app = typer.Typer(help="Live channels / 直播频道", no_args_is_help=True)
archive_app = typer.Typer(help="The rolling archive / 回看存档", no_args_is_help=True)
app.add_typer(channel_app, name="channel")
app.add_typer(archive_app, name="archive")
epg_app = typer.Typer(help="Programme guide / 电子节目单", no_args_is_help=True)
app.add_typer(epg_app, name="epg")
household_app = typer.Typer(help="Households / 家庭用户", no_args_is_help=True)
device_app = typer.Typer(help="Devices / 终端", no_args_is_help=True)
product_app = typer.Typer(help="Products / 产品", no_args_is_help=True)
subscription_app = typer.Typer(help="Subscriptions / 订购", no_args_is_help=True)
app.add_typer(household_app, name="household")
app.add_typer(device_app, name="device")
app.add_typer(product_app, name="product")
app.add_typer(subscription_app, name="subscription")
order_app = typer.Typer(help="Pay-per-view orders / 按次付费订单", no_args_is_help=True)
app.add_typer(order_app, name="order")
admin_app = typer.Typer(help="Operator staff / 运营人员", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(newsroom_app, name="newsroom")
vod_app = typer.Typer(help="VOD ingest and transcode jobs / 点播入库与转码", no_args_is_help=True)
app.add_typer(vod_app, name="vod")
console = Console()
errors = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data",
        envvar="YUNJIN_DATA_DIR",
        help="Folder of the database and archive / 数据库与存档目录",
    ),
]


def _settings(data: Path | None, **overrides: object) -> Settings:
    try:
        return load_settings(data_dir=data, **overrides)
    except ConfigError as error:
        _fail(f"configuration / 配置: {error}")


def _fail(text: str, code: int = 1) -> NoReturn:
    errors.print(f"[red]error / 错误[/]: {text}")
    raise typer.Exit(code)


def _logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def serve(
    data: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on / 监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="Port / 端口")] = None,
    record: Annotated[bool, typer.Option(help="Run the recorders / 运行录制")] = True,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Serve a demo data folder, published logins and all / 运行演示数据（含演示账号）",
        ),
    ] = False,
    role: Annotated[
        str | None,
        typer.Option(
            help="all (one box), api (serves, records nothing) or recorder (records its "
            "share) / 角色：all、api 或 recorder"
        ),
    ] = None,
    node_id: Annotated[
        str | None, typer.Option(help="this node's name among recorders / 节点名")
    ] = None,
) -> None:
    """Run Yunjin: HTTP delivery and the recorders. / 运行云锦：HTTP 分发与录制。"""
    from yunjin.app import create_app
    from yunjin.demo import demo_token_secret, known_demo_credentials

    _logging()
    settings = _settings(data, host=host, port=port, record=record, role=role, node_id=node_id)
    if demo and settings.token_secret is None:  # the demo's own, as `yunjin demo` signs with
        settings = settings.model_copy(update={"token_secret": demo_token_secret(settings)})
    application = create_app(settings)
    runtime = application.state.runtime
    if runtime.role == "recorder":  # serves nobody: nothing to say about access
        console.print(f"recorder / 录制节点 {runtime.node_id}", soft_wrap=True)
        uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")
        return
    leftovers = known_demo_credentials(runtime)
    if leftovers and not demo:
        runtime.db.close()
        _fail(
            "this data folder still holds the demo's published logins / "
            "该数据目录仍含公开的演示账号:\n  "
            + "\n  ".join(leftovers)
            + "\nchange or remove them, or run `yunjin serve --demo` / "
            "请修改或删除这些账号，或使用 `yunjin serve --demo`"
        )
    for line in describe_access(runtime):
        console.print(line, soft_wrap=True)
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")


def describe_access(runtime: Any) -> list[str]:
    """What plays for whom, said at start (ADR 0029)."""
    settings = runtime.settings
    free = sorted(c.tvg_id for c in runtime.channels.values() if c.open_to_all)
    if runtime.access.open:
        lines = [
            "[yellow]open / 开放[/]: unsigned /hls/ URLs play every channel — no household or "
            "product exists yet, and require_tokens is off / 未签名的 /hls/ 地址可播放全部频道"
            "（尚无家庭用户或产品，且未开启 require_tokens）"
        ]
    else:
        reason = (
            "require_tokens is on / 已开启 require_tokens"
            if settings.require_tokens
            else "households or products exist / 已有家庭用户或产品"
        )
        lines = [
            f"[green]closed / 关闭[/]: unsigned /hls/ URLs are refused ({reason}); signed URLs "
            "from the gate play / 未签名地址一律拒绝，仅播放经授权签发的地址"
        ]
    lines.append(
        f"free-to-air and public events / 免费开放与公共直播: {', '.join(free) or 'none / 无'}"
    )
    if settings.token_secret is None:
        lines.append(
            "[yellow]token_secret is unset / 未设置 token_secret[/]: no signed URLs, so "
            "households cannot play / 无法签发播放地址，家庭用户无法播放"
        )
    return lines


@app.command()
def demo(
    data: DataDir = None,
    host: Annotated[str | None, typer.Option(help="Address / 地址")] = None,
    port: Annotated[int | None, typer.Option(help="Port / 端口")] = None,
    backfill_minutes: Annotated[
        int, typer.Option(help="Archive to render at start / 启动时生成的存档分钟数")
    ] = 32,
) -> None:
    """Six generated channels with half an hour of archive. / 六个测试频道和半小时回看。"""
    from yunjin.demo import run_demo

    _logging()
    settings = _settings(data, host=host, port=port)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(settings, backfill_minutes))


@channel_app.command("add")
def channel_add(
    tvg_id: Annotated[str, typer.Option("--id", help="tvg-id, the stable key / 频道标识")],
    name: Annotated[str, typer.Option(help="Name / 名称")],
    number: Annotated[int, typer.Option(help="Channel number / 频道号")],
    source: Annotated[
        str,
        typer.Option(help="udp://, srt://, rtmp://, http(s)://…m3u8, /path/file.ts or testsrc:"),
    ],
    catchup_days: Annotated[int, typer.Option(help="Days of catch-up / 回看天数")] = 7,
    name_en: Annotated[str | None, typer.Option(help="English name / 英文名")] = None,
    group: Annotated[str, typer.Option(help="Group / 分组")] = "",
    logo: Annotated[str, typer.Option(help="Logo URL / 台标")] = "",
    disabled: Annotated[bool, typer.Option("--disabled", help="Add disabled / 停用")] = False,
    uhd: Annotated[bool, typer.Option("--uhd", help="A 4K channel / 4K 频道")] = False,
    min_age: Annotated[int, typer.Option(help="Parental PIN at this age / 分级年龄")] = 0,
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="AES-128, encrypted at rest / 加密")
    ] = False,
    free_to_air: Annotated[
        bool,
        typer.Option(
            "--free-to-air", help="Open to everyone, unsigned URLs play it / 免费开放，无需签名"
        ),
    ] = False,
    data: DataDir = None,
) -> None:
    """Add a channel. / 添加频道。"""
    try:
        spec = ChannelSpec(
            tvg_id=tvg_id,
            number=number,
            name_zh=name,
            name_en=name_en or name,
            group=group,
            logo=logo,
            source=source,
            catchup_days=catchup_days,
            enabled=not disabled,
            uhd=uhd,
            min_age=min_age,
            encrypted=encrypt,
            free_to_air=free_to_air,
        )
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        _fail(problems, 2)
    db = Database(_settings(data).database)
    try:
        with db.session() as session:
            view = add_channel(session, spec)
    except ChannelError as error:
        _fail(str(error))
    finally:
        db.close()
    console.print(f"added / 已添加: {view.number} {view.tvg_id} {view.name_zh}")


@channel_app.command("list")
def channel_list(data: DataDir = None) -> None:
    """List channels. / 列出频道。"""
    db = Database(_settings(data).database)
    with db.session() as session:
        channels = list_channels(session)
    db.close()
    table = Table(
        "No. 频道号",
        "tvg-id",
        "Name 名称",
        "Group 分组",
        "Catch-up 回看",
        "Enabled 启用",
        "Free 免费",
        "Source 信源",
    )
    for c in channels:
        table.add_row(
            str(c.number),
            c.tvg_id,
            f"{c.name_zh} / {c.name_en}",
            c.group,
            f"{c.catchup_days} d",
            "yes 是" if c.enabled else "no 否",
            "yes 是" if c.open_to_all else "no 否",
            redact_source(c.source),
        )
    console.print(table)


@channel_app.command("remove")
def channel_remove(
    tvg_id: Annotated[str, typer.Argument(help="tvg-id")],
    purge: Annotated[bool, typer.Option(help="Delete its archive too / 同时删除存档")] = False,
    data: DataDir = None,
) -> None:
    """Remove a channel (its archive stays unless --purge). / 删除频道。"""
    settings = _settings(data)
    db = Database(settings.database)
    try:
        with db.session() as session:
            remove_channel(session, tvg_id)
    except ChannelError as error:
        _fail(str(error))
    finally:
        db.close()
    if purge:
        Archives(settings.archive_dir).purge(tvg_id)
    console.print(f"removed / 已删除: {tvg_id}")


@channel_app.command("enable")
def channel_enable(tvg_id: str, data: DataDir = None) -> None:
    """Enable a channel. / 启用频道。"""
    _set_enabled(tvg_id, True, data)


@channel_app.command("disable")
def channel_disable(tvg_id: str, data: DataDir = None) -> None:
    """Disable a channel: recording stops. / 停用频道：停止录制。"""
    _set_enabled(tvg_id, False, data)


@channel_app.command("free-to-air")
def channel_free_to_air(
    tvg_id: str,
    off: Annotated[bool, typer.Option("--off", help="Close it again / 取消开放")] = False,
    data: DataDir = None,
) -> None:
    """Open a channel to everyone: unsigned URLs play it, no package needed (--off closes it).
    / 将频道免费开放：无需签名与订购（--off 取消）。"""
    db = Database(_settings(data).database)
    try:
        with db.session() as session:
            set_free_to_air(session, tvg_id, not off)
    except ChannelError as error:
        _fail(str(error))
    finally:
        db.close()
    console.print(f"{tvg_id}: {'closed / 已取消开放' if off else 'free-to-air / 已免费开放'}")


def _set_enabled(tvg_id: str, enabled: bool, data: Path | None) -> None:
    db = Database(_settings(data).database)
    try:
        with db.session() as session:
            set_enabled(session, tvg_id, enabled)
    except ChannelError as error:
        _fail(str(error))
    finally:
        db.close()
    console.print(f"{tvg_id}: {'enabled / 已启用' if enabled else 'disabled / 已停用'}")


@archive_app.command("status")
def archive_status(data: DataDir = None) -> None:
    """Each channel's archive: range, segments, size. / 各频道存档范围与大小。"""
    settings = _settings(data)
    db = Database(settings.database)
    with db.session() as session:
        channels = list_channels(session)
    db.close()
    table = Table(
        "tvg-id", "From 起", "To 止", "Hours 时长", "Segments 分片", "Size 大小", "Gaps 断点"
    )
    for c in channels:
        archive = ChannelArchive(settings.archive_dir, c.tvg_id)
        archive.load()
        index = archive.index
        if index.start_ms is None or index.end_ms is None:
            table.add_row(c.tvg_id, "-", "-", "0", "0", "0", "0")
            continue
        runs = index.run_at(len(index) - 1) - index.run_at(0)
        table.add_row(
            c.tvg_id,
            _utc(index.start_ms),
            _utc(index.end_ms),
            f"{(index.end_ms - index.start_ms) / 3_600_000:.2f}",
            str(len(index)),
            f"{index.total_bytes / 1e6:.1f} MB",
            str(runs),
        )
    console.print(table)


@archive_app.command("rebuild")
def archive_rebuild(
    tvg_id: Annotated[str, typer.Argument(help="tvg-id")],
    data: DataDir = None,
) -> None:
    """Rebuild a channel's index from its segment files. / 由分片文件重建索引。"""
    settings = _settings(data)
    archive = ChannelArchive(settings.archive_dir, tvg_id)
    if not archive.path.is_dir():
        _fail(f"no archive for {tvg_id} in {settings.archive_dir}")
    report = archive.load(rebuild=True)
    console.print(
        f"{tvg_id}: {report.segments} segments in {report.hours} hours, "
        f"{report.rejected} rejected / 已重建"
    )


@epg_app.command("import")
def epg_import(
    location: Annotated[str, typer.Argument(help="XMLTV file or http(s) URL, gzip too")],
    every: Annotated[
        int | None, typer.Option(help="Re-import the URL every N hours / 每 N 小时刷新")
    ] = None,
    data: DataDir = None,
) -> None:
    """Import an XMLTV guide (all or nothing). / 导入 XMLTV 节目单（全部成功或不变）。"""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from yunjin.epg.sources import GuideSourceError, import_location, is_url, schedule_source
    from yunjin.epg.xmltv import XmltvError

    settings = _settings(data)
    db = Database(settings.database)
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("importing / 导入中", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = import_location(db, location, progress)
        if every is not None:
            if not is_url(location):
                _fail("--every needs a URL / --every 需要 URL")
            with db.session() as session:
                schedule_source(session, location, every)
    except (GuideSourceError, XmltvError) as error:
        _fail(f"{error} — the previous guide is unchanged / 原节目单未改变")
    finally:
        db.close()
    summary = report.as_json()
    console.print(
        f"[green]imported / 已导入[/] {summary['programmes_stored']} programmes / 节目 for "
        f"{len(summary['matched'])} channels / 频道 in {summary['seconds']} s"
    )
    if summary["unmatched"]:
        console.print(f"unmatched guide channels / 未匹配频道: {len(summary['unmatched'])}")
        for guide_id, name in list(summary["unmatched"].items())[:20]:
            console.print(f"  {guide_id}  {name}")
    for reason, count in summary["skipped"].items():
        console.print(f"skipped / 跳过 {count}: {reason}")
    for key in (
        "overlaps_trimmed",
        "duplicates_dropped",
        "open_ended_dropped",
        "programmes_of_unmatched_channels",
    ):
        if summary[key]:
            console.print(f"{key}: {summary[key]}")


@epg_app.command("map")
def epg_map(
    guide_id: Annotated[str, typer.Argument(help="the guide's channel id / 节目单频道 id")],
    tvg_id: Annotated[str, typer.Argument(help="our channel / 本平台频道")],
    data: DataDir = None,
) -> None:
    """Map a guide channel to one of ours. / 将节目单频道映射到本平台频道。"""
    from yunjin.epg.sources import add_mapping

    db = Database(_settings(data).database)
    try:
        with db.session() as session:
            if not any(c.tvg_id == tvg_id for c in list_channels(session)):
                _fail(f"no channel {tvg_id}")
            add_mapping(session, guide_id, tvg_id)
    finally:
        db.close()
    console.print(f"{guide_id} → {tvg_id}")


@app.command("nginx-config")
def nginx_config(
    listen: Annotated[str, typer.Option(help="nginx listen address / 监听")] = "8080",
    upstream: Annotated[str | None, typer.Option(help="the app / 应用地址")] = None,
    runtime_dir: Annotated[Path, typer.Option(help="pid, logs and temp files / 运行目录")] = Path(
        "/var/lib/yunjin-edge"
    ),
    out: Annotated[Path | None, typer.Option(help="write here (else stdout) / 输出文件")] = None,
    data: DataDir = None,
) -> None:
    """An nginx edge that verifies signed URLs with secure_link. / 生成 nginx 边缘配置。"""
    from yunjin.delivery.nginx import EdgeConfig, render_nginx_config

    settings = _settings(data)
    if not settings.token_secret:
        _fail("set token_secret first (YUNJIN_TOKEN_SECRET) / 请先设置 token_secret")
    edge = EdgeConfig(
        listen=listen,
        upstream=upstream or settings.base_url,
        archive_dir=settings.archive_dir,
        secret=settings.token_secret,
        runtime_dir=runtime_dir,
        vod_media_dir=settings.vod_dir / "media",
    )
    try:
        text = render_nginx_config(edge)
    except ValueError as error:
        _fail(str(error))
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    out.chmod(0o600)  # it holds the secret
    console.print(f"wrote / 已写入 {out}")


@app.command("sign")
def sign_url(
    channel: Annotated[str, typer.Argument(help="tvg-id")],
    address: Annotated[str | None, typer.Option(help="bind to this client address")] = None,
    delay: Annotated[
        int | None, typer.Option(help="time-shift up to S seconds behind live / 时移深度（秒）")
    ] = None,
    start: Annotated[
        int | None, typer.Option(help="catch-up from UTC seconds / 回看起点（UTC 秒）")
    ] = None,
    duration: Annotated[
        int | None, typer.Option(help="the window's seconds (else up to live) / 回看时长（秒）")
    ] = None,
    data: DataDir = None,
) -> None:
    """Print a signed URL opening exactly live, a time-shift depth or a window.
    / 输出只开放直播、时移深度或回看时段的签名地址。"""
    from yunjin.archive.requests import BadRequest
    from yunjin.delivery.scopes import Reach, playback_scope
    from yunjin.delivery.tokens import sign

    settings = _settings(data)
    if not settings.token_secret:
        _fail("set token_secret first (YUNJIN_TOKEN_SECRET) / 请先设置 token_secret")
    now_ms = time.time_ns() // 1_000_000
    try:
        scope, name = playback_scope(
            Archives(settings.archive_dir).get(channel).index,
            Reach(settings.live_window_segments, settings.catchup_window_max_s),
            now_ms,
            delay_s=delay,
            start_s=start,
            duration_s=duration,
        )
    except BadRequest as error:
        _fail(str(error), 2)
    expires = now_ms // 1000 + settings.token_ttl_s
    try:
        prefix = sign(settings.token_secret, channel, scope, expires, address)
    except ValueError as error:
        _fail(str(error))
    print(f"{settings.base_url}{prefix.path}/{name}")


def _subscribers(data: Path | None, action: Any) -> Any:
    """Run an action on the subscriber tables in one transaction, with clear errors."""
    from yunjin.subscribers.accounts import AccountError
    from yunjin.subscribers.regions import seed_regions

    db = Database(_settings(data).database)
    try:
        with db.session() as session:
            seed_regions(session)
            return action(session)
    except AccountError as error:
        _fail(str(error))
    finally:
        db.close()


@household_app.command("add")
def household_add(
    account: Annotated[str, typer.Argument(help="account number / 账号")],
    region: Annotated[str, typer.Option(help="GB/T 2260 code / 行政区划代码")] = "510104",
    password: Annotated[str | None, typer.Option(help="for phone login / 手机登录密码")] = None,
    pin: Annotated[str | None, typer.Option(help="parental PIN / 家长密码")] = None,
    streams: Annotated[int, typer.Option(help="screens at once / 并发数")] = 2,
    devices: Annotated[int, typer.Option(help="device limit / 终端上限")] = 5,
    data: DataDir = None,
) -> None:
    """Add a household. / 新增家庭用户。"""
    from yunjin.subscribers.accounts import create_household

    _subscribers(
        data,
        lambda s: create_household(
            s,
            account,
            region,
            password=password,
            pin=pin,
            stream_limit=streams,
            device_limit=devices,
        ),
    )
    console.print(f"household / 家庭 {account} ({region})")


@household_app.command("password")
def household_password(
    account: Annotated[str, typer.Argument(help="account number / 账号")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="new password / 新密码"
        ),
    ],
    data: DataDir = None,
) -> None:
    """Set a household's password; its sessions end. / 重置家庭密码并注销其全部会话。"""
    from yunjin.subscribers.accounts import household_by_account
    from yunjin.subscribers.auth import set_password

    ended = _subscribers(
        data,
        lambda s: set_password(s, household_by_account(s, account), password, datetime.now(UTC)),
    )
    console.print(f"{account}: password set / 密码已重置, sessions ended / 已注销会话 {ended}")


@household_app.command("end-sessions")
def household_end_sessions(account: str, data: DataDir = None) -> None:
    """Log out every device of a household. / 注销家庭的全部登录会话。"""
    from yunjin.subscribers.accounts import household_by_account
    from yunjin.subscribers.auth import end_sessions

    ended = _subscribers(
        data, lambda s: end_sessions(s, household_by_account(s, account).id, datetime.now(UTC))
    )
    console.print(f"{account}: sessions ended / 已注销会话 {ended}")


@household_app.command("suspend")
def household_suspend(account: str, data: DataDir = None) -> None:
    """Suspend a household: its next playlist is refused. / 停机。"""
    from yunjin.subscribers.accounts import set_status

    _subscribers(data, lambda s: set_status(s, account, False))
    console.print(f"{account}: suspended / 已停机")


@household_app.command("resume")
def household_resume(account: str, data: DataDir = None) -> None:
    """Resume a suspended household. / 复机。"""
    from yunjin.subscribers.accounts import set_status

    _subscribers(data, lambda s: set_status(s, account, True))
    console.print(f"{account}: active / 已复机")


@device_app.command("add")
def device_add(
    account: Annotated[str, typer.Argument(help="household account / 家庭账号")],
    mac: Annotated[str, typer.Option(help="set-top box MAC / 机顶盒 MAC")],
    serial: Annotated[str, typer.Option(help="set-top box serial / 序列号")],
    uhd: Annotated[bool, typer.Option("--uhd", help="plays 4K / 支持 4K")] = False,
    label: Annotated[str, typer.Option(help="name / 名称")] = "set-top box",
    data: DataDir = None,
) -> None:
    """Register a set-top box. / 登记机顶盒。"""
    from yunjin.subscribers.accounts import household_by_account, register_device

    _subscribers(
        data,
        lambda s: register_device(
            s, household_by_account(s, account), "stb", mac=mac, serial=serial, uhd=uhd, label=label
        ),
    )
    console.print(f"{account}: box {mac}")


@product_app.command("add")
def product_add(
    code: Annotated[str, typer.Argument(help="product code / 产品编码")],
    name: Annotated[str, typer.Option(help="name / 名称")],
    kind: Annotated[str, typer.Option(help="channels, uhd, catchup, ppv, vod")],
    channel: Annotated[list[str] | None, typer.Option(help="member channel / 包含频道")] = None,
    title: Annotated[
        list[str] | None, typer.Option(help="vod, ppv: member VOD title / 包含点播片目")
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="vod: every title of a category / 包含点播分类")
    ] = None,
    price_cents: Annotated[int, typer.Option(help="price in fen / 价格（分）")] = 0,
    name_en: Annotated[str | None, typer.Option(help="English name / 英文名")] = None,
    starts: Annotated[
        str | None, typer.Option(help="ppv event start, ISO 8601 / 按次付费开始时间")
    ] = None,
    ends: Annotated[str | None, typer.Option(help="ppv event end, ISO 8601 / 结束时间")] = None,
    hours: Annotated[
        int | None, typer.Option(help="ppv: hours from purchase / 购买后可看小时数")
    ] = None,
    data: DataDir = None,
) -> None:
    """Add a product. / 新增产品。

    Pay-per-view products (--kind ppv) have an event window (--starts, --ends; a time
    without an offset is in the configured time zone) or --hours from the purchase.
    VOD bundles (--kind vod) open --title codes and every title of --category codes;
    a pay-per-view product may open --title codes (a rental with --hours).
    """
    from yunjin.subscribers.accounts import create_product
    from yunjin.subscribers.entitlements import ProductKind

    try:
        product_kind = ProductKind(kind)
    except ValueError:
        _fail(f"kind must be one of {', '.join(k.value for k in ProductKind)}")
    if (starts is None) != (ends is None):
        _fail("give both --starts and --ends / 须同时给出 --starts 与 --ends")
    event = None
    if starts is not None and ends is not None:
        zone = _settings(data).timezone
        event = (_instant(starts, zone), _instant(ends, zone))
    _subscribers(
        data,
        lambda s: create_product(
            s,
            code,
            name,
            name_en or name,
            product_kind,
            channel or [],
            price_cents,
            event=event,
            rental_hours=hours,
            titles=title or [],
            categories=category or [],
        ),
    )
    console.print(f"product / 产品 {code}")


def _instant(text: str, zone: str) -> datetime:
    """ISO 8601; without an offset, a local time in ``zone``."""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"not an ISO 8601 time / 时间格式无效: {text!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


@subscription_app.command("add")
def subscription_add(
    account: Annotated[str, typer.Argument(help="household account / 家庭账号")],
    product: Annotated[str, typer.Argument(help="product code / 产品编码")],
    days: Annotated[int | None, typer.Option(help="length; open-ended if unset / 天数")] = None,
    start: Annotated[
        datetime | None,
        typer.Option(
            "--from",
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
            help="start, ISO 8601 (UTC unless it says); now if unset / 生效时间",
        ),
    ] = None,
    data: DataDir = None,
) -> None:
    """Subscribe a household to a product, from now or a given time. / 为家庭订购产品。"""
    from datetime import timedelta

    from yunjin.subscribers.accounts import subscribe

    if start is None:
        start = datetime.now(UTC)
    elif start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    end = start + timedelta(days=days) if days else None
    _subscribers(data, lambda s: subscribe(s, account, product, valid_from=start, valid_to=end))
    console.print(f"{account} → {product}")


def _orders(data: Path | None, action: Any) -> Any:
    """Run an order action; a refusal is printed in both languages."""
    from yunjin.subscribers.purchases import OrderError

    try:
        return _subscribers(data, action)
    except OrderError as error:
        messages = error.messages()
        _fail(f"{messages['zh-CN']}\n{messages['en']}")


@order_app.command("add")
def order_add(
    account: Annotated[str, typer.Argument(help="household account / 家庭账号")],
    product: Annotated[str, typer.Argument(help="pay-per-view product / 按次付费产品")],
    price_cents: Annotated[
        int | None, typer.Option(help="price in fen; default the product's / 价格（分）")
    ] = None,
    key: Annotated[
        str | None, typer.Option(help="idempotency key; run again with it to retry safely")
    ] = None,
    data: DataDir = None,
) -> None:
    """Sell a pay-per-view product to a household. / 为家庭下单按次付费产品。"""
    import uuid

    from yunjin.subscribers.accounts import household_by_account
    from yunjin.subscribers.purchases import buy

    placed = _orders(
        data,
        lambda s: buy(
            s,
            household_by_account(s, account),
            product,
            key or f"cli-{uuid.uuid4().hex}",
            datetime.now(UTC),
            placed_by="cli",
            by_staff=True,
            price_cents=price_cents,
        ),
    )
    order = placed.order
    again = " (already placed / 此前已下单)" if placed.replayed else ""
    console.print(
        f"order / 订单 {order.id}: {account} → {product}, {order.price_cents} fen, "
        f"{order.valid_from:%Y-%m-%d %H:%M} – {order.valid_to:%Y-%m-%d %H:%M} UTC{again}"
    )


@order_app.command("list")
def order_list(
    account: Annotated[str | None, typer.Option(help="one household / 家庭账号")] = None,
    status: Annotated[str | None, typer.Option(help="paid, refunded or cancelled")] = None,
    limit: Annotated[int, typer.Option(help="newest first / 条数")] = 100,
    data: DataDir = None,
) -> None:
    """List orders, newest first. / 列出订单。"""
    from yunjin.subscribers.accounts import household_by_account
    from yunjin.subscribers.orders import OrderStatus
    from yunjin.subscribers.purchases import list_orders

    try:
        wanted = None if status is None else OrderStatus(status)
    except ValueError:
        _fail("status must be paid, refunded or cancelled / 状态须为 paid、refunded 或 cancelled")
    found = _orders(
        data,
        lambda s: list_orders(
            s,
            household_id=None if account is None else household_by_account(s, account).id,
            status=wanted,
            limit=limit,
        ),
    )
    table = Table("id", "account", "product", "status", "fen", "from (UTC)", "to (UTC)", "by")
    for order in found:
        table.add_row(
            str(order.id),
            order.account,
            order.product,
            order.status.value,
            str(order.price_cents),
            f"{order.valid_from:%Y-%m-%d %H:%M}",
            f"{order.valid_to:%Y-%m-%d %H:%M}",
            order.placed_by,
        )
    console.print(table)


@order_app.command("refund")
def order_refund(
    order_id: int,
    note: Annotated[str, typer.Option(help="why / 原因")] = "",
    data: DataDir = None,
) -> None:
    """Refund a paid order: its next playlist is refused. / 退款，停止播放。"""
    _close_order(order_id, "refunded", note, data)


@order_app.command("cancel")
def order_cancel(
    order_id: int,
    note: Annotated[str, typer.Option(help="why / 原因")] = "",
    data: DataDir = None,
) -> None:
    """Cancel a paid order before its window opens. / 在观看时段开始前取消订单。"""
    _close_order(order_id, "cancelled", note, data)


def _close_order(order_id: int, to: str, note: str, data: Path | None) -> None:
    from yunjin.subscribers.orders import OrderStatus
    from yunjin.subscribers.purchases import close

    order = _orders(
        data, lambda s: close(s, order_id, OrderStatus(to), datetime.now(UTC), by="cli", note=note)
    )
    console.print(f"order / 订单 {order.id}: {order.status.value}")


@admin_app.command("add")
def admin_add(
    username: Annotated[str, typer.Argument(help="login / 用户名")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="password / 密码")],
    role: Annotated[str, typer.Option(help="operator, support or viewer / 角色")] = "operator",
    data: DataDir = None,
) -> None:
    """Add an admin user. / 新增管理员。"""
    from yunjin.subscribers.staff import Role, add_admin

    try:
        staff_role = Role(role)
    except ValueError:
        _fail("role must be operator, support or viewer / 角色须为 operator、support 或 viewer")
    _subscribers(data, lambda s: add_admin(s, username, password, staff_role))
    console.print(f"admin / 管理员 {username} ({role})")


@admin_app.command("password")
def admin_password(
    username: Annotated[str, typer.Argument(help="login / 用户名")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="new password / 新密码"
        ),
    ],
    data: DataDir = None,
) -> None:
    """Set an admin's password; their sessions end. / 重置管理员密码并注销其会话。"""
    from yunjin.subscribers.staff import set_admin_password

    ended = _subscribers(
        data, lambda s: set_admin_password(s, username, password, datetime.now(UTC))
    )
    console.print(f"{username}: password set / 密码已重置, sessions ended / 已注销会话 {ended}")


@admin_app.command("end-sessions")
def admin_end_sessions(username: str, data: DataDir = None) -> None:
    """Log out every session of an admin. / 注销管理员的全部会话。"""
    from yunjin.subscribers.staff import end_admin_sessions

    ended = _subscribers(data, lambda s: end_admin_sessions(s, username, datetime.now(UTC)))
    console.print(f"{username}: sessions ended / 已注销会话 {ended}")


@device_app.command("remove")
def device_remove(device_id: int, data: DataDir = None) -> None:
    """De-register a device: it is logged out. / 注销终端。"""
    from yunjin.subscribers.accounts import remove_device

    _subscribers(data, lambda s: remove_device(s, device_id))
    console.print(f"device / 终端 {device_id} removed / 已注销")


def _vod(data: Path | None) -> tuple[Settings, Database, Any]:
    """Settings, database and the VOD task queue of a command."""
    from yunjin.vod.jobs import HueyQueue

    settings = _settings(data)
    db = Database(settings.database)
    return settings, db, HueyQueue(settings, db)


def _refusal(error: Any) -> str:
    messages = error.messages()
    return f"{error.code}: {messages['zh-CN']} / {messages['en']}"


@vod_app.command("ingest")
def vod_ingest(
    files: Annotated[list[Path], typer.Argument(help="media files / 媒体文件")],
    title: Annotated[str, typer.Option(help="title code / 片目编码")],
    title_zh: Annotated[
        str, typer.Option(help="creates the title if missing / 片目不存在时以此名新建")
    ] = "",
    title_en: Annotated[str, typer.Option(help="English name / 英文名")] = "",
    season: Annotated[int | None, typer.Option(help="season / 季")] = None,
    episode: Annotated[
        int | None, typer.Option(help="episode of the first file, then +1 / 首个文件的集号")
    ] = None,
    wait: Annotated[bool, typer.Option(help="show progress until ready / 等待转码完成")] = False,
    data: DataDir = None,
) -> None:
    """Ingest files for a title or episodes and queue their transcodes. / 媒体入库并排队转码。"""
    from yunjin.vod.assets import IngestError, IngestTarget, ingest_file

    settings, db, queue = _vod(data)
    jobs: list[int] = []
    refused = 0
    try:
        for number, path in enumerate(files):
            target = IngestTarget(
                title,
                title_zh,
                title_en,
                season=season,
                episode=None if episode is None else episode + number,
            )
            try:
                asset = ingest_file(settings, db, queue, path, target)
            except IngestError as error:
                errors.print(f"[red]{path.name}[/]: {_refusal(error)}")
                refused += 1
                continue
            where = f" S{asset.season}E{asset.episode}" if asset.episode else ""
            job = ""
            if asset.job is not None:  # ingest_file queues one with every asset
                jobs.append(asset.job.id)
                job = f", job / 任务 {asset.job.id}"
            console.print(
                f"{path.name} → asset / 媒资 {asset.code} ({asset.title}{where}), "
                f"{asset.width}x{asset.height}, {asset.duration_s:.1f} s{job}"
            )
        if wait and jobs:
            refused += _wait_for_jobs(db, jobs)
    finally:
        db.close()
    if refused:
        raise typer.Exit(1)


def _wait_for_jobs(db: Database, job_ids: list[int]) -> int:
    """A progress bar per job (percent, fps, ETA) until each ends; how many did not succeed."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from yunjin.vod.assets import JobState, error_messages, job_view

    ended = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
    failed = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
        console=console,
    ) as bar:
        tasks = {job: bar.add_task(f"job / 任务 {job}", total=100.0, detail="") for job in job_ids}
        waiting = set(job_ids)
        while waiting:
            for job in sorted(waiting):
                view = job_view(db, job)
                if view.state == JobState.QUEUED:
                    detail = "queued / 排队中 (yunjin worker | serve)"
                elif view.state == JobState.RUNNING:
                    fps = f"{view.fps:.0f} fps" if view.fps else "- fps"
                    eta = f"ETA {view.eta_s:.0f} s" if view.eta_s is not None else "ETA -"
                    detail = f"{fps}  {eta}"
                else:
                    detail = view.state.value
                bar.update(tasks[job], completed=view.percent, detail=detail)
                if view.state in ended:
                    waiting.discard(job)
                    if view.state != JobState.DONE:
                        failed += 1
                        if view.error_code:
                            said = error_messages(view.error_code, view.error_detail)
                            bar.console.print(
                                f"[red]job / 任务 {job}[/]: {view.error_code}: "
                                f"{said['zh-CN']} / {said['en']}"
                            )
            if waiting:
                time.sleep(0.5)
    return failed


@vod_app.command("jobs")
def vod_jobs(
    state: Annotated[
        str | None, typer.Option(help="queued, running, done, failed or cancelled")
    ] = None,
    limit: Annotated[int, typer.Option(help="newest first / 条数")] = 50,
    data: DataDir = None,
) -> None:
    """Transcode jobs with their progress. / 转码任务及进度。"""
    from yunjin.vod.assets import JobState, list_jobs

    try:
        wanted = None if state is None else JobState(state)
    except ValueError:
        _fail("state must be queued, running, done, failed or cancelled / 状态无效")
    settings = _settings(data)
    db = Database(settings.database)
    try:
        found = list_jobs(db, wanted, limit)
    finally:
        db.close()
    table = Table(
        "id", "asset 媒资", "title 片目", "state 状态", "%", "fps", "ETA", "worker", "error"
    )
    table.columns[1].min_width = 12  # asset codes are read and typed whole
    for job in found:
        table.add_row(
            str(job.id),
            job.asset,
            job.title + (f" S{job.season}E{job.episode}" if job.episode else ""),
            job.state.value + (" (cancelling)" if job.cancel_requested else ""),
            f"{job.percent:.1f}",
            f"{job.fps:.0f}" if job.fps else "",
            f"{job.eta_s:.0f} s" if job.eta_s is not None and job.state == "running" else "",
            job.worker or "",
            job.error_code or "",
        )
    console.print(table)


@vod_app.command("cancel")
def vod_cancel(job_id: int, data: DataDir = None) -> None:
    """Cancel a queued or running job. / 取消转码任务。"""
    from yunjin.vod.assets import IngestError, cancel_job

    settings = _settings(data)
    db = Database(settings.database)
    try:
        job = cancel_job(db, job_id)
    except IngestError as error:
        _fail(_refusal(error))
    finally:
        db.close()
    asked = " (cancelling / 正在取消)" if job.cancel_requested else ""
    console.print(f"job / 任务 {job.id}: {job.state.value}{asked}")


@vod_app.command("retry")
def vod_retry(job_id: int, data: DataDir = None) -> None:
    """Queue a failed or cancelled job again. / 重试转码任务。"""
    from yunjin.vod.assets import IngestError, retry_job

    _, db, queue = _vod(data)
    try:
        job = retry_job(db, queue, job_id)
    except IngestError as error:
        _fail(_refusal(error))
    finally:
        db.close()
    console.print(f"job / 任务 {job.id}: {job.state.value}")


@vod_app.command("category")
def vod_category(
    code: Annotated[str, typer.Argument(help="shelf code, e.g. movies / 栏目编码")],
    name: Annotated[str, typer.Option(help="Chinese name / 中文名")],
    name_en: Annotated[str, typer.Option(help="English name / 英文名")] = "",
    data: DataDir = None,
) -> None:
    """Add a shelf (category) of titles; VOD bundles may open whole shelves. / 新增点播栏目。"""
    from yunjin.vod.catalog import CatalogError, add_category

    db = Database(_settings(data).database)
    try:
        with db.session() as session:
            add_category(session, code, name, name_en)
    except CatalogError as error:
        _fail(_refusal(error))
    finally:
        db.close()
    console.print(f"category / 栏目 {code}")


@app.command()
def worker(
    workers: Annotated[int, typer.Option(help="transcodes at once / 并行转码数")] = 1,
    ffmpeg_threads: Annotated[
        int | None, typer.Option(help="threads per ffmpeg; ffmpeg decides if unset")
    ] = None,
    data: DataDir = None,
) -> None:
    """Run VOD transcodes from the task queue, the reclaim and the watch folder. / 运行转码进程。"""
    import signal
    import threading

    from yunjin.vod.worker import Consumer

    _logging()
    settings, db, queue = _vod(data)
    consumer = Consumer(settings, db, queue, workers=workers, ffmpeg_threads=ffmpeg_threads)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    consumer.start()
    console.print(
        f"worker / 转码进程: {workers} at once / 并行, watching / 监视 {settings.watch_dir}"
    )
    stop.wait()
    consumer.stop()
    db.close()


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
