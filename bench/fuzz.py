"""The long fuzz run: 100,000 malformed requests (by default) against a live server, spread
over every implemented operation, from the same generators as the hypothesis test
(``tests/security/fuzzing.py``, bodies derived from the botocore model). Every answer must be
JSON — a 4xx naming a Cognito error in its body and its ``x-amzn-ErrorType``, or a 2xx — and
never a 5xx; the server must still answer its health check at the end.

Usage (from the repository root)::

    python bench/fuzz.py                         # 100,000 requests, SQLite in a temp dir
    python bench/fuzz.py --requests 20000 --seed 7 --threads 8
    python bench/fuzz.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    python bench/fuzz.py --rate-limits           # keep Cognito's request quotas on

Request ``i`` is drawn from ``random.Random(seed * 1_000_003 + i)``, so a failure printed
with its index can be replayed alone (``--only INDEX``). Signed (admin) operations are signed
with an access key the script creates, so that they get past SigV4 to validation.

Exit status 1 if any answer broke the rule.
"""

from __future__ import annotations

import argparse
import collections
import random  # noqa: TID251  (reproducible fuzzing, nothing secret)
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.security import fuzzing  # noqa: E402
from tests.support.badinputs import full_input, valid_input  # noqa: E402
from tests.support.server import JSON_TYPE, TARGET_PREFIX, signed_headers  # noqa: E402

import authpool.wire.app  # noqa: E402, F401  (fills the operation table)
from authpool.cli import runtime  # noqa: E402
from authpool.config import RateLimitConfig, Settings  # noqa: E402
from authpool.domain import access_keys  # noqa: E402
from authpool.wire.protocol import OPERATIONS  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _temp_pg(base: str) -> tuple[str, Callable[[], None]]:
    name = f"authpool_fuzz_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.rsplit("/", 1)[0] + "/" + name, drop


class Run:
    def __init__(self, url: str, key: access_keys.NewAccessKey, seed: int) -> None:
        self.url, self.key, self.seed = url, key, seed
        self.operations = sorted(OPERATIONS)
        self.bases = {op: (valid_input(op), full_input(op)) for op in self.operations}
        self.errors = fuzzing.known_errors()
        self.statuses: collections.Counter[int] = collections.Counter()
        self.names: collections.Counter[str] = collections.Counter()
        self.problems: list[str] = []
        self.lock = threading.Lock()
        self.local = threading.local()

    def http(self) -> httpx.Client:
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = httpx.Client(base_url=self.url, timeout=120)
        return client

    def one(self, index: int) -> None:
        rng = random.Random(self.seed * 1_000_003 + index)
        operation = rng.choice(self.operations)
        body = fuzzing.request(operation, rng, self.bases[operation][rng.randrange(2)])
        headers = {"Content-Type": JSON_TYPE, "X-Amz-Target": TARGET_PREFIX + operation}
        if OPERATIONS[operation].signed:
            headers = signed_headers(self.url + "/", body, self.key, headers=headers)
        response = self.http().post("/", content=body, headers=headers)
        found = fuzzing.problem(response.status_code, response.headers, response.content,
                                self.errors)  # fmt: skip
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 400:
                try:
                    self.names[str(response.json().get("__type"))] += 1
                except ValueError:
                    self.names["<not JSON>"] += 1
            if found:
                self.problems.append(f"#{index} {operation}: {found} body={body[:200]!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", type=int, help="replay one request index")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a scratch database is made)")
    parser.add_argument("--rate-limits", action="store_true", help="keep request quotas on")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="authpool-fuzz-"))
    url, drop = (None, lambda: None) if not args.postgres else _temp_pg(args.postgres)
    port = _free_port()
    settings = Settings(
        data_dir=data_dir, database_url=url, port=port, demo=False, outbox=True,
        rate_limits=RateLimitConfig(enabled=args.rate_limits),
    )  # fmt: skip
    svc = runtime.open_services(settings)
    server = uvicorn.Server(
        uvicorn.Config(runtime.create_app(settings, svc), host="127.0.0.1", port=port,
                       log_level="critical", lifespan="off", access_log=False)
    )  # fmt: skip
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    run = Run(f"http://127.0.0.1:{port}", access_keys.create(svc, "fuzz"), args.seed)
    started = time.monotonic()
    try:
        indexes = [args.only] if args.only is not None else range(args.requests)
        with ThreadPoolExecutor(max_workers=args.threads) as workers:
            for _ in workers.map(run.one, indexes):
                pass
        alive = httpx.get(run.url + "/_authpool/health", timeout=30).json() == {"status": "ok"}
    finally:
        server.should_exit = True
        svc.store.dispose()  # type: ignore[attr-defined]
        drop()
    took = time.monotonic() - started
    sent = sum(run.statuses.values())
    server_errors = sum(n for status, n in run.statuses.items() if status >= 500)
    rate = f"{sent / took:.0f}/s, {args.threads} threads"
    print(f"requests sent      {sent} in {took:.0f} s ({rate})")
    print(f"operations         {len(run.operations)}")
    print(f"statuses           {dict(sorted(run.statuses.items()))}")
    print(f"5xx answers        {server_errors}")
    print(f"rule broken        {len(run.problems)}")
    print(f"server alive       {alive}")
    print("most common errors " + ", ".join(f"{k} {v}" for k, v in run.names.most_common(8)))
    for line in run.problems[:20]:
        print("  " + line)
    return 1 if run.problems or not alive else 0


if __name__ == "__main__":
    sys.exit(main())
