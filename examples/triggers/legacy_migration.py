"""UserMigration: bring users over from a legacy user table the first time they sign in
(``USER_PASSWORD_AUTH``; SRP cannot migrate, the server never sees the password) or ask for
a password reset.

The legacy table (SQLite here; any database works the same way)::

    CREATE TABLE users (
        username TEXT PRIMARY KEY,      -- what the user signs in with
        email TEXT NOT NULL,
        email_verified INTEGER NOT NULL DEFAULT 1,
        password_hash TEXT NOT NULL     -- pbkdf2_sha256$<iterations>$<salt>$<hex digest>
    );

Configure::

    LambdaConfig: {"UserMigration": "python:examples.triggers.legacy_migration:handler"}
    LEGACY_USER_DB=/var/lib/legacy/users.db

A user the table does not know, or a wrong password, is an exception: authpool answers as
for any unknown user. A migrated user keeps the password they signed in with.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
from contextlib import closing
from typing import Any


class NotMigrated(Exception):
    pass


def hash_password(password: str, salt: str, iterations: int = 100_000) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${digest.hex()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, _ = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    return hmac.compare_digest(hash_password(password, salt, int(iterations)), stored)


def lookup(username: str) -> tuple[str, bool, str] | None:
    """(email, email verified, password hash) of a legacy user, or None."""
    path = os.environ.get("LEGACY_USER_DB", "legacy-users.db")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        row = db.execute(
            "SELECT email, email_verified, password_hash FROM users WHERE username = ?",
            (username,),
        ).fetchone()
    return None if row is None else (str(row[0]), bool(row[1]), str(row[2]))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    found = lookup(event["userName"])
    if found is None:
        raise NotMigrated("Bad username or password")
    email, verified, password_hash = found
    if event["triggerSource"] == "UserMigration_Authentication":
        if not password_matches(event["request"]["password"], password_hash):
            raise NotMigrated("Bad username or password")
        event["response"]["finalUserStatus"] = "CONFIRMED"
    elif event["triggerSource"] != "UserMigration_ForgotPassword":
        raise NotMigrated(f"unexpected trigger {event['triggerSource']}")
    event["response"]["userAttributes"] = {
        "email": email,
        "email_verified": "true" if verified else "false",
    }
    event["response"]["messageAction"] = "SUPPRESS"
    return event
