"""Operation handlers, one module per area; importing them fills the operation table."""

from __future__ import annotations

import importlib

MODULES = (
    "pools",
    "clients",
    "auth",
    "users",
    "attributes",
    "groups",
    "directory",
    "mfa",
    "passwords",
    "admin_users",
    "devices",
)


def load() -> None:
    for name in MODULES:
        importlib.import_module(f"authpool.wire.handlers.{name}")
