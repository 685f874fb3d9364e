"""How many transactions and SQL statements each benchmark operation costs, counted in
process on SQLite (an SQLAlchemy event listener on the server's engine), with the same
requests as ``bench/load.py`` sends.

Usage::

    python bench/statements.py                    # every operation
    python bench/statements.py password getuser   # some
    python bench/statements.py -v password        # and each statement

Not a test: the counts change whenever a flow does.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import secrets
import tempfile
import warnings
from pathlib import Path
from typing import Any

import workload
from load import rate_limit_env
from sqlalchemy import event
from workload import BenchUser, Client, Target

from authpool.cli.runtime import create_app, open_services
from authpool.config import from_env
from authpool.domain import access_keys

RUNS = 5


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("operations", nargs="*", default=list(workload.OPERATIONS))
    p.add_argument("-v", "--verbose", action="store_true", help="list the statements")
    args = p.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note on its httpx-based TestClient
        from starlette.testclient import TestClient

    data = Path(tempfile.mkdtemp(prefix="authpool-statements-"))
    os.environ.update(rate_limit_env("high") | {"AUTHPOOL_DATA_DIR": str(data)})
    settings = from_env()
    svc = open_services(settings)
    key = access_keys.create(svc, "bench")
    http = TestClient(create_app(settings, svc), base_url="http://testserver")

    statements: collections.Counter[str] = collections.Counter()
    counts = {"commit": 0, "write": 0}

    def on_execute(*args: Any) -> None:
        text = " ".join(str(args[2]).split())
        statements[text[:100]] += 1

    def on_commit(_: Any) -> None:
        counts["commit"] += 1

    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("authpool_write"):
            counts["write"] += 1

    engine = svc.store.engine  # type: ignore[attr-defined]
    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "begin", on_begin)

    def client(target: Target) -> Client:
        c = Client(target)
        c.http.close()
        c.http = http
        return c

    target = Target("authpool", "http://testserver", (key.access_key_id, key.secret_access_key))
    pool_id, client_id = workload.create_pool(client(target))
    c = client(dataclasses.replace(target, pool_id=pool_id, client_id=client_id))
    users = [BenchUser(f"u{i}-{secrets.token_hex(3)}@bench.example") for i in range(RUNS)]
    for user in users:
        workload.register(c, user)
        workload.sign_in(c, user)

    print(f"per operation, the mean of {RUNS} (SQLite; BEGIN not counted as a statement)")
    for operation in args.operations:
        run = workload.RUN[operation]

        def fresh(i: int, operation: str = operation) -> BenchUser:
            if operation == "signup":
                return BenchUser(f"s{i}-{secrets.token_hex(3)}@bench.example")
            return users[i % len(users)]

        run(c, fresh(0))  # warm: caches filled as in a running server
        statements.clear()
        counts.update(commit=0, write=0)
        for i in range(RUNS):
            run(c, fresh(i))
        total = sum(statements.values()) / RUNS
        print(
            f"  {operation:<10}{counts['commit'] / RUNS:5.1f} transactions "
            f"({counts['write'] / RUNS:.1f} writing), {total:5.1f} statements"
        )
        if args.verbose:
            for text, n in statements.most_common():
                print(f"      {n / RUNS:4.1f}  {text}")
    svc.store.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
