"""What ListUsers can search, and the form a value is searched in.

The store keeps one index row ``(pool, attribute, value, user)`` for every searchable value
of every user, written in the same transaction as the user; :func:`index_entries` says which
rows a user has. Pure functions over a :class:`~authpool.domain.records.UserRecord`: the
store calls them, so this module imports nothing but the records.

Cognito's rules (ListUsers ``Filter``): ``username`` follows the pool's case rule (its
``username_key``), ``status`` (``Enabled``/``Disabled``) is case-sensitive, every other
searchable attribute — ``cognito:user_status`` included — compares case-insensitively.
Custom attributes are not searchable.

An index value holds at most :data:`INDEX_CHARS` characters (a B-tree entry must stay
small); a filter longer than that narrows the candidates by its first
:data:`INDEX_CHARS` characters and :func:`matches` checks the full value.
"""

from __future__ import annotations

from collections.abc import Callable

from authpool.domain.records import UserRecord

INDEX_CHARS = 256

# Standard attributes searched through the user's attribute values.
ATTRIBUTE_FIELDS = (
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
)


def _status(user: UserRecord) -> str:
    return "Enabled" if user.enabled else "Disabled"


def _attribute(name: str) -> Callable[[UserRecord], str | None]:
    def read(user: UserRecord) -> str | None:
        value = user.attributes.get(name)
        return value.casefold() if value else None

    return read


# The searchable names and how each reads its full value from a user.
_READERS: dict[str, Callable[[UserRecord], str | None]] = {
    "username": lambda user: user.username_key,
    "sub": lambda user: user.sub,
    "cognito:user_status": lambda user: user.status.casefold(),
    "status": _status,
    **{name: _attribute(name) for name in ATTRIBUTE_FIELDS},
}
SEARCHABLE = frozenset(_READERS)


def normalise(attribute: str, value: str) -> str:
    """A filter value in the form the index holds (``username`` is normalised by the
    caller, which knows the pool's case rule)."""
    if attribute in ("status", "username"):
        return value
    return value.casefold()


def search_value(user: UserRecord, attribute: str) -> str | None:
    """``user``'s full normalised value of ``attribute`` (None: it has none)."""
    return _READERS[attribute](user)


def index_entries(user: UserRecord) -> list[tuple[str, str]]:
    """The index rows of ``user``: (attribute, value cut to :data:`INDEX_CHARS`)."""
    entries: list[tuple[str, str]] = []
    for attribute, read in _READERS.items():
        value = read(user)
        if value:
            entries.append((attribute, value[:INDEX_CHARS]))
    return entries


def matches(user: UserRecord, attribute: str, value: str, *, prefix: bool) -> bool:
    """Whether ``user`` matches the normalised filter value (the exact check behind a
    shortened index value)."""
    held = search_value(user, attribute)
    if held is None:
        return False
    return held.startswith(value) if prefix else held == value
