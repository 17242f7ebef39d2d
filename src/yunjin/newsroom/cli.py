"""``yunjin newsroom``: media centres and their staff from the command line (the
operator's seeding tool; the newsroom's own administrators use the API)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.config import ConfigError, load_settings
from yunjin.db.engine import Database
from yunjin.db.models import NewsroomGrant, NewsroomStaff, NewsroomTenant, Region
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.staff import end_sessions_of, grant, parse_role, set_password
from yunjin.newsroom.stories import publish_due
from yunjin.newsroom.tenants import add_tenant, list_tenants, set_review_levels
from yunjin.subscribers.regions import ancestors, seed_regions

T = TypeVar("T")
newsroom_app = typer.Typer(help="Converged media centres / 融媒体中心", no_args_is_help=True)
tenant_app = typer.Typer(help="Media centres / 融媒体中心", no_args_is_help=True)
staff_app = typer.Typer(help="Newsroom staff and roles / 采编人员与岗位", no_args_is_help=True)
newsroom_app.add_typer(tenant_app, name="tenant")
newsroom_app.add_typer(staff_app, name="staff")
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


def _fail(text: str) -> NoReturn:
    errors.print(f"[red]error / 错误[/]: {text}")
    raise typer.Exit(1)


def _run(data: Path | None, action: Callable[[Session], T]) -> T:
    """An action in one transaction, with the regions seeded and bilingual refusals."""
    try:
        settings = load_settings(data_dir=data)
    except ConfigError as error:
        _fail(f"configuration / 配置: {error}")
    db = Database(settings.database)
    try:
        with db.session() as session:
            seed_regions(session)
            return action(session)
    except NewsroomError as error:
        messages = error.messages()
        _fail(f"{messages['en']} / {messages['zh-CN']}")
    finally:
        db.close()


@tenant_app.command("add")
def tenant_add(
    code: Annotated[str, typer.Argument(help="GB/T 2260 code / 行政区划代码")],
    levels: Annotated[int, typer.Option(help="review levels 1–3 / 审核级数")] = 3,
    name_zh: Annotated[str | None, typer.Option(help="Chinese name / 中文名")] = None,
    name_en: Annotated[str | None, typer.Option(help="English name / 英文名")] = None,
    with_parents: Annotated[
        bool, typer.Option("--with-parents", help="add missing centres above / 同时添加上级")
    ] = False,
    data: DataDir = None,
) -> None:
    """Add a media centre for a region. / 新增融媒体中心。"""

    def add(session: Session) -> list[NewsroomTenant]:
        added = []
        if with_parents:
            for above in reversed(ancestors(code)[1:]):
                if session.get(NewsroomTenant, above) is None:
                    added.append(add_tenant(session, above))
        added.append(
            add_tenant(session, code, review_levels=levels, name_zh=name_zh, name_en=name_en)
        )
        return added

    for tenant in _run(data, add):
        console.print(
            f"media centre / 融媒体中心 {tenant.code} {tenant.name_zh} ({tenant.name_en}), "
            f"{tenant.review_levels} review levels / 级审核"
        )


@tenant_app.command("list")
def tenant_list(data: DataDir = None) -> None:
    """List the media centres. / 列出融媒体中心。"""

    def rows(session: Session) -> list[tuple[str, ...]]:
        names = {code: zh for code, zh in session.execute(select(Region.code, Region.name_zh))}
        return [
            (
                t.code,
                t.name_zh,
                t.name_en,
                t.level,
                names.get(t.parent_code or "", "") if t.parent_code else "",
                str(t.review_levels),
            )
            for t in list_tenants(session)
        ]

    table = Table("code 代码", "name 名称", "English", "level 级别", "parent 上级", "reviews 审级")
    for row in _run(data, rows):
        table.add_row(*row)
    console.print(table)


@tenant_app.command("levels")
def tenant_levels(
    code: Annotated[str, typer.Argument(help="GB/T 2260 code / 行政区划代码")],
    levels: Annotated[int, typer.Argument(help="1, 2 or 3 / 审核级数")],
    data: DataDir = None,
) -> None:
    """Set how many reviews a centre's stories pass. / 设置审核级数。"""
    _run(data, lambda s: set_review_levels(s, code, levels))
    console.print(f"{code}: {levels} review levels / 级审核")


@staff_app.command("add")
def staff_add(
    username: Annotated[str, typer.Argument(help="login / 用户名")],
    tenant: Annotated[str, typer.Option(help="media centre code / 融媒体中心代码")],
    role: Annotated[
        str, typer.Option(help="reporter, editor, desk_head, chief_editor or admin / 岗位")
    ],
    password: Annotated[
        str | None, typer.Option(help="for a new person; asked if missing / 新员工密码")
    ] = None,
    name: Annotated[str, typer.Option(help="display name / 姓名")] = "",
    data: DataDir = None,
) -> None:
    """Give a person a role in a centre, adding the person if new. / 为员工授予岗位。"""
    try:
        chosen = parse_role(role)
    except NewsroomError as error:
        _fail(f"{error.messages()['en']} / {error.messages()['zh-CN']}")

    def add(session: Session) -> None:
        known = session.scalar(select(NewsroomStaff.id).where(NewsroomStaff.username == username))
        secret = password
        if known is None and secret is None:
            secret = typer.prompt("password / 密码", hide_input=True, confirmation_prompt=True)
        grant(session, username, tenant, chosen, password=secret, display_name=name)

    _run(data, add)
    console.print(f"{username}: {chosen.value} @ {tenant}")


@staff_app.command("password")
def staff_password(
    username: Annotated[str, typer.Argument(help="login / 用户名")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="new password / 新密码"
        ),
    ],
    data: DataDir = None,
) -> None:
    """Set a staff member's password; their sessions end. / 重置员工密码并注销其会话。"""
    ended = _run(data, lambda s: set_password(s, username, password, datetime.now(UTC)))
    console.print(f"{username}: password set / 密码已重置, sessions ended / 已注销会话 {ended}")


@staff_app.command("end-sessions")
def staff_end_sessions(
    username: Annotated[str, typer.Argument(help="login / 用户名")], data: DataDir = None
) -> None:
    """Log out every session of a staff member. / 注销员工的全部会话。"""
    ended = _run(data, lambda s: end_sessions_of(s, username, datetime.now(UTC)))
    console.print(f"{username}: sessions ended / 已注销会话 {ended}")


@staff_app.command("list")
def staff_list(
    tenant: Annotated[str | None, typer.Option(help="one centre / 某个中心")] = None,
    data: DataDir = None,
) -> None:
    """List staff and their roles. / 列出员工与岗位。"""

    def rows(session: Session) -> list[tuple[str, str, str, str]]:
        query = (
            select(
                NewsroomStaff.username,
                NewsroomStaff.display_name,
                NewsroomGrant.tenant_code,
                NewsroomGrant.role,
            )
            .join(NewsroomGrant, NewsroomGrant.staff_id == NewsroomStaff.id)
            .order_by(NewsroomGrant.tenant_code, NewsroomStaff.username, NewsroomGrant.role)
        )
        if tenant:
            query = query.where(NewsroomGrant.tenant_code == tenant)
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]

    table = Table("username 用户名", "name 姓名", "centre 中心", "role 岗位")
    for row in _run(data, rows):
        table.add_row(*row)
    console.print(table)


@newsroom_app.command("publish-due")
def publish_due_now(data: DataDir = None) -> None:
    """Publish the scheduled stories whose time has come. / 发布已到时间的定时稿件。"""
    published = _run(data, lambda s: publish_due(s, datetime.now(UTC)))
    console.print(f"published / 已发布: {len(published)}")
