"""Settings: defaults, TOML file, environment and options, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from yunjin.config import ConfigError, load_settings


def test_defaults_run_on_one_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YUNJIN_DATA_DIR", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert settings.database == f"sqlite:///{tmp_path / 'yunjin.db'}"
    assert settings.archive_dir == tmp_path / "archive"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.segment_seconds == 2


def test_toml_then_environment_then_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "yunjin.toml").write_text(
        '[yunjin]\nport = 9000\nsegment_seconds = 4\ntimezone = "UTC"\n', encoding="utf-8"
    )
    monkeypatch.setenv("YUNJIN_SEGMENT_SECONDS", "6")
    settings = load_settings(data_dir=tmp_path)
    assert settings.port == 9000  # from the file
    assert settings.segment_seconds == 6  # the environment wins over the file
    assert settings.timezone == "UTC"
    assert load_settings(data_dir=tmp_path, port=9100).port == 9100  # options win


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUNJIN_DATA_DIR", str(tmp_path))
    assert load_settings().data_dir == tmp_path


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("port = 0\n", "port"),
        ('segment_seconds = "many"\n', "segment_seconds"),
        ("no_such_setting = 1\n", "no_such_setting"),
        ("port = \n", "yunjin.toml"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, complaint: str) -> None:
    (tmp_path / "yunjin.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=complaint):
        load_settings(data_dir=tmp_path)


def test_a_named_config_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUNJIN_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(data_dir=tmp_path)


def test_bad_environment_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUNJIN_PORT", "eighty")
    with pytest.raises(ConfigError, match="port"):
        load_settings(data_dir=tmp_path)


def test_an_api_node_must_share_its_leases(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lease_store_url"):
        load_settings(data_dir=tmp_path, role="api")
    settings = load_settings(data_dir=tmp_path, role="api", lease_store_url="redis://127.0.0.1/0")
    assert settings.role == "api"
