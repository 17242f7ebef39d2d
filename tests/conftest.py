"""Fixtures that run the real thing: the yunjin server as a process, real ffmpeg, databases."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.helpers import wait_for

FAST_ENV = {
    "YUNJIN_SEGMENT_SECONDS": "1",
    "YUNJIN_STALL_TIMEOUT_S": "8",
    "YUNJIN_RESTART_BACKOFF_MAX_S": "2",
}
# Debian's xmltv-util: the XMLTV project's DTD and validator (make test installs it)
XMLTV_DTD = Path("/usr/share/xmltv/xmltv.dtd")
TV_VALIDATE_FILE = Path("/usr/bin/tv_validate_file")
POSTGRES_URL = os.environ.get(
    "YUNJIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def yunjin(
    data: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the yunjin command line against a data folder."""
    result = subprocess.run(
        [sys.executable, "-m", "yunjin", *args, "--data", str(data)],
        capture_output=True,
        text=True,
        env={**os.environ, **FAST_ENV, **(env or {})},
        timeout=60,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"yunjin {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


@dataclass
class Server:
    """A ``yunjin serve`` process on a free loopback port."""

    data: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.log = self.data / f"server-{self.port}-{uuid.uuid4().hex[:6]}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "yunjin",
                    "serve",
                    "--data",
                    str(self.data),
                    "--port",
                    str(self.port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **FAST_ENV},
            )
        wait_for(self._healthy, 30, "the server to answer /healthz")
        return self

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"server exited:\n{self.output()}")
        try:
            return httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", timeout=10, **kwargs)

    def channel(self, tvg_id: str) -> dict[str, Any]:
        response = self.get(f"/api/v1/channels/{tvg_id}")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def wait_segments(self, tvg_id: str, count: int, timeout: float = 40) -> dict[str, Any]:
        """Wait until a channel (perhaps added while running) has ``count`` segments."""

        def enough() -> dict[str, Any] | None:
            response = self.get(f"/api/v1/channels/{tvg_id}")
            if response.status_code == 404:
                return None
            channel: dict[str, Any] = response.json()
            return channel if channel["archive"]["segments"] >= count else None

        return wait_for(enough, timeout, f"{count} segments of {tvg_id}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"server ignored signal {sig}:\n{self.output()}") from None


@contextmanager
def edge_data_dir(name: str) -> Iterator[Path]:
    """A data folder an nginx edge's workers (www-data, never root) may read: pytest keeps its
    own folders private to root, so this one sits in /tmp itself, traversable by others."""
    folder = Path(tempfile.mkdtemp(prefix=f"yunjin-{name}-"))
    folder.chmod(0o711)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def server_factory(data_dir: Path) -> Iterator[type[Server]]:
    started: list[Server] = []

    class _Server(Server):
        def start(self) -> Server:
            started.append(self)
            return super().start()

    yield _Server
    for server in started:
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def children_of(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=3):
            return True
    except psycopg.Error:  # OperationalError: no server there, or it turned us away
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each backend; PostgreSQL in a schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
        return
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} (CI requires it)")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    import psycopg

    schema = f"yunjin_test_{uuid.uuid4().hex[:10]}"
    plain = POSTGRES_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _xmltv_util(path: Path) -> Path:
    """A file of Debian's xmltv-util (the XMLTV project's DTD and tools), or skip or fail."""
    if path.is_file():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{path} is missing; make test installs Debian's xmltv-util")
    pytest.skip(f"xmltv-util is not installed ({path}); make test installs it")


@pytest.fixture(scope="session")
def xmltv_dtd() -> Any:
    """The XMLTV project's DTD, as Debian's xmltv-util ships it, for lxml."""
    from lxml import etree

    return etree.DTD(str(_xmltv_util(XMLTV_DTD)))


@pytest.fixture(scope="session")
def xmltv_valid(xmltv_dtd: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[[bytes], Any]:
    """A check that a guide is valid XMLTV, returning it parsed: lxml against the DTD, then
    the XMLTV project's own ``tv_validate_file`` (the DTD again, plus channel ids, times,
    empty titles and descriptions, episode numbers, encoding)."""
    from lxml import etree

    validator = _xmltv_util(TV_VALIDATE_FILE)
    folder = tmp_path_factory.mktemp("xmltv")

    def check(document: bytes) -> Any:
        parsed = etree.fromstring(document)
        assert xmltv_dtd.validate(parsed), xmltv_dtd.error_log.filter_from_errors()
        guide = folder / f"guide-{uuid.uuid4().hex[:8]}.xml"
        guide.write_bytes(document)
        # the DTD named, or tv_validate_file fetches it from supplement.xmltv.org
        result = subprocess.run(
            [str(validator), "--dtd-file", str(XMLTV_DTD), str(guide)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"tv_validate_file: {result.stdout}{result.stderr}"
        return parsed

    return check
