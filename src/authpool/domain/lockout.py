"""Brute-force lockout, as Cognito does it, for passwords (USER_PASSWORD_AUTH and SRP's
PASSWORD_VERIFIER) and for MFA codes, each counted on its own.

Cognito's rule (developer guide, "Lockout behavior for failed sign-in attempts"): five
failures are free; after the n-th failure (n >= 5) the user is locked out for 2^(n-5)
seconds, doubling up to about fifteen minutes (:attr:`Policy.max_lock`). An attempt during a
lockout fails with NotAuthorizedException "Password attempts exceeded" and is not counted:
it neither extends this lockout nor lengthens the next. The count starts over after a right
answer, or after fifteen quiet minutes (no counted failure). Besides Cognito's rule, no key
takes more than :attr:`Policy.hourly_cap` failures in an hour.

Every attempt is counted *before* its answer is checked, and a right answer takes the
count back (:func:`passed`). So parallel guesses cannot slip through between a check and a
count: of fifty guesses sent at once, the sixth and later meet the lockout the fifth started.
The state is one row per key in the store, changed by compare-and-set, so every worker sees
the same count.

With PreventUserExistenceErrors, a name nobody holds is counted and locked exactly like a
user (keyed by the name), so the lockout does not tell who exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from authpool.domain import audit, users
from authpool.domain.context import Services
from authpool.domain.errors import NotAuthorizedException
from authpool.domain.pools import Pool
from authpool.domain.records import FailureRecord, UserRecord

EXCEEDED = "Password attempts exceeded"
PASSWORD, MFA = "password", "mfa"
HOUR = timedelta(hours=1)
CAS_TRIES = 100


@dataclass(frozen=True)
class Policy:
    """Cognito's numbers: five free failures, doubling from one second to fifteen minutes,
    forgotten after fifteen quiet minutes; and at most 100 failures an hour."""

    free_failures: int = 5
    max_lock: timedelta = timedelta(minutes=15)
    quiet_reset: timedelta = timedelta(minutes=15)
    hourly_cap: int = 100

    def lock_for(self, failures: int) -> timedelta:
        """How long the ``failures``-th failure locks the key out (zero while free)."""
        if failures < self.free_failures:
            return timedelta(0)
        exponent = failures - self.free_failures
        if exponent >= 20:  # 2^20 s is far past any cap
            return self.max_lock
        return min(timedelta(seconds=2**exponent), self.max_lock)


POLICY = Policy()


def locked_until(record: FailureRecord | None, now: datetime, policy: Policy) -> datetime | None:
    """When the lockout in ``record`` ends, if it is still on at ``now``."""
    if record is None:
        return None
    ends = [t for t in (record.locked_until,) if t is not None]
    if record.hour_failures >= policy.hourly_cap:
        ends.append(record.hour_start + HOUR)
    end = max(ends, default=None)
    return end if end is not None and now < end else None


def after_failure(
    record: FailureRecord | None, key: bytes, now: datetime, policy: Policy
) -> FailureRecord:
    """The state once one more failure at ``now`` is counted (the key is not locked)."""
    fresh = record is None or now - record.last_failure_at >= policy.quiet_reset
    failures = 1 if fresh or record is None else record.failures + 1
    new_hour = record is None or now >= record.hour_start + HOUR
    hour_start = now if new_hour or record is None else record.hour_start
    hour_failures = 1 if new_hour or record is None else record.hour_failures + 1
    lock = policy.lock_for(failures)
    until = now + lock if lock else None
    if hour_failures >= policy.hourly_cap:
        until = max(until or now, hour_start + HOUR)
    return FailureRecord(
        key=key,
        failures=failures,
        last_failure_at=now,
        locked_until=until,
        hour_start=hour_start,
        hour_failures=hour_failures,
        version=(record.version + 1) if record is not None else 1,
    )


def key_for(
    svc: Services, factor: str, pool: Pool, user: UserRecord | None, name: str | None = None
) -> bytes:
    """The key ``factor``'s failures count at: the user, or a name nobody holds."""
    if user is not None:
        subject = f"user\x00{user.sub}"
    else:
        subject = f"name\x00{pool.id}\x00{users.username_key(pool, name or '')}"
    return svc.vault.digest(f"{factor}\x00{subject}", purpose="lockout")


@dataclass(frozen=True)
class Counted:
    """What counting an attempt found at ``now``: the state it wrote (``record``), or the
    lockout it met (``until``: refused, nothing counted). Neither: a storm of racing writers
    kept it from counting (refused too, never let by)."""

    now: datetime
    record: FailureRecord | None = None
    until: datetime | None = None


def count(svc: Services, key: bytes, policy: Policy = POLICY) -> Counted:
    """Count an attempt at ``key`` unless it is locked out: one compare-and-set on the key's
    row (read again and retried when another worker changed it first). Raises nothing of
    its own, so that it can share a store transaction with a write that must stand either
    way (:func:`attempt`'s ``first``)."""
    now = svc.clock.now()
    for _ in range(CAS_TRIES):
        now = svc.clock.now()
        record = svc.store.get_failures(key)
        until = locked_until(record, now, policy)
        if until is not None:
            return Counted(now, until=until)
        new = after_failure(record, key, now, policy)
        if svc.store.put_failures(new, expected=record.version if record else None):
            return Counted(now, record=new)
    return Counted(now)


def attempt(
    svc: Services,
    key: bytes,
    *,
    factor: str,
    user: UserRecord | None = None,
    policy: Policy = POLICY,
    first: Callable[[], None] | None = None,
) -> None:
    """Count an attempt at ``key`` before its answer is checked; refuse it while the key is
    locked out (the refusal counts for nothing). The read and the count are one store
    transaction; ``first`` (using up a challenge, say) runs at its start, in it: if
    ``first`` raises, nothing is counted, and a refusal does not undo what ``first`` did.

    The transaction is committed without waiting for the disk: every worker sees the count
    at once, and only a crash of the machine could lose it — not of the process, and not
    once any later commit is durable (the log is written in order). A right answer is never
    told before such a commit: its tokens are stored durably first, and that flushes the
    count and ``first``'s write with them. What a crash could lose is the count of a wrong
    answer answered in the last moment before it, which costs a guesser nothing but a crash
    of the machine to exploit; waiting for the disk here cost every sign-in a second flush."""
    with svc.store.atomic(durable=False):
        if first is not None:
            first()
        counted = count(svc, key, policy)
    if counted.record is None:
        if counted.until is not None:
            seconds = int((counted.until - counted.now).total_seconds()) + 1
            audit.emit("LockedOut", audit.REFUSED, user=user, factor=factor,
                       locked_seconds=seconds)  # fmt: skip
        raise NotAuthorizedException(EXCEEDED)  # a storm of racing guesses: refuse too
    if counted.record.locked_until is not None:
        seconds = int((counted.record.locked_until - counted.now).total_seconds())
        audit.emit("Lockout", audit.FAILURE, user=user, factor=factor,
                   failures=counted.record.failures, locked_seconds=seconds)  # fmt: skip


def refuse_if_locked(svc: Services, key: bytes, *, policy: Policy = POLICY) -> None:
    """Refuse while ``key`` is locked out, counting nothing (a step before the answer)."""
    if locked_until(svc.store.get_failures(key), svc.clock.now(), policy) is not None:
        raise NotAuthorizedException(EXCEEDED)


def passed(svc: Services, key: bytes) -> None:
    """A right answer: the count starts over."""
    svc.store.clear_failures(key)
