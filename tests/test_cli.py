"""The command line: channel management and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import yunjin


def test_channel_add_list_remove(data_dir: Path) -> None:
    yunjin(
        data_dir,
        "channel",
        "add",
        "--id",
        "SCTV.cn",
        "--name",
        "四川卫视",
        "--name-en",
        "Sichuan TV",
        "--number",
        "21",
        "--source",
        "udp://@239.1.1.1:5000",
        "--catchup-days",
        "3",
    )
    listed = yunjin(data_dir, "channel", "list", env={"COLUMNS": "250"}).stdout
    assert "SCTV.cn" in listed
    assert "四川卫视" in listed
    assert "3 d" in listed
    yunjin(data_dir, "channel", "disable", "SCTV.cn")
    assert "no 否" in yunjin(data_dir, "channel", "list", env={"COLUMNS": "250"}).stdout
    yunjin(data_dir, "channel", "remove", "SCTV.cn", "--purge")
    assert "SCTV.cn" not in yunjin(data_dir, "channel", "list").stdout


def test_bad_input_is_refused_with_a_reason(data_dir: Path) -> None:
    bad = yunjin(
        data_dir,
        "channel",
        "add",
        "--id",
        "../x",
        "--name",
        "X",
        "--number",
        "1",
        "--source",
        "ftp://nowhere",
        check=False,
    )
    assert bad.returncode == 2
    assert "tvg-id" in bad.stderr
    assert "unsupported source" in bad.stderr
    yunjin(
        data_dir,
        "channel",
        "add",
        "--id",
        "A.cn",
        "--name",
        "A",
        "--number",
        "1",
        "--source",
        "testsrc:",
    )
    taken = yunjin(
        data_dir,
        "channel",
        "add",
        "--id",
        "B.cn",
        "--name",
        "B",
        "--number",
        "1",
        "--source",
        "testsrc:",
        check=False,
    )
    assert taken.returncode == 1
    assert "number 1 is already used" in taken.stderr
    missing = yunjin(data_dir, "channel", "remove", "NOPE", check=False)
    assert missing.returncode == 1
    assert "no channel NOPE" in missing.stderr
    assert yunjin(data_dir, "archive", "rebuild", "NOPE", check=False).returncode == 1
