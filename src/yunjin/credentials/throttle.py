"""The credential throttle's arithmetic: failures per key, locks that double, forgetting.

A key is an account (a household, a set-top box's MAC, an administrator, newsroom staff,
a household's parental PIN) or a client address. Each kind has a :class:`Policy`: the
failure that reaches ``limit`` locks the key for ``base_lock_s``, and every further failure
locks it for twice as long as the one before, up to ``max_lock_s``. A key that has been quiet for
``forget_after_s`` *after its lock ended* starts afresh, so waiting out a lock does not buy
a new set of free failures.

The address policy is stricter than the account policy, and the two are sized so that one
address can never lock an account (:func:`most_from_one_address`): a stranger is throttled
at their own address long before the household is locked out. Pure: no clock, no storage;
times are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Policy:
    limit: int  # the failure that reaches it locks the key
    base_lock_s: float  # that first lock; each later failure doubles it
    max_lock_s: float
    forget_after_s: float  # quiet time after the last failure or the lock's end

    def lock_for(self, failures: int) -> float:
        """How long the ``failures``-th failure locks the key (0: not at all)."""
        if failures < self.limit:
            return 0.0
        return min(self.max_lock_s, self.base_lock_s * 2.0 ** min(failures - self.limit, 64))


@dataclass(frozen=True, slots=True)
class Record:
    """A key's failures so far, the latest one, and until when it is locked (0: not)."""

    failures: int
    last_failure: float
    locked_until: float = 0.0

    def forget_at(self, policy: Policy) -> float:
        return max(self.last_failure, self.locked_until) + policy.forget_after_s


# One address: the 10th failure locks it for a minute, each later one for 2, 4 … minutes, an
# hour at most; forgotten after an hour of quiet.  One account: the 20th, forgotten after half
# an hour.  Once an address's locks reach 32 minutes the account forgets between two of its
# failures, so one address brings an account to 10 + 5 = 15 failures at most, below 20
# (most_from_one_address; tests/security/test_credentials.py holds the two to it).
ADDRESS: Final = Policy(limit=10, base_lock_s=60, max_lock_s=3600, forget_after_s=3600)
ACCOUNT: Final = Policy(limit=20, base_lock_s=60, max_lock_s=3600, forget_after_s=1800)
# A parental PIN is four to eight digits and its guesser is already logged in: the 5th wrong
# PIN locks for 5 minutes, doubling to a day; forgotten after a quiet day.
PIN: Final = Policy(limit=5, base_lock_s=300, max_lock_s=86400, forget_after_s=86400)


def current(record: Record | None, policy: Policy, now: float) -> Record | None:
    """The record as it stands at ``now``: None once forgotten (or never failed)."""
    if record is None or record.failures <= 0 or now >= record.forget_at(policy):
        return None
    return record


def retry_after(record: Record | None, now: float) -> float:
    """Seconds until the key may try again (0: now)."""
    if record is None or record.locked_until <= now:
        return 0.0
    return record.locked_until - now


def fail(record: Record | None, policy: Policy, now: float) -> Record:
    """The record after one more failure at ``now``."""
    before = current(record, policy, now)
    failures = 1 if before is None else before.failures + 1
    lock = policy.lock_for(failures)
    still = 0.0 if before is None else before.locked_until  # a racing twin's lock stands
    return Record(failures, now, max(still, now + lock) if lock else still)


def most_from_one_address(address: Policy, account: Policy) -> int:
    """The most failures one address can bring an account to, however it times them.

    The address's first ``limit`` failures come at once; after that it fails fastest as soon
    as each of its locks ends, and the account forgets whenever two of its failures are
    ``account.forget_after_s`` apart. Waiting out the address's own forgetting resets the
    account too when ``address.forget_after_s`` is at least the account's. Unbounded (a
    large number) when the address's locks never grow past the account's memory.
    """
    if (
        address.max_lock_s < account.forget_after_s
        or address.forget_after_s < account.forget_after_s
    ):
        return 1 << 30
    failures = address.limit
    while address.lock_for(failures) < account.forget_after_s:
        failures += 1
    return failures
