"""The user directory as an operator sees it: ListUsers (Cognito's Filter syntax, served
from the search index), AdminDisableUser and AdminEnableUser, and the UserType every
user listing returns.

Filter syntax: ``AttributeName Filter-Type "AttributeValue"``: ``=`` for an exact match,
``^=`` for a prefix; quotation marks and backslashes inside the value are escaped with a
backslash; the name may be quoted too, and blanks around the operator are optional. An
empty filter lists every user. Only the attributes in
:data:`authpool.domain.search.SEARCHABLE` can be searched.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from authpool.domain import account, grants, paging, search, users
from authpool.domain.context import Services
from authpool.domain.errors import InvalidParameterException
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import UserRecord

PARSE_ERROR = "Error while parsing filter."  # as Cognito words it, full stop included
_FILTER = re.compile(
    r'\s*(?P<quote>"?)(?P<name>[^\s"=^]+)(?P=quote)\s*(?P<op>\^=|=)\s*'
    r'"(?P<value>(?:[^"\\]|\\.)*)"\s*',
    re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True)
class Filter:
    attribute: str
    value: str  # as written (unescaped)
    prefix: bool

    @property
    def fingerprint(self) -> str:
        """What a pagination token is bound to."""
        text = f"{self.attribute}\x00{int(self.prefix)}\x00{self.value}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_filter(text: str | None) -> Filter | None:
    """The parsed filter, None for an empty one; InvalidParameterException otherwise."""
    if text is None or not text.strip():
        return None
    match = _FILTER.fullmatch(text)
    if match is None:
        raise InvalidParameterException(PARSE_ERROR)
    name = match["name"]
    if name not in search.SEARCHABLE:
        raise InvalidParameterException(f"Invalid search attribute: {name}")
    value = _ESCAPE.sub(r"\1", match["value"])
    return Filter(name, value, match["op"] == "^=")


# UserType ----------------------------------------------------------------------------------
def user_type(
    pool: Pool, user: UserRecord, attributes_to_get: list[str] | None = None
) -> dict[str, Any]:
    """UserType (snake_case) as an admin listing shows a user."""
    attrs = users.visible_attributes(pool, None, user, admin=True)
    if attributes_to_get:
        wanted = set(attributes_to_get)
        attrs = {k: v for k, v in attrs.items() if k in wanted}
    out: dict[str, Any] = {
        "username": user.username,
        "attributes": users.as_list(attrs),
        "user_create_date": user.created_at,
        "user_last_modified_date": user.updated_at,
        "enabled": user.enabled,
        "user_status": user.status,
    }
    options = account.mfa_settings(user).get("mfa_options")
    if options:
        out["mfa_options"] = options
    return out


# ListUsers ---------------------------------------------------------------------------------
def list_users(svc: Services, pool_id: str, params: dict[str, Any]) -> dict[str, Any]:
    pool = get_pool(svc, pool_id)
    flt = parse_filter(params.get("filter"))
    size = paging.page_size(params.get("limit"))
    token = params.get("pagination_token")
    if flt is None:
        found, next_token = _all_users(svc, pool, token, size)
    else:
        found, next_token = _search(svc, pool, flt, token, size)
    wanted = params.get("attributes_to_get")
    return {
        "users": [user_type(pool, u, wanted) for u in found],
        "pagination_token": next_token,
    }


def _all_users(
    svc: Services, pool: Pool, token: str | None, size: int
) -> tuple[list[UserRecord], str | None]:
    after = paging.decode(token, "users")
    if after is not None and not isinstance(after, str):
        raise InvalidParameterException(paging.INVALID)
    found, more = paging.page(svc.store.list_users(pool.id, after=after, limit=size + 1), size)
    return found, (paging.encode("users", found[-1].username_key) if more else None)


def _search(
    svc: Services, pool: Pool, flt: Filter, token: str | None, size: int
) -> tuple[list[UserRecord], str | None]:
    kind = f"users:{flt.fingerprint}"
    position = _position(paging.decode(token, kind))
    value = (
        users.username_key(pool, flt.value)
        if flt.attribute == "username"
        else search.normalise(flt.attribute, flt.value)
    )
    key = value[: search.INDEX_CHARS]
    exact_in_index = len(value) < search.INDEX_CHARS  # else the index holds a shortened value
    matched: list[tuple[str, UserRecord]] = []
    while True:
        rows = svc.store.search_users(
            pool.id, flt.attribute, key, prefix=flt.prefix, after=position, limit=size + 1
        )
        matched += [
            (indexed, user)
            for indexed, user in rows
            if exact_in_index or search.matches(user, flt.attribute, value, prefix=flt.prefix)
        ]
        if len(matched) > size or len(rows) <= size:
            break
        position = (rows[-1][0], rows[-1][1].sub)
    found, more = paging.page(matched, size)
    next_token = paging.encode(kind, [found[-1][0], found[-1][1].sub]) if more else None
    return [user for _, user in found], next_token


def _position(raw: Any) -> tuple[str, str] | None:
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, str) for x in raw)):
        raise InvalidParameterException(paging.INVALID)
    return raw[0], raw[1]


# AdminDisableUser / AdminEnableUser --------------------------------------------------------
def disable_user(svc: Services, pool_id: str, username: str) -> None:
    """Sign-in refused from now on, and every token of the user revoked (Cognito: "revokes
    all access tokens"; a refresh token of a disabled user is refused as well)."""
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    svc.store.update_user(user.sub, enabled=False, updated_at=svc.clock.now())
    grants.global_sign_out(svc, user)


def enable_user(svc: Services, pool_id: str, username: str) -> None:
    """Sign-in allowed again; tokens revoked by the disable stay revoked."""
    pool = get_pool(svc, pool_id)
    user = users.require_user(svc, pool, username)
    svc.store.update_user(user.sub, enabled=True, updated_at=svc.clock.now())
