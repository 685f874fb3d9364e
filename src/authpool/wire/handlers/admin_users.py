"""Users an administrator creates."""

from __future__ import annotations

from typing import Any

from authpool.domain import admin_users
from authpool.wire.protocol import Call, operation


@operation("AdminCreateUser")
def admin_create_user(call: Call) -> dict[str, Any]:
    return admin_users.admin_create_user(call.svc, call.params)
