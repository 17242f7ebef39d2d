"""The throttle's arithmetic: locks double up to their cap, quiet keys are forgotten, and one
address can never lock an account (the property the design stands on, ADR 0027)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yunjin.credentials import throttle
from yunjin.credentials.throttle import ACCOUNT, ADDRESS, PIN, Policy, Record

T0 = 1_800_000_000.0

policies = st.builds(
    Policy,
    limit=st.integers(1, 30),
    base_lock_s=st.floats(1, 600),
    max_lock_s=st.floats(1, 86400),
    forget_after_s=st.floats(1, 86400),
)


def test_the_limit_locks_then_every_failure_doubles_the_lock_up_to_its_cap() -> None:
    locks = [ADDRESS.lock_for(n) for n in range(1, 20)]
    assert locks[:9] == [0.0] * 9
    assert locks[9:16] == [60, 120, 240, 480, 960, 1920, 3600]
    assert set(locks[16:]) == {3600}
    assert PIN.lock_for(5) == 300
    assert PIN.lock_for(100) == 86400


def test_failures_count_and_the_limit_locks() -> None:
    record = None
    for second in range(10):
        record = throttle.fail(record, ADDRESS, T0 + second)
    assert record == Record(10, T0 + 9, T0 + 9 + 60)
    assert throttle.retry_after(record, T0 + 10) == 59
    assert throttle.retry_after(record, T0 + 69) == 0


def test_waiting_out_a_lock_does_not_forget_the_failures() -> None:
    record = Record(10, T0, T0 + 60)
    assert throttle.current(record, ADDRESS, T0 + 61) == record
    again = throttle.fail(record, ADDRESS, T0 + 61)
    assert again == Record(11, T0 + 61, T0 + 61 + 120)
    # quiet for forget_after_s after the lock ends: forgotten
    assert throttle.current(again, ADDRESS, again.locked_until + 3599) is not None
    assert throttle.current(again, ADDRESS, again.locked_until + 3600) is None
    assert throttle.fail(again, ADDRESS, again.locked_until + 3600).failures == 1


@given(policy=policies, gaps=st.lists(st.floats(0, 200_000), min_size=1, max_size=40))
def test_a_lock_never_shrinks_while_the_key_is_remembered(
    policy: Policy, gaps: list[float]
) -> None:
    record: Record | None = None
    now = T0
    for gap in gaps:
        now += gap
        before = throttle.current(record, policy, now)
        record = throttle.fail(record, policy, now)
        if before is not None:
            assert record.failures == before.failures + 1
            assert record.locked_until >= before.locked_until
        else:
            assert record.failures == 1
        assert record.locked_until - now <= policy.max_lock_s


def test_one_address_brings_an_account_to_fifteen_failures_at_most() -> None:
    assert throttle.most_from_one_address(ADDRESS, ACCOUNT) == 15 < ACCOUNT.limit
    # what breaks the property is named: locks that never outgrow the account's memory
    short = Policy(limit=10, base_lock_s=60, max_lock_s=600, forget_after_s=3600)
    assert throttle.most_from_one_address(short, ACCOUNT) > 1_000_000


def _attack(delays: list[float]) -> tuple[int, bool]:
    """One address failing on one account at the given pauses, refused (and not counted)
    while either is locked: the account's most failures, and whether it was ever locked."""
    address: Record | None = None
    account: Record | None = None
    now = T0
    most, locked = 0, False
    for delay in delays:
        now += delay
        address = throttle.current(address, ADDRESS, now)
        account = throttle.current(account, ACCOUNT, now)
        if throttle.retry_after(address, now) or throttle.retry_after(account, now):
            continue
        address = throttle.fail(address, ADDRESS, now)
        account = throttle.fail(account, ACCOUNT, now)
        most = max(most, account.failures)
        locked = locked or account.locked_until > now
    return most, locked


@settings(max_examples=300)
@given(st.lists(st.floats(0, 7200, allow_nan=False), min_size=1, max_size=120))
def test_one_address_never_locks_an_account_however_it_times_its_guesses(
    delays: list[float],
) -> None:
    most, locked = _attack(delays)
    assert not locked
    assert most <= throttle.most_from_one_address(ADDRESS, ACCOUNT)


def test_the_bound_is_reached_by_guessing_as_each_lock_ends() -> None:
    greedy = [0.0] * 10 + [ADDRESS.lock_for(n) for n in range(10, 40)]
    assert _attack(greedy) == (15, False)
