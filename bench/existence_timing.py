"""How long a wrong password takes for a user who exists and for a name nobody holds, over
HTTP, on a client with PreventUserExistenceErrors=ENABLED: USER_PASSWORD_AUTH, and SRP's
PASSWORD_VERIFIER answer (InitiateAuth USER_SRP_AUTH is timed too).

The two kinds of request are interleaved in pairs, the order within a pair alternating
(known first, then unknown first), so that both see the same machine load; each known user
takes at most four wrong passwords, so no attempt meets the lockout (which would answer
another error, faster). The figures to read: the difference of the medians, and the median of
the paired differences (unknown minus known, each pair sent back to back) with a bootstrap 95%
interval — against the spread (interquartile range) of each side. ``--rounds`` repeats the
whole measurement on fresh names, to show how much the figures move from run to run.

Usage::

    python bench/existence_timing.py                      # SQLite in a temp dir
    python bench/existence_timing.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python bench/existence_timing.py --users 250 --rounds 3

Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import socket
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn

from authpool import srp
from authpool.cli import runtime
from authpool.config import RateLimitConfig, Settings
from authpool.domain import clients, credentials, pools, users
from authpool.domain.context import Services
from authpool.domain.flows import sign_up

TARGET = "AWSCognitoIdentityProviderService."
PASSWORD = "Corr3ct-horse!"
BAD = "Wr0ng-password!"
ATTEMPTS_PER_NAME = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(settings: Settings) -> tuple[Services, uvicorn.Server]:
    svc = runtime.open_services(settings)
    app = runtime.create_app(settings, svc)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return svc, server


def make_pool(svc: Services, count: int) -> tuple[str, str, list[str]]:
    pool = pools.create_pool(svc, f"timing-{uuid.uuid4().hex[:6]}", {})
    client, _ = clients.create_client(
        svc,
        pool.id,
        "timing",
        {
            "explicit_auth_flows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
            "prevent_user_existence_errors": "ENABLED",
        },
        generate_secret=False,
    )
    names = []
    for i in range(count):
        name = f"known-{i}-{uuid.uuid4().hex[:6]}"
        sign_up.sign_up(svc, {"client_id": client.id, "username": name, "password": PASSWORD})
        user = users.require_user(svc, pool, name)
        credentials.set_password(svc, pool, user, PASSWORD)  # CONFIRMED
        names.append(name)
    return pool.id, client.id, names


class Caller:
    def __init__(self, url: str, pool_id: str, client_id: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.pool_id, self.client_id = pool_id, client_id

    def call(self, operation: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + operation}
        started = time.perf_counter()
        response = self.http.post("/", content=json.dumps(body), headers=headers)
        return time.perf_counter() - started, response.json()

    def password(self, name: str) -> float:
        took, answer = self.call("InitiateAuth", {
            "ClientId": self.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": BAD},
        })  # fmt: skip
        assert answer.get("message") == "Incorrect username or password.", answer
        return took

    def srp(self, name: str) -> tuple[float, float]:
        a = srp.new_client_secret()
        took_init, first = self.call("InitiateAuth", {
            "ClientId": self.client_id, "AuthFlow": "USER_SRP_AUTH",
            "AuthParameters": {"USERNAME": name, "SRP_A": srp.to_hex(srp.client_public(a))},
        })  # fmt: skip
        params = first["ChallengeParameters"]
        stamp = srp.format_timestamp(srp.parse_timestamp("Tue Nov 3 02:26:55 UTC 2026"))
        claim = srp.client_password_claim(
            pool_name=srp.pool_name_of(self.pool_id), user_id=params["USER_ID_FOR_SRP"],
            password=BAD, salt=srp.from_hex(params["SALT"]), a=a,
            B=srp.from_hex(params["SRP_B"]),
            secret_block=base64.b64decode(params["SECRET_BLOCK"]), timestamp=stamp,
        )  # fmt: skip
        took_respond, answer = self.call("RespondToAuthChallenge", {
            "ClientId": self.client_id, "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {
                "USERNAME": params["USERNAME"], "TIMESTAMP": stamp,
                "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(claim).decode(),
            },
        })  # fmt: skip
        assert answer.get("message") == "Incorrect username or password.", answer
        return took_init, took_respond


def measure(names: list[str], one: Callable[[str], Any]) -> list[Any]:
    unknown = [f"nobody-{uuid.uuid4().hex[:8]}" for _ in names]
    known_times, unknown_times = [], []
    for _ in range(ATTEMPTS_PER_NAME):
        for i, (known_name, unknown_name) in enumerate(zip(names, unknown, strict=True)):
            if i % 2:
                unknown_times.append(one(unknown_name))
                known_times.append(one(known_name))
            else:
                known_times.append(one(known_name))
                unknown_times.append(one(unknown_name))
    return [known_times, unknown_times]


def _bootstrap(values: list[float], rounds: int = 2000) -> tuple[float, float]:
    """A 95% bootstrap interval of the median of ``values``."""
    n = len(values)
    medians = sorted(
        statistics.median(values[secrets.randbelow(n)] for _ in range(n)) for _ in range(rounds)
    )
    return medians[int(rounds * 0.025)], medians[int(rounds * 0.975) - 1]


def report(label: str, known: list[float], unknown: list[float]) -> None:
    ms = 1000.0
    k, u = statistics.median(known) * ms, statistics.median(unknown) * ms
    kq, uq = statistics.quantiles(known, n=4), statistics.quantiles(unknown, n=4)
    paired = [b - a for a, b in zip(known, unknown, strict=True)]
    low, high = _bootstrap(paired)
    print(
        f"{label:28s} known {k:6.2f} ms (IQR {kq[0] * ms:.2f}–{kq[2] * ms:.2f})  "
        f"unknown {u:6.2f} ms (IQR {uq[0] * ms:.2f}–{uq[2] * ms:.2f})  "
        f"medians {u - k:+5.2f} ms  paired {statistics.median(paired) * ms:+5.2f} ms "
        f"[{low * ms:+.2f}, {high * ms:+.2f}]  n={len(known)}"
    )


def _temp_pg(base: str) -> tuple[str, Callable[[], None]]:
    name = f"authpool_timing_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.rsplit("/", 1)[0] + "/" + name, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL (a scratch database is made)")
    parser.add_argument("--users", type=int, default=125, help="known users per round")
    parser.add_argument("--rounds", type=int, default=1, help="repeat on fresh names")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="authpool-timing-"))
    url, drop = (None, lambda: None) if not args.postgres else _temp_pg(args.postgres)
    port = _free_port()
    settings = Settings(data_dir=data_dir, database_url=url, port=port, demo=False, outbox=True,
                        rate_limits=RateLimitConfig(enabled=False))  # fmt: skip
    svc, server = start(settings)
    try:
        for round_ in range(args.rounds):
            if args.rounds > 1:
                print(f"round {round_ + 1} of {args.rounds}")
            pool_id, client_id, names = make_pool(svc, args.users)
            caller = Caller(f"http://127.0.0.1:{port}", pool_id, client_id)
            for name in names[:5]:  # warm up the caches and the connection pool
                caller.password(name)
                caller.srp(name)
                caller.password("nobody-warm-up")
            half = 5 + (len(names) - 5) // 2  # each user takes four wrong passwords at most
            known, unknown = measure(names[5:half], caller.password)
            report("USER_PASSWORD_AUTH (wrong)", known, unknown)
            known_srp, unknown_srp = measure(names[half:], caller.srp)
            report("USER_SRP_AUTH InitiateAuth", [k[0] for k in known_srp],
                   [u[0] for u in unknown_srp])  # fmt: skip
            report("PASSWORD_VERIFIER (wrong)", [k[1] for k in known_srp],
                   [u[1] for u in unknown_srp])  # fmt: skip
    finally:
        server.should_exit = True
        svc.store.dispose()  # type: ignore[attr-defined]
        drop()


if __name__ == "__main__":
    main()
