"""Settings from ``YUNJIN_*`` environment variables and an optional TOML file.

Precedence, highest first: explicit arguments (the CLI's options), environment
variables, the TOML file (``YUNJIN_CONFIG``, else ``{data_dir}/yunjin.toml``),
then the embedded defaults that run everything on one machine.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("yunjin-data")


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which setting and why."""


class Settings(BaseSettings):
    """Everything Yunjin can be configured with."""

    model_config = SettingsConfigDict(env_prefix="YUNJIN_", extra="forbid", frozen=True)

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in the data directory when unset"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = Field(
        default=None, description="Base URL printed in links; derived from host and port if unset"
    )
    ffmpeg: str | None = Field(default=None, description="ffmpeg binary; the bundled one if unset")
    segment_seconds: int = Field(default=2, ge=1, le=30)
    live_window_segments: int = Field(default=6, ge=3, le=60)
    retention_days_max: int = Field(default=30, ge=1)
    disk_budget_gb: float | None = Field(default=None, gt=0)
    timezone: str = "Asia/Shanghai"
    record: bool = Field(default=True, description="run the recorder in `serve`")
    role: Literal["all", "api", "recorder"] = Field(
        default="all",
        description="all: one box does everything; api: serves, records nothing; recorder: "
        "records its share of the channels (ADR 0033)",
    )
    node_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9._:-]{1,100}$",
        description="this node's name among recorders; the host name and process id if unset",
    )
    recorder_capacity: int = Field(default=500, ge=1, description="channels one recorder takes")
    claim_ttl_s: float = Field(
        default=5.0, ge=1, le=60, description="a recorder's claim on a channel lasts this long"
    )
    announce_url: str | None = Field(
        default=None,
        description="redis://… where recorders announce new segments to api nodes",
    )
    follow_poll_s: float = Field(
        default=2.0, gt=0, le=60, description="api nodes read the hour indexes this often"
    )
    restart_backoff_max_s: float = Field(default=30.0, gt=0)
    stall_timeout_s: float = Field(default=15.0, gt=0)
    token_secret: str | None = Field(
        default=None, description="secret of signed /t/ and /ti/ URLs; unset disables them"
    )
    token_ttl_s: int = Field(
        default=30 * 60, ge=60, description="lifetime of a signed URL; players ask again"
    )
    catchup_window_max_s: int = Field(
        default=6 * 3600,
        ge=600,
        le=31 * 24 * 3600,
        description="the longest catch-up window or start-over a playlist may list",
    )
    encryption_secret: str | None = Field(
        default=None, description="derives the AES-128 keys of encrypted channels"
    )
    require_tokens: bool = Field(
        default=False,
        description="refuse unsigned /hls/ URLs even before any household or product exists "
        "(they are refused from then on anyway, but on free-to-air channels)",
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="addresses whose X-Real-IP names the client (an nginx edge)",
    )
    lease_store_url: str | None = Field(
        default=None,
        description="redis://… for concurrency leases across boxes; in-process if unset",
    )
    lease_ttl_s: float = Field(default=45.0, ge=5, le=300)
    throttle_store_url: str | None = Field(
        default=None,
        description="redis://… for the credential throttle across boxes; the database if unset",
    )
    hash_concurrency: int | None = Field(
        default=None, ge=1, le=256, description="Argon2 hashes at once per process; CPUs if unset"
    )
    hash_wait_s: float = Field(
        default=0.25, ge=0, le=10, description="a login's wait for a hashing slot before 503"
    )
    bind_tokens_to_address: bool = False
    stb_password_required: bool = Field(
        default=False, description="set-top boxes give the household password with MAC + serial"
    )
    xtream_username: str | None = Field(
        default=None, description="Xtream-Codes login until subscribers exist; unset disables it"
    )
    xtream_password: str | None = None
    task_queue_url: str | None = Field(
        default=None,
        description="redis://… for the task queue across machines; huey on SQLite if unset",
    )
    task_queue_name: str = Field(default="yunjin", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    serve_worker: bool = Field(default=True, description="run one task consumer in `serve`")
    vod_watch_dir: Path | None = Field(
        default=None, description="watch folder of VOD files; data_dir/vod/watch if unset"
    )
    vod_watch_categories: list[str] = Field(
        default_factory=list,
        description="categories of a film from the watch folder without a sidecar naming them "
        "(a VOD bundle that opens them makes it playable without further steps)",
    )
    vod_job_stale_s: float = Field(
        default=30.0, ge=2, description="heartbeat age after which a running job is reclaimed"
    )
    vod_upload_max_gb: float = Field(default=200.0, gt=0)
    vod_upload_stale_h: float = Field(
        default=24.0, gt=0, description="an upload idle this long is purged"
    )
    source_allowed_networks: list[str] = Field(
        default_factory=list,
        description="CIDRs a live event's source may reach beyond public addresses "
        "(e.g. 239.0.0.0/8 for the head-end's multicast); everything else internal is refused",
    )
    media_probe_memory_mb: int = Field(
        default=1024, ge=256, description="address space of the child that probes an upload"
    )
    media_probe_cpu_s: int = Field(
        default=60, ge=5, description="CPU time of the child that probes an upload"
    )
    media_transcode_memory_mb: int = Field(
        default=8192, ge=512, description="address space of a transcoding ffmpeg"
    )

    @model_validator(mode="after")
    def _api_nodes_share_their_state(self) -> Settings:
        """Several api nodes must keep what one knows where the others see it: concurrency
        leases in Redis (the database holds the rest)."""
        if self.role == "api" and self.lease_store_url is None:
            raise ValueError(
                "role api runs beside other api nodes: set lease_store_url (redis://…) so "
                "they share the households' stream limits"
            )
        return self

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("source_allowed_networks")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(value.strip(), strict=False)) for value in values]

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'yunjin.db'}"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def vod_dir(self) -> Path:
        """``sources/``, ``media/``, ``work/`` and ``uploads/`` of VOD (docs/vod-ingest.md)."""
        return self.data_dir / "vod"

    @property
    def watch_dir(self) -> Path:
        return self.vod_watch_dir or self.vod_dir / "watch"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        everywhere = self.host in ("0.0.0.0", "::")  # noqa: S104 - a comparison; binds nothing
        host = "127.0.0.1" if everywhere else self.host
        return f"http://{host}:{self.port}"

    @property
    def disk_budget_bytes(self) -> int | None:
        return None if self.disk_budget_gb is None else int(self.disk_budget_gb * 1024**3)


def load_settings(**overrides: Any) -> Settings:
    """Settings from overrides, the environment, the TOML file and defaults, in that order."""
    given = {key: value for key, value in overrides.items() if value is not None}
    data_dir = Path(given.get("data_dir") or os.environ.get("YUNJIN_DATA_DIR") or DEFAULT_DATA_DIR)
    toml_path = os.environ.get("YUNJIN_CONFIG")
    file_values = _read_toml(
        Path(toml_path) if toml_path else data_dir / "yunjin.toml", required=bool(toml_path)
    )
    env_keys = {name for name in Settings.model_fields if f"YUNJIN_{name.upper()}" in os.environ}
    merged = {k: v for k, v in file_values.items() if k not in env_keys} | given
    try:
        return Settings(**merged)
    except ValueError as error:
        raise ConfigError(str(error)) from error


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ConfigError(f"configuration file {path} does not exist")
        return {}
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from error
    section = values.get("yunjin", values)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [yunjin] must be a table")
    return section
