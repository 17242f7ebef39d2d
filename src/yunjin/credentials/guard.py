"""The one gate in front of every secret: :class:`CredentialGuard`.

Every check of a password, a set-top box's MAC and serial, an Xtream login or a parental PIN
runs as ``guard.run(attempt, work)`` (or ``guard.verify`` for a yes/no PIN):

1. **check**: refuse at once, without hashing, while the account or the client address is
   locked (a lock seen once is remembered in this process until it ends, so a locked
   attacker costs no database read either);
2. **work**: the caller's own transaction checks the secret (Argon2id, bounded by
   ``passwords``) and raises :class:`LoginRefused` when it is wrong;
3. a failure is counted on the account *and* on the address, each in its own committed
   write; the failure that locks either answers ``login_locked`` (``pin_locked``) at once;
4. a success forgives the account, never the address: an attacker who owns one account
   must not wipe their address's failures by logging in to it between guesses.

Policies and their sizing are in :mod:`yunjin.credentials.throttle` and ADR 0027.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from yunjin.credentials import throttle
from yunjin.credentials.store import ThrottleStore
from yunjin.credentials.throttle import Policy
from yunjin.subscribers.passwords import HashingBusy

T = TypeVar("T")
REMEMBERED_LOCKS: Final = 10_000  # in-process cache of locks, cleared beyond this


class Realm(enum.StrEnum):
    """Whose secret: the key prefixes are those the lock-out used before (``account:``…)."""

    HOUSEHOLD = "account"  # a household's account and password: phones, browsers, Xtream
    BOX = "mac"  # a set-top box's MAC and serial (and password where required)
    ADMIN = "admin"  # an operator's administrator
    NEWSROOM = "newsroom"  # newsroom staff (API and console)
    PIN = "pin"  # a household's parental PIN, by household id


LOCKED_CODE: Final = {Realm.PIN: "pin_locked"}
POLICIES: Final[Mapping[Realm, Policy]] = {
    Realm.HOUSEHOLD: throttle.ACCOUNT,
    Realm.BOX: throttle.ACCOUNT,
    Realm.ADMIN: throttle.ACCOUNT,
    Realm.NEWSROOM: throttle.ACCOUNT,
    Realm.PIN: throttle.PIN,
}


class LoginRefused(Exception):
    """A refused check: ``login_failed`` (or the caller's own code, e.g. ``password_wrong``),
    ``login_locked``/``pin_locked`` with ``retry_after_s``, or ``credentials_busy``."""

    def __init__(self, code: str, retry_after_s: int = 0) -> None:
        self.code = code
        self.retry_after_s = retry_after_s
        super().__init__(code)

    @property
    def throttled(self) -> bool:
        return self.retry_after_s > 0


@dataclass(frozen=True, slots=True)
class Attempt:
    """One check of a secret: whose (``realm`` and ``subject``) and from where (the client's
    address; None where the subject alone is the key, as for a logged-in household's PIN)."""

    realm: Realm
    subject: str
    address: str | None = None

    @property
    def account_key(self) -> str:
        return f"{self.realm.value}:{self.subject.lower()[:64]}"

    @property
    def address_key(self) -> str | None:
        return None if not self.address else f"addr:{self.address[:64]}"

    def throttled_keys(self) -> list[tuple[str, Policy]]:
        found = [(self.account_key, POLICIES[self.realm])]
        if self.address_key is not None:
            found.append((self.address_key, throttle.ADDRESS))
        return found


class CredentialGuard:
    """The throttle over a shared store; ``clock`` is injectable (seconds since the epoch)."""

    def __init__(self, store: ThrottleStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._locks: dict[str, float] = {}

    def run(self, attempt: Attempt, work: Callable[[], T]) -> T:
        """``work`` (which raises :class:`LoginRefused` on a wrong secret) under the throttle."""
        known = self.check(attempt)
        try:
            result = work()
        except HashingBusy as busy:
            raise LoginRefused("credentials_busy", 1) from busy
        except LoginRefused as refused:
            raise self.failed(attempt, refused) from None
        if known:
            self.store.clear(attempt.account_key)
        return result

    def verify(self, attempt: Attempt, check: Callable[[], bool]) -> bool:
        """A yes/no check (a PIN) under the throttle: a wrong answer counts and is False,
        unless it locks, which raises."""

        def work() -> bool:
            if not check():
                raise LoginRefused("wrong")
            return True

        try:
            return self.run(attempt, work)
        except LoginRefused as refused:
            if refused.code == "wrong":
                return False
            raise

    def check(self, attempt: Attempt) -> bool:
        """Refuse while the account or the address is locked; whether the account has a
        record that a success should clear."""
        now = self.clock()
        keys = attempt.throttled_keys()
        remembered = max(self._locks.get(key, 0.0) for key, _ in keys)
        if remembered > now:
            raise self._locked(attempt, remembered - now)
        records = self.store.read([key for key, _ in keys])
        wait = 0.0
        for key, policy in keys:
            record = throttle.current(records.get(key), policy, now)
            if record is not None and record.locked_until > now:
                self._remember(key, record.locked_until)
                wait = max(wait, record.locked_until - now)
        if wait > 0:
            raise self._locked(attempt, wait)
        return attempt.account_key in records

    def failed(self, attempt: Attempt, refusal: LoginRefused) -> LoginRefused:
        """Count a failure on the account and the address; what to answer."""
        now = self.clock()
        wait = 0.0
        for key, policy in attempt.throttled_keys():
            record = self.store.fail(key, policy, now)
            if record.locked_until > now:
                self._remember(key, record.locked_until)
                wait = max(wait, record.locked_until - now)
        return self._locked(attempt, wait) if wait > 0 else refusal

    def _locked(self, attempt: Attempt, wait: float) -> LoginRefused:
        return LoginRefused(LOCKED_CODE.get(attempt.realm, "login_locked"), math.ceil(wait))

    def _remember(self, key: str, until: float) -> None:
        if len(self._locks) >= REMEMBERED_LOCKS:
            now = self.clock()
            for stale in [k for k, v in list(self._locks.items()) if v <= now]:
                self._locks.pop(stale, None)
            if len(self._locks) >= REMEMBERED_LOCKS:
                self._locks.clear()
        self._locks[key] = max(until, self._locks.get(key, 0.0))
