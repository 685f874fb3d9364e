"""Pagination tokens and page sizes of the list operations.

A token is the position after which the next page starts (the sort key of the last item
returned), tagged with what was listed so that a token from one listing is refused by
another. It is opaque to callers, but not secret: every list operation it serves is an
admin call, and a made-up position only moves the caller within their own results.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from authpool.domain.errors import InvalidParameterException

DEFAULT_PAGE = 60
INVALID = "The pagination token is not valid for this request."


def page_size(limit: int | None, default: int = DEFAULT_PAGE) -> int:
    """Cognito's page size: a missing or zero ``Limit`` means the default."""
    return limit if limit else default


def encode(kind: str, position: Any) -> str:
    raw = json.dumps([kind, position], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str | None, kind: str) -> Any:
    """The position in ``token`` (None for no token); InvalidParameterException for a token
    that is malformed or belongs to another listing."""
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        tag, position = json.loads(raw.decode())
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidParameterException(INVALID) from exc
    if tag != kind or position is None:
        raise InvalidParameterException(INVALID)
    return position


def page(items: list[Any], size: int) -> tuple[list[Any], bool]:
    """The first ``size`` of ``items`` (fetched as ``size + 1``) and whether there are more."""
    return items[:size], len(items) > size
