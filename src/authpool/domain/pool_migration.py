"""Changing the settings Cognito fixes at creation, after checking the pool's users.

Cognito refuses to change a pool's sign-in names (UsernameAttributes, AliasAttributes), whether
usernames are case-sensitive, and which attributes are required. authpool allows it, as an
operation of its own (not a Cognito one): :func:`plan` reads every user of the pool and lists
those the new rules would break; :func:`apply` refuses while any such problem has no remedy,
then applies the remedies, re-keys the users (username keys and sign-in aliases) and stores the
new settings. No user is deleted and no attribute is overwritten.

Problems, and the remedies each accepts:

``missing-attribute``
    users lack an attribute that becomes required: ``disable`` them (an administrator completes
    them and enables them again) or ``fill:<value>`` the attribute (not for an attribute that
    becomes a sign-in name, where one value for everybody would collide).
``username-collision``
    usernames that differ only in case would fold together in a case-insensitive pool:
    ``rename`` keeps the oldest user's name and renames the others ``<name>-<first 8 of sub>``.
    A password is bound to its username (the SRP verifier is made from both), so a renamed
    user is set to RESET_REQUIRED: their next sign-in asks them to reset it (ForgotPassword).
``alias-collision``
    users share a value that becomes a sign-in name (an e-mail address, a phone number, a
    preferred_username): ``oldest-keeps`` gives the sign-in name to the oldest user only (the
    others keep their accounts and sign in with their username), ``disable-others`` does the
    same and disables the others.
``no-sign-in-name``
    users whose username was generated (pools that sign in by e-mail or phone) would be left
    without any sign-in name they know: ``keep`` accepts that (an administrator gives them a
    preferred_username or an e-mail address later).

The change is written in one store transaction (``migrate_pool``): the new settings, then every
changed user's fields and dropped sign-in aliases, then every changed user's new aliases, so
that a name moving from one user to another never collides mid-way. Any failure (a name taken
meanwhile, a crash) leaves the pool and its users as they were. The users are read page by
page before that transaction; the transaction refuses (ConcurrentModificationException,
nothing written) when the pool, or a user it changes, was written since it was read, or the
pool's number of users changed, so that the plan carried out is the plan that was checked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from authpool.domain import attributes, users
from authpool.domain.context import Services
from authpool.domain.errors import ConcurrentModificationException, InvalidParameterException
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import PoolRecord, UserRecord, UserRekeyRecord

USERNAME_ATTRIBUTES = ("email", "phone_number")
ALIAS_ATTRIBUTES = ("email", "phone_number", "preferred_username")
NOT_REQUIRABLE = frozenset({"sub", "identities", "email_verified", "phone_number_verified"})
REMEDIES: dict[str, tuple[str, ...]] = {
    "missing-attribute": ("disable", "fill"),
    "username-collision": ("rename",),
    "alias-collision": ("oldest-keeps", "disable-others"),
    "no-sign-in-name": ("keep",),
}
_PAGE = 500
_SHOWN = 10


@dataclass(frozen=True)
class Change:
    """The new values of the fixed settings; ``None`` leaves a setting as it is.
    ``required_attributes`` lists every standard attribute that must be set (``sub`` aside)."""

    username_attributes: tuple[str, ...] | None = None
    alias_attributes: tuple[str, ...] | None = None
    case_sensitive: bool | None = None
    required_attributes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Remedy:
    action: str
    value: str | None = None


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str
    usernames: tuple[str, ...]
    remedy: Remedy | None

    def describe(self) -> str:
        shown = ", ".join(self.usernames[:_SHOWN])
        more = f" and {len(self.usernames) - _SHOWN} more" if len(self.usernames) > _SHOWN else ""
        n = len(self.usernames)
        who = f"{n} user{'s' if n != 1 else ''} ({shown}{more})"
        how = f"; remedy: {self.remedy.action}" if self.remedy else ""
        return f"{self.kind}: {who} {self.detail}{how}"


@dataclass(frozen=True)
class Plan:
    pool_id: str
    settings: tuple[str, ...]
    users_checked: int
    problems: tuple[Problem, ...]

    @property
    def unresolved(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.remedy is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pool_id": self.pool_id,
            "settings": list(self.settings),
            "users_checked": self.users_checked,
            "problems": [
                {
                    "kind": p.kind,
                    "detail": p.detail,
                    "usernames": list(p.usernames),
                    "remedy": None if p.remedy is None else _remedy_text(p.remedy),
                }
                for p in self.problems
            ],
        }


@dataclass
class _Work:
    """What happens to one user."""

    user: UserRecord
    fill: dict[str, str] = field(default_factory=dict)
    disable: bool = False
    rename: str | None = None
    suppressed: set[str] = field(default_factory=set)


def _remedy_text(remedy: Remedy) -> str:
    return remedy.action if remedy.value is None else f"{remedy.action}:{remedy.value}"


def parse_remedies(given: Mapping[str, str]) -> dict[str, Remedy]:
    """``{"missing-attribute": "fill:unknown"}`` → remedies, refusing unknown kinds and actions."""
    out: dict[str, Remedy] = {}
    for kind, text in given.items():
        if kind not in REMEDIES:
            raise InvalidParameterException(
                f"Unknown problem kind {kind!r}: expected one of {', '.join(REMEDIES)}."
            )
        action, _, value = text.partition(":")
        if action not in REMEDIES[kind]:
            raise InvalidParameterException(
                f"Unknown remedy {action!r} for {kind}: expected one of "
                f"{', '.join(REMEDIES[kind])}."
            )
        if (action == "fill") != bool(value):
            raise InvalidParameterException(
                "fill needs a value (fill:<value>)"
                if action == "fill"
                else f"{action} takes no value"
            )
        out[kind] = Remedy(action, value or None)
    return out


# the new settings ------------------------------------------------------------------------------
def _check_change(pool: Pool, change: Change) -> None:
    names = set(attributes.schema_names(pool.schema))
    for attr in change.username_attributes or ():
        if attr not in USERNAME_ATTRIBUTES:
            raise InvalidParameterException(f"Invalid username attribute: {attr}")
    for attr in change.alias_attributes or ():
        if attr not in ALIAS_ATTRIBUTES:
            raise InvalidParameterException(f"Invalid alias attribute: {attr}")
    for attr in change.required_attributes or ():
        if attr in NOT_REQUIRABLE or attr not in attributes.STANDARD_NAMES or attr not in names:
            raise InvalidParameterException(f"{attr} cannot be a required attribute.")


def new_config(pool: Pool, change: Change) -> dict[str, Any]:
    """The pool's configuration with ``change`` applied."""
    _check_change(pool, change)
    cfg = deepcopy(pool.config)
    if change.username_attributes is not None:
        cfg["username_attributes"] = list(change.username_attributes)
        if change.username_attributes and change.alias_attributes is None:
            cfg["alias_attributes"] = []
    if change.alias_attributes is not None:
        cfg["alias_attributes"] = list(change.alias_attributes)
        if change.alias_attributes and change.username_attributes is None:
            cfg["username_attributes"] = []
    if cfg.get("username_attributes") and cfg.get("alias_attributes"):
        raise InvalidParameterException(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
        )
    if change.case_sensitive is not None:
        cfg["username_configuration"] = {"case_sensitive": change.case_sensitive}
    if change.required_attributes is not None:
        wanted = set(change.required_attributes) | {"sub"}
        for spec in cfg["schema_attributes"]:
            if spec["name"] in attributes.STANDARD_NAMES:
                spec["required"] = spec["name"] in wanted
    return cfg


def _required(pool: Pool) -> set[str]:
    return {a["name"] for a in pool.schema if a.get("required") and a["name"] != "sub"}


def _settings_changed(old: Pool, new: Pool) -> tuple[str, ...]:
    out = []
    pairs = (
        ("username attributes", old.username_attributes, new.username_attributes),
        ("alias attributes", old.alias_attributes, new.alias_attributes),
        ("case-sensitive usernames", old.case_sensitive, new.case_sensitive),
        ("required attributes", sorted(_required(old)), sorted(_required(new))),
    )
    for label, before, after in pairs:
        if before != after:
            out.append(f"{label}: {before} -> {after}")
    return tuple(out)


# checking the users -----------------------------------------------------------------------------
def all_users(svc: Services, pool_id: str) -> Iterator[UserRecord]:
    """Every user of the pool, each once, read page by page in ``username_key`` order.

    The store pages with ``username_key > after`` and sorts by ``username_key``: one
    comparison, in the database's own collation (whatever that is), so ``after`` moves
    strictly forward in the order the pages come in; Python never compares two keys. A user
    renamed while the pages are read can come twice: it is yielded once. And the loop is
    bounded whatever the store does: a page that brings no user not seen before, or more
    pages than twice the pool's users at the start call for, stop it with
    ConcurrentModificationException (users are changing faster than they are read)."""
    pages = 2 * (svc.store.count_users(pool_id) // _PAGE) + 2
    seen: set[str] = set()
    after: str | None = None
    for _ in range(pages):
        page = svc.store.list_users(pool_id, after=after, limit=_PAGE)
        fresh = [u for u in page if u.sub not in seen]
        seen.update(u.sub for u in fresh)
        yield from fresh
        if len(page) < _PAGE:
            return
        if not fresh:
            break
        after = page[-1].username_key  # the last in the store's own order
    raise ConcurrentModificationException(
        f"The users of {pool_id} changed faster than they could be read; try again."
    )


def _missing(pool: Pool, new: Pool, work: list[_Work], remedy: Remedy | None) -> list[Problem]:
    problems = []
    sign_in_names = set(new.username_attributes) | set(new.alias_attributes)
    for attr in sorted(_required(new) - _required(pool)):
        lacking = [w for w in work if not w.user.attributes.get(attr)]
        if not lacking:
            continue
        if remedy is not None and remedy.action == "fill":
            if attr in sign_in_names:
                raise InvalidParameterException(
                    f"{attr} becomes a sign-in name: one value for every user would collide; "
                    "use the disable remedy."
                )
            checked = users.check_attributes(
                pool, None, {attr: remedy.value or ""}, creating=True, admin=True
            )
            for w in lacking:
                w.fill[attr] = checked[attr]
        elif remedy is not None:
            for w in lacking:
                w.disable = True
        names = tuple(w.user.username for w in lacking)
        problems.append(Problem("missing-attribute", f"lack {attr}", names, remedy))
    return problems


def _fold_collisions(
    pool: Pool, new: Pool, work: list[_Work], remedy: Remedy | None
) -> list[Problem]:
    if new.case_sensitive or not pool.case_sensitive:
        return []
    folded: dict[str, list[_Work]] = defaultdict(list)
    for w in work:
        folded[w.user.username.casefold()].append(w)
    problems = []
    for key, group in sorted(folded.items()):
        if len(group) < 2:
            continue
        detail = f"fold to {key}"
        if remedy is not None:
            for w in group[1:]:
                w.rename = f"{w.user.username}-{w.user.sub[:8]}"
            renames = ", ".join(f"{w.user.username} -> {w.rename}" for w in group[1:])
            detail += f" (renamed, password reset required: {renames})"
        names = tuple(w.user.username for w in group)
        problems.append(Problem("username-collision", detail, names, remedy))
    return problems


def _attrs(w: _Work) -> dict[str, str]:
    return {**w.user.attributes, **w.fill}


def _alias_collisions(new: Pool, work: list[_Work], remedy: Remedy | None) -> list[Problem]:
    holders: dict[str, list[_Work]] = defaultdict(list)
    for w in work:
        for key in users.sign_in_aliases(new, _attrs(w), verified_only=True):
            holders[key].append(w)
    problems = []
    for key, group in sorted(holders.items()):
        if len(group) < 2:
            continue
        if remedy is not None:
            for w in group[1:]:
                w.suppressed.add(key)
                w.disable = w.disable or remedy.action == "disable-others"
        attr, _, value = key.partition(":")
        names = tuple(w.user.username for w in group)
        problems.append(Problem("alias-collision", f"share {attr} {value}", names, remedy))
    return problems


def _without_sign_in_name(new: Pool, work: list[_Work], remedy: Remedy | None) -> list[Problem]:
    lost = [
        w
        for w in work
        if w.user.username == w.user.sub
        and not set(users.sign_in_aliases(new, _attrs(w), verified_only=True)) - w.suppressed
    ]
    if not lost:
        return []
    names = tuple(w.user.username for w in lost)
    return [Problem("no-sign-in-name", "would have no sign-in name but their id", names, remedy)]


def _analyse(
    svc: Services, pool: Pool, change: Change, remedies: Mapping[str, Remedy]
) -> tuple[Plan, Pool, list[_Work]]:
    new = Pool(replace(pool.record, config=new_config(pool, change)))
    work = [_Work(u) for u in sorted(all_users(svc, pool.id), key=lambda u: (u.created_at, u.sub))]
    problems = [
        *_missing(pool, new, work, remedies.get("missing-attribute")),
        *_fold_collisions(pool, new, work, remedies.get("username-collision")),
        *_alias_collisions(new, work, remedies.get("alias-collision")),
        *_without_sign_in_name(new, work, remedies.get("no-sign-in-name")),
    ]
    plan = Plan(pool.id, _settings_changed(pool, new), len(work), tuple(problems))
    return plan, new, work


def plan(
    svc: Services, pool_id: str, change: Change, remedies: Mapping[str, Remedy] | None = None
) -> Plan:
    """What ``change`` would do to the pool's users; nothing is written."""
    return _analyse(svc, get_pool(svc, pool_id), change, remedies or {})[0]


# applying ---------------------------------------------------------------------------------------
def _alias_candidates(pools: Sequence[Pool], attrs: Mapping[str, str]) -> tuple[str, ...]:
    """Every key the user's aliases may be stored under, by the old rules or the new."""
    keys = {
        users.alias_key(p, attr, attrs[attr])
        for p in pools
        for attr in ALIAS_ATTRIBUTES
        if attrs.get(attr)
    }
    return tuple(sorted(keys))


def _touched(old: Pool, new: Pool, w: _Work) -> bool:
    before = users.sign_in_aliases(old, w.user.attributes, verified_only=True)
    after = tuple(k for k in users.sign_in_aliases(new, _attrs(w), verified_only=True))
    return bool(
        w.fill
        or w.disable
        or w.rename
        or w.suppressed
        or before != after
        or users.username_key(old, w.user.username) != users.username_key(new, w.user.username)
    )


def _rekey(pool: Pool, new: Pool, w: _Work, now: datetime) -> UserRekeyRecord:
    name = w.rename or w.user.username
    changes: dict[str, Any] = {
        "username": name,
        "username_key": users.username_key(new, name),
        "updated_at": now,
    }
    if w.disable:
        changes["enabled"] = False
    if w.rename:
        changes["status"] = users.RESET_REQUIRED  # the old verifier names the old username
    if w.fill:
        changes["attributes"] = _attrs(w)
    keys = users.sign_in_aliases(new, _attrs(w), verified_only=True)
    return UserRekeyRecord(
        sub=w.user.sub,
        seen_updated_at=w.user.updated_at,
        changes=changes,
        remove_aliases=_alias_candidates((pool, new), _attrs(w)),
        add_aliases=tuple(k for k in keys if k not in w.suppressed),
    )


def apply(
    svc: Services, pool_id: str, change: Change, remedies: Mapping[str, Remedy] | None = None
) -> Plan:
    """Apply ``change`` with ``remedies``; refuses (InvalidParameterException) while a problem
    has none. Returns the plan that was carried out.

    The new settings and every user's change are one store transaction: a failure leaves the
    pool as it was. When the pool or a user it changes was written after it was read, or users
    came or went, nothing is written and ConcurrentModificationException asks for a new try."""
    pool = get_pool(svc, pool_id)
    done, new, work = _analyse(svc, pool, change, remedies or {})
    if done.unresolved:
        raise InvalidParameterException(
            "The change breaks existing users and no remedy was chosen: "
            + "; ".join(p.describe() for p in done.unresolved)
        )
    now = svc.clock.now()
    # Collision losers first: each is renamed before another user's name folds onto its own.
    changed = sorted((w for w in work if _touched(pool, new, w)), key=lambda w: w.rename is None)
    svc.store.migrate_pool(
        PoolRecord(pool.id, pool.name, new.config, pool.record.created_at, now),
        seen_updated_at=pool.record.updated_at,
        user_count=done.users_checked,
        users=[_rekey(pool, new, w, now) for w in changed],
    )
    return done
