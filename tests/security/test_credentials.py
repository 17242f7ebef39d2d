"""Issue #12's credential findings, attacked as an outsider would.

Through a real ``yunjin serve`` (the test client on 127.0.0.1 is a trusted edge, so
``X-Real-IP`` names each attacker's address as nginx would): Xtream password guessing on every
route, logins that must not let a stranger lock a household out, administrators' logins.
Straight into the ASGI app (each request from an address of its own, the clock injected, the
Argon2 hasher counted): back-off and lock expiry without sleeping, the parental PIN, what the
catch-all hashes, bounded hashing, two api processes sharing one lock, sessions, passwords and
the audit trail, and the newsroom's role grant.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select

from tests.conftest import Server, yunjin
from tests.helpers import run_async
from tests.newsroom.test_console import Browser
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.models import Channel, NewsroomGrant, NewsroomStaff
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.newsroom.terms import Role as NewsroomRole
from yunjin.subscribers import passwords
from yunjin.subscribers.accounts import create_household, register_device
from yunjin.subscribers.passwords import HashingBusy
from yunjin.subscribers.staff import Role, add_admin

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
T0 = 1_800_000_000.0
PASSWORD = "household-pass-1"
OWN = "198.51.100.10"  # the household's own address


def _stranger(n: int) -> str:
    return f"203.0.113.{n}"


# -- through a real server ---------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("attack")
    (data / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "attack-test"\nrecord = false\n', encoding="utf-8"
    )
    for account in ("hh-xtream", "hh-routes", "hh-login", "hh-cli"):
        yunjin(data, "household", "add", account, "--password", PASSWORD)
    yunjin(data, "admin", "add", "olga", "--password", "olga-password", "--role", "operator")
    yunjin(data, "admin", "add", "vera", "--password", "vera-password", "--role", "viewer")
    yunjin(data, "newsroom", "tenant", "add", "510104", "--with-parents")
    yunjin(
        data, "newsroom", "staff", "add", "lina", "--tenant", "510104", "--role", "reporter",
        "--password", "newsroom-pass-1",
    )  # fmt: skip
    running = Server(data).start()
    yield running
    running.stop()


def _get(server: Server, path: str, address: str, **params: str) -> httpx.Response:
    return httpx.get(
        f"{server.base}{path}", params=params or None, headers={"X-Real-IP": address}, timeout=30
    )


def _post(server: Server, path: str, address: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{server.base}{path}", json=body, headers={"X-Real-IP": address}, timeout=30)


def _throttled(answer: httpx.Response, code: str = "login_locked") -> None:
    assert answer.status_code == 429, answer.text
    assert int(answer.headers["retry-after"]) > 0
    error = answer.json()["error"]
    assert error["code"] == code
    assert error["messages"]["en"]
    assert error["messages"]["zh-CN"]
    assert error["retry_after_s"] == int(answer.headers["retry-after"])


def test_twenty_wrong_xtream_passwords_from_one_address_get_429_before_the_20th(
    server: Server,
) -> None:
    attacker = _stranger(10)
    answers = [
        _get(server, "/player_api.php", attacker, username="hh-xtream", password=f"guess-{n}")
        for n in range(20)
    ]
    statuses = [answer.status_code for answer in answers]
    first = statuses.index(429)
    assert first < 19
    assert set(statuses[first:]) == {429}
    for refused in answers[:first]:  # a wrong password answers as Xtream apps expect
        assert refused.json() == {"user_info": {"auth": 0}}
    _throttled(answers[first])
    # the right password from that address waits too: nothing is hashed for it
    _throttled(_get(server, "/player_api.php", attacker, username="hh-xtream", password=PASSWORD))
    # the household, from its own address, is not locked out by the stranger
    mine = _get(server, "/player_api.php", OWN, username="hh-xtream", password=PASSWORD)
    assert mine.json()["user_info"]["auth"] == 1


XTREAM_ROUTES = (
    "/player_api.php?username={u}&password={p}",
    "/player_api.php?username={u}&password={p}&action=get_live_streams",
    "/get.php?username={u}&password={p}&type=m3u_plus&output=ts",
    "/xmltv.php?username={u}&password={p}",
    "/live/{u}/{p}/1.ts",
    "/{u}/{p}/1.ts",
    "/{u}/{p}/1.m3u8",
    "/timeshift/{u}/{p}/10/2026-11-26:12-00/1.ts",
    "/movie/{u}/{p}/1.m3u8",
    "/series/{u}/{p}/1.ts",
)


def test_every_xtream_route_counts_towards_the_same_lock(server: Server) -> None:
    attacker = _stranger(11)
    statuses = [
        _get(server, route.format(u="hh-routes", p=f"guess-{n}"), attacker).status_code
        for n, route in enumerate(XTREAM_ROUTES)
    ]
    assert statuses[:9] == [200, 200, 401, 401, 404, 404, 404, 404, 404]
    assert statuses[9] == 429  # the tenth failure, whichever route it came by
    for route in XTREAM_ROUTES:
        _throttled(_get(server, route.format(u="hh-routes", p=PASSWORD), attacker))


def test_a_stranger_cannot_lock_a_household_out(server: Server) -> None:
    """Thirty wrong passwords from one address: the address is throttled at the tenth, the
    household never (its limit of 20 is out of one address's reach)."""
    attacker = _stranger(12)
    body = {"account": "hh-login", "password": "wrong"}
    statuses = [_post(server, "/api/v1/auth/login", attacker, body).status_code for _ in range(30)]
    assert statuses[:9] == [401] * 9
    assert set(statuses[9:]) == {429}
    mine = _post(server, "/api/v1/auth/login", OWN, {"account": "hh-login", "password": PASSWORD})
    assert mine.status_code == 200, mine.text


def test_administrators_logins_are_throttled(server: Server) -> None:
    attacker = _stranger(13)
    body = {"username": "olga", "password": "not-olgas"}
    statuses = [_post(server, "/api/v1/admin/login", attacker, body).status_code for _ in range(9)]
    assert statuses == [401] * 9
    _throttled(_post(server, "/api/v1/admin/login", attacker, body))
    right = {"username": "olga", "password": "olga-password"}
    _throttled(_post(server, "/api/v1/admin/login", attacker, right))
    assert _post(server, "/api/v1/admin/login", OWN, right).status_code == 200


def _token(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['session']}"}


def test_the_operator_resets_passwords_and_ends_sessions_from_the_command_line(
    server: Server,
) -> None:
    data = server.data
    household = _token(
        _post(server, "/api/v1/auth/login", OWN, {"account": "hh-cli", "password": PASSWORD})
    )
    reset = yunjin(data, "household", "password", "hh-cli", "--password", "a-new-password-1")
    assert "sessions ended / 已注销会话 1" in reset.stdout
    assert httpx.get(f"{server.base}/api/v1/orders", headers=household).status_code == 401
    household = _token(
        _post(
            server, "/api/v1/auth/login", OWN, {"account": "hh-cli", "password": "a-new-password-1"}
        )
    )
    assert "会话 1" in yunjin(data, "household", "end-sessions", "hh-cli").stdout
    assert httpx.get(f"{server.base}/api/v1/orders", headers=household).status_code == 401
    short = yunjin(data, "household", "password", "hh-cli", "--password", "short", check=False)
    assert short.returncode == 1
    # an administrator
    admin = {"username": "vera", "password": "vera-password"}
    vera = _token(_post(server, "/api/v1/admin/login", OWN, admin))
    assert "会话 1" in yunjin(data, "admin", "end-sessions", "vera").stdout
    assert httpx.get(f"{server.base}/api/v1/admin/products", headers=vera).status_code == 401
    yunjin(data, "admin", "password", "vera", "--password", "vera-new-password")
    admin["password"] = "vera-new-password"
    _token(_post(server, "/api/v1/admin/login", OWN, admin))
    # newsroom staff
    staff = {"username": "lina", "password": "newsroom-pass-1"}
    lina = _token(_post(server, "/api/v1/newsroom/login", OWN, staff))
    assert "会话 1" in yunjin(data, "newsroom", "staff", "end-sessions", "lina").stdout
    assert httpx.get(f"{server.base}/api/v1/newsroom/me", headers=lina).status_code == 401
    yunjin(data, "newsroom", "staff", "password", "lina", "--password", "lina-new-pass-1")
    staff["password"] = "lina-new-pass-1"
    _token(_post(server, "/api/v1/newsroom/login", OWN, staff))


# -- straight into the app ---------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class CountingHasher:
    """The test-sized Argon2id, counting its hashes and how many run at once."""

    def __init__(self) -> None:
        self.hashes = 0
        self.running = 0
        self.most_at_once = 0
        self.gate: threading.Event | None = None  # set: hashes wait on it
        self._lock = threading.Lock()

    def _hashing(self) -> None:
        with self._lock:
            self.hashes += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        if self.gate is not None:
            assert self.gate.wait(30), "the test never opened the gate"

    def _done(self) -> None:
        with self._lock:
            self.running -= 1

    def hash(self, secret: str) -> str:
        self._hashing()
        try:
            return CHEAP.hash(secret)
        finally:
            self._done()

    def verify(self, stored: str, given: str) -> bool:
        self._hashing()
        try:
            return CHEAP.verify(stored, given)
        finally:
            self._done()

    def check_needs_rehash(self, stored: str) -> bool:
        return CHEAP.check_needs_rehash(stored)


@dataclass
class Yard:
    """An app with a household, a box, an administrator and two newsroom centres."""

    app: FastAPI
    clock: Clock
    hasher: CountingHasher

    def call(
        self, method: str, path: str, address: str = OWN, token: str | None = None, **kw: Any
    ) -> httpx.Response:
        return call(self.app, method, path, address, token, **kw)

    def login(self, address: str = OWN, password: str = PASSWORD) -> str:
        answer = self.call(
            "POST", "/api/v1/auth/login", address, json={"account": "hh1", "password": password}
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["session"]
        return token

    def admin(self, username: str = "olga", password: str = "olga-password") -> str:
        answer = self.call(
            "POST", "/api/v1/admin/login", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["session"]
        return token

    def staff(self, username: str, password: str = "newsroom-pass-1") -> str:
        answer = self.call(
            "POST", "/api/v1/newsroom/login", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["session"]
        return token


def call(
    app: FastAPI,
    method: str,
    path: str,
    address: str = OWN,
    token: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One request from ``address`` (the ASGI peer), in an event loop of its own."""
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:
            return await client.request(method, path, headers=headers, **kwargs)

    return run_async(send())


def _make_app(data: Path, database_url: str | None = None) -> FastAPI:
    return create_app(
        load_settings(
            data_dir=data, record=False, token_secret="yard-secret", database_url=database_url
        )
    )


@pytest.fixture
def yard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Yard]:
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", lambda: hasher)
    app = _make_app(tmp_path)
    runtime = app.state.runtime
    clock = Clock()
    runtime.credentials.clock = clock
    with runtime.db.session() as session:
        household = create_household(session, "hh1", "510104", password=PASSWORD, pin="2468")
        register_device(session, household, "stb", mac="00:11:22:33:44:55", serial="SN-1")
        add_admin(session, "olga", "olga-password", Role.OPERATOR)
        add_admin(session, "sam", "sam-password", Role.SUPPORT)
        for code in ("510000", "510100", "510104", "510105"):
            add_tenant(session, code)
        grant(session, "admin1", "510104", NewsroomRole.ADMIN, password="newsroom-pass-1")
        grant(session, "lina", "510104", NewsroomRole.REPORTER, password="newsroom-pass-1")
        grant(session, "qing", "510105", NewsroomRole.REPORTER, password="newsroom-pass-1")
        channel = Channel(tvg_id="R.cn", number=5, name_zh="成人", name_en="R", min_age=18)
        channel.source_url = "udp://@239.1.1.1:5000"
        session.add(channel)
    runtime.refresh_catalog()
    hasher.hashes = 0
    yield Yard(app, clock, hasher)
    runtime.db.close()


def test_back_off_doubles_and_the_lock_ends_on_the_clock(yard: Yard) -> None:
    attacker = _stranger(20)
    body = {"account": "hh1", "password": "wrong"}
    statuses = [
        yard.call("POST", "/api/v1/auth/login", attacker, json=body).status_code for _ in range(10)
    ]
    assert statuses == [401] * 9 + [429]
    yard.clock.now += 59
    locked = yard.call("POST", "/api/v1/auth/login", attacker, json=body)
    assert locked.headers["retry-after"] == "1"
    yard.clock.now += 1  # the minute is over: one more try, which locks for two
    again = yard.call("POST", "/api/v1/auth/login", attacker, json=body)
    assert again.status_code == 429
    assert again.headers["retry-after"] == "120"
    yard.clock.now += 120 + 3600  # quiet for an hour after the lock: forgotten
    assert yard.call("POST", "/api/v1/auth/login", attacker, json=body).status_code == 401


def test_junk_urls_on_the_xtream_catch_all_cost_no_hash(yard: Yard) -> None:
    junk = [
        "/a/b/c",
        "/wp-admin/setup/config.php",
        "/hh1/guess/12",
        "/hh1/guess/12.mp4",
        "/hh1/guess/１２.ts",
        "/hh1/guess/1234567890123.ts",
        "/live/hh1/guess/index.html",
        "/timeshift/hh1/guess/10/yesterday/1.ts",
        "/movie/hh1/guess/x.ts",
        "/series/hh1/guess/1.mkv",
    ]
    for n, path in enumerate(junk * 5):
        answer = yard.call("GET", path, _stranger(100 + n % 50))
        assert answer.status_code in (400, 404), (path, answer.status_code)
    assert yard.hasher.hashes == 0
    # a well-shaped guess costs one hash, and only until the address is throttled
    for _ in range(15):
        yard.call("GET", "/hh1/guess/12.ts", _stranger(30))
    assert yard.hasher.hashes == 10


def test_hashing_is_bounded_and_the_rest_is_refused_fast(
    yard: Yard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "_slots", passwords._Slots(2, 0.05))
    yard.hasher.gate = threading.Event()
    body = {"account": "hh1", "password": "wrong"}
    with ThreadPoolExecutor(12) as pool:
        pending = {
            pool.submit(yard.call, "POST", "/api/v1/auth/login", _stranger(40 + n), json=body)
            for n in range(12)
        }
        refused = []
        for future in as_completed(pending, timeout=30):  # all but the two that hash
            refused.append(future.result())
            pending.discard(future)
            if len(refused) == 10:
                break
        assert yard.hasher.running == 2  # the others did not wait for them
        yard.hasher.gate.set()
        first_two = [future.result(timeout=30) for future in pending]
    assert {answer.status_code for answer in refused} == {503}
    busy = refused[0].json()["error"]
    assert busy["code"] == "credentials_busy"
    assert busy["messages"]["zh-CN"]
    assert refused[0].headers["retry-after"] == "1"
    assert [answer.status_code for answer in first_two] == [401, 401]
    assert yard.hasher.most_at_once == 2
    with (
        pytest.raises(HashingBusy),  # what the guard turned into 503
        passwords._slot(bounded=True),
        passwords._slot(bounded=True),
    ):
        passwords.verify_secret(None, "x")


def test_the_parental_pin_has_an_attempt_limit_per_household(yard: Yard) -> None:
    box = yard.login()
    phone = yard.login(address=_stranger(50))
    wrong = {"current": "0000", "new": "1357"}
    for _ in range(2):
        answer = yard.call("POST", "/api/v1/household/pin", token=box, json=wrong)
        assert (answer.status_code, answer.json()["error"]["code"]) == (403, "pin_wrong")
    play = {"channel": "R.cn", "pin": "0000"}
    assert yard.call("POST", "/api/v1/play", token=phone, json=play).status_code == 403
    order = {"product": "none", "pin": "0000"}
    headers = {"Idempotency-Key": "order-0001"}
    assert (
        yard.call("POST", "/api/v1/orders", token=box, json=order, headers=headers).status_code
        == 404
    )
    # the fifth wrong PIN of the household, whichever device and route: locked for 5 minutes
    _throttled(yard.call("POST", "/api/v1/play", token=box, json=play), "pin_locked")
    right = {"channel": "R.cn", "pin": "2468"}
    _throttled(yard.call("POST", "/api/v1/play", token=phone, json=right), "pin_locked")
    _throttled(
        yard.call(
            "POST", "/api/v1/household/pin", token=box, json={"current": "2468", "new": "1357"}
        ),
        "pin_locked",
    )
    yard.clock.now += 300
    assert yard.call("POST", "/api/v1/play", token=phone, json=right).status_code != 429
    changed = yard.call(
        "POST", "/api/v1/household/pin", token=box, json={"current": "2468", "new": "1357"}
    )
    assert changed.json() == {"changed": True}


def test_two_api_processes_share_one_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", lambda: CHEAP)
    first = _make_app(tmp_path)
    second = _make_app(tmp_path)  # another process on the same database
    with first.state.runtime.db.session() as session:
        create_household(session, "hh1", "510104", password=PASSWORD)
    body = {"account": "hh1", "password": "wrong"}
    attacker = _stranger(60)
    for n in range(10):
        call(first if n % 2 else second, "POST", "/api/v1/auth/login", attacker, json=body)
    right = {"account": "hh1", "password": PASSWORD}
    for app in (first, second):
        _throttled(call(app, "POST", "/api/v1/auth/login", attacker, json=right))
    first.state.runtime.db.close()
    second.state.runtime.db.close()


def test_admin_sessions_log_out_and_every_change_is_audited(yard: Yard) -> None:
    olga = yard.admin()
    elsewhere = yard.admin()
    sam = yard.admin("sam", "sam-password")
    changed = yard.call("POST", "/api/v1/admin/households/hh1/suspend", _stranger(70), token=sam)
    assert changed.status_code == 200
    assert yard.call("POST", "/api/v1/admin/logout", token=sam).json() == {"logged_out": True}
    assert yard.call("GET", "/api/v1/admin/products", token=sam).status_code == 401
    # ending all of an administrator's sessions
    ended = yard.call("DELETE", "/api/v1/admin/admins/olga/sessions", token=olga)
    assert ended.json() == {"sessions_ended": 2}
    for token in (olga, elsewhere):
        assert yard.call("GET", "/api/v1/admin/products", token=token).status_code == 401
    olga = yard.admin()
    trail = yard.call("GET", "/api/v1/admin/audit", token=olga).json()["audit"]
    done = [(row["username"], row["action"], row["target"], row["address"]) for row in trail]
    assert ("sam", "household.suspend", "hh1", _stranger(70)) in done
    assert ("sam", "logout", "", OWN) in done
    assert ("olga", "admin.end_sessions", "olga", OWN) in done
    assert all(row["at"] > 0 for row in trail)


def test_passwords_change_for_every_kind_of_account_and_sessions_end(yard: Yard) -> None:
    box = yard.login()
    phone = yard.login(address=_stranger(80))
    new = {"current": PASSWORD, "new": "a-new-household-pass"}
    assert yard.call("POST", "/api/v1/household/password", token=box, json=new).json() == {
        "changed": True,
        "sessions_ended": 1,
    }
    assert yard.call("GET", "/api/v1/orders", token=phone).status_code == 401  # ended
    assert yard.call("GET", "/api/v1/orders", token=box).status_code == 200  # kept
    wrong = {"current": "not-it", "new": "whatever-else"}
    assert yard.call("POST", "/api/v1/household/password", token=box, json=wrong).status_code == 403
    yard.login(password="a-new-household-pass")
    # the operator ends every session of the household
    olga = yard.admin()
    assert (
        yard.call("DELETE", "/api/v1/admin/households/hh1/sessions", token=olga).json()[
            "sessions_ended"
        ]
        == 2
    )
    assert yard.call("GET", "/api/v1/orders", token=box).status_code == 401
    # an administrator's own password
    change = {"current": "olga-password", "new": "olga-new-password"}
    assert yard.call("POST", "/api/v1/admin/password", token=olga, json=change).status_code == 200
    yard.admin(password="olga-new-password")
    # newsroom staff: their own, and the operator ending all of theirs
    lina = yard.staff("lina")
    other = yard.staff("lina")
    change = {"current": "newsroom-pass-1", "new": "lina-new-pass-1"}
    answer = yard.call("POST", "/api/v1/newsroom/password", token=lina, json=change)
    assert answer.json() == {"changed": True, "sessions_ended": 1}
    assert yard.call("GET", "/api/v1/newsroom/me", token=other).status_code == 401
    ended = yard.call("DELETE", "/api/v1/admin/newsroom-staff/lina/sessions", token=olga)
    assert ended.json() == {"sessions_ended": 1}
    assert yard.call("GET", "/api/v1/newsroom/me", token=lina).status_code == 401
    yard.staff("lina", "lina-new-pass-1")


def test_a_role_grant_neither_checks_nor_reveals_a_password(yard: Yard) -> None:
    admin = yard.staff("admin1")
    path = "/api/v1/newsroom/tenants/510104/staff"
    wrong = {"username": "qing", "role": "editor", "password": "certainly-not-qings"}
    right = {"username": "qing", "role": "editor", "password": "newsroom-pass-1"}
    answers = [yard.call("POST", path, token=admin, json=body) for body in (wrong, right)]
    assert [a.status_code for a in answers] == [202, 202]  # the same, whatever the password
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["status"] == "invited"
    assert yard.hasher.hashes == 1  # admin1's login; nothing for the grants


def test_another_centres_staff_hold_a_role_only_once_they_accept(yard: Yard) -> None:
    admin = yard.staff("admin1")
    path = "/api/v1/newsroom/tenants/510104/staff"
    invited = yard.call("POST", path, token=admin, json={"username": "qing", "role": "editor"})
    assert invited.status_code == 202
    with yard.app.state.runtime.db.session() as session:
        qing = session.scalar(select(NewsroomStaff.id).where(NewsroomStaff.username == "qing"))
        assert session.get(NewsroomGrant, (qing, "510104", "editor")) is None
    people = yard.call("GET", path, token=admin).json()["staff"]
    assert "qing" not in {person["username"] for person in people}
    qing_token = yard.staff("qing")
    (offer,) = yard.call("GET", "/api/v1/newsroom/invitations", token=qing_token).json()[
        "invitations"
    ]
    assert (offer["tenant"], offer["role"], offer["invited_by"]) == ("510104", "editor", "admin1")
    lina = yard.staff("lina")  # nobody else may answer it
    other = yard.call("POST", f"/api/v1/newsroom/invitations/{offer['id']}/accept", token=lina)
    assert other.status_code == 404
    accepted = yard.call(
        "POST", f"/api/v1/newsroom/invitations/{offer['id']}/accept", token=qing_token
    )
    assert accepted.json() == {"tenant": "510104", "role": "editor", "status": "granted"}
    roles = yard.call("GET", "/api/v1/newsroom/me", token=qing_token).json()["roles"]
    assert any(r["tenant"] == "510104" and r["role"] == "editor" for r in roles)
    again = yard.call(
        "POST", f"/api/v1/newsroom/invitations/{offer['id']}/decline", token=qing_token
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "newsroom_invitation_closed")
    # a person of the centre gets a further role directly
    direct = yard.call("POST", path, token=admin, json={"username": "lina", "role": "editor"})
    assert (direct.status_code, direct.json()["status"]) == (201, "granted")


class FromAddress:
    """What the console tests' Browser needs from a client, with every request from one
    address."""

    def __init__(self, app: FastAPI, address: str) -> None:
        self.app = app
        self.address = address

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return call(self.app, method, path, self.address, **kwargs)


def test_the_consoles_login_form_is_throttled_like_the_api(yard: Yard) -> None:
    stranger = Browser(FromAddress(yard.app, _stranger(90)), lang="en")
    for _ in range(9):
        assert stranger.login("lina", "not-linas-password").status_code == 401
    locked = stranger.login("lina", "not-linas-password")
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "60"
    assert "Too many failed logins" in locked.text
    assert stranger.login("lina", "newsroom-pass-1").status_code == 429
    lina = Browser(FromAddress(yard.app, OWN), lang="zh-CN")
    assert lina.login("lina", "newsroom-pass-1").status_code == 303
