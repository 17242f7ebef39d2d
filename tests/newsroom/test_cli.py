"""``yunjin newsroom``: seeding centres and staff from the command line, refusals in both
languages (in-process through the real ``yunjin`` app)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from yunjin.cli import app


def yunjin(data: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, [*args, "--data", str(data)], env={"COLUMNS": "200"})
    assert result.exit_code == code, (args, result.output)
    return result.output


def test_seed_centres_and_staff(data_dir: Path) -> None:
    added = yunjin(data_dir, "newsroom", "tenant", "add", "510104", "--with-parents")
    assert "510000" in added
    assert "510100" in added
    assert "锦江区融媒体中心" in added
    listed = yunjin(data_dir, "newsroom", "tenant", "list")
    assert "Jinjiang District Media Centre" in listed
    assert "成都市" in listed  # Jinjiang's parent
    assert "2 review levels" in yunjin(data_dir, "newsroom", "tenant", "levels", "510104", "2")
    yunjin(
        data_dir,
        "newsroom", "staff", "add", "lina",
        "--tenant", "510104", "--role", "reporter", "--password", "lina-password", "--name", "李娜",
    )  # fmt: skip
    # a second role for the same person needs no password
    yunjin(data_dir, "newsroom", "staff", "add", "lina", "--tenant", "510100", "--role", "editor")
    staff = yunjin(data_dir, "newsroom", "staff", "list")
    assert "reporter" in staff
    assert "editor" in staff
    assert "李娜" in staff
    assert "published / 已发布: 0" in yunjin(data_dir, "newsroom", "publish-due")


def test_refusals_say_why_in_both_languages(data_dir: Path) -> None:
    orphan = yunjin(data_dir, "newsroom", "tenant", "add", "510104", code=1)
    assert "510100" in orphan
    assert "请先添加上级" in orphan
    assert "No GB/T 2260 region 999999" in yunjin(
        data_dir, "newsroom", "tenant", "add", "999999", code=1
    )
    yunjin(data_dir, "newsroom", "tenant", "add", "510000")
    bad_role = yunjin(
        data_dir, "newsroom", "staff", "add", "wang", "--tenant", "510000", "--role", "boss",
        "--password", "wang-password", code=1,
    )  # fmt: skip
    assert "岗位 'boss' 无效" in bad_role
    levels = yunjin(data_dir, "newsroom", "tenant", "levels", "510000", "4", code=1)
    assert "Review levels are 1, 2 or 3" in levels
