"""Small helpers for tests that need a secret that is certainly wrong."""

from __future__ import annotations


def tampered(secret: str) -> str:
    """``secret`` with its last character replaced by a different one (never by itself)."""
    last = "y" if secret[-1] == "x" else "x"
    return secret[:-1] + last
