"""authpool's load benchmark: sign-up, SRP sign-in, password sign-in, refresh and GetUser at
a chosen concurrency, reporting operations per second, p50/p99 latency and the server's CPU
milliseconds per operation (from ``/proc``), next to the cryptography each operation cannot
avoid (see ``bench/floor.py``).

Usage::

    python bench/load.py                                   # authpool on SQLite, 1 worker
    python bench/load.py --postgres postgresql://postgres@127.0.0.1:5432/postgres --workers 2
    python bench/load.py --compare                         # + moto and cognito-local
    python bench/load.py --pool-sizes 1000,1000000         # the same figures on two pool sizes
    python bench/load.py --postgres URL --scaling 1,2      # throughput of 1 and of 2 workers
    python bench/load.py --endpoint http://host:9229 --pid 4242 \\
        --access-key AKID:SECRET                           # any running server

CPU per operation is the stable figure on a shared machine; operations per second depend
on everything else running there (the load generator included), so the load average is
printed with each row. Not a test: nothing here passes or fails; the targets of issue 10 are
printed beside the figures. How to read the output: ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import fill
import floor
import procstat
import targets
import workload
from loadgen import LoadGenerator, Result
from targets import Server
from workload import BenchUser, Client, Target


@dataclass
class Options:
    operations: list[str]
    concurrency: int
    duration: float
    warmup: float
    users: int
    processes: int


# setting a target up ---------------------------------------------------------------------------
def prepare(server: Server, opts: Options, *, fill_to: int = 0) -> tuple[Target, list[BenchUser]]:
    """A pool and client on ``server``, and users that exist and have signed in."""
    target = Target(server.name, server.url, server.access_key)
    admin = Client(target)
    try:
        pool_id, client_id = workload.create_pool(admin)
    finally:
        admin.close()
    target = replace(target, pool_id=pool_id, client_id=client_id)
    users = [
        BenchUser(f"bench-{secrets.token_hex(4)}-{i}@bench.example") for i in range(opts.users)
    ]
    if set(opts.operations) & workload.NEEDS_USERS:

        def ready(user: BenchUser) -> None:
            client = Client(target)
            try:
                workload.register(client, user)
                workload.sign_in(client, user)
            finally:
                client.close()

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(ready, users))
    if fill_to > len(users):
        assert server.database_url, "filling a pool needs its database"
        fill.fill_pool(server.database_url, pool_id, fill_to - len(users))
    return target, users


def measure(
    gen: LoadGenerator,
    server: Server,
    target: Target,
    users: list[BenchUser],
    operation: str,
    opts: Options,
) -> Result:
    """A warm-up run, then the measured one."""
    common: dict[str, Any] = {
        "concurrency": opts.concurrency,
        "users": users if operation in workload.NEEDS_USERS else [],
        "server_pids": [server.pid],
        "db_pids": server.db_pids,
    }
    tag = secrets.token_hex(3)
    if opts.warmup > 0:
        gen.run(target, operation, duration=opts.warmup, prefix=f"w{tag}", **common)
    result = gen.run(target, operation, duration=opts.duration, prefix=f"m{tag}", **common)
    result.extra["load"] = procstat.load_average()
    return result


# output -------------------------------------------------------------------------------------
HEADER = (
    f"  {'target':<22}{'operation':<10}{'ops/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'CPU ms/op':>11}{'sys %':>7}{'DB ms/op':>10}{'floor':>8}{'×floor':>8}"
    f"{'errors':>8}{'load':>7}"
)


def row(result: Result, floors: dict[str, float]) -> str:
    cpu = result.cpu_ms_per_op
    base = floors.get(result.operation) if result.target.startswith("authpool") else None
    db = result.db_cpu_ms_per_op
    system = 100 * result.system_seconds / result.cpu_seconds if result.cpu_seconds else 0.0
    text = (
        f"  {result.target:<22}{result.operation:<10}{result.ops_per_second:>9.1f}"
        f"{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}{cpu:>11.3f}{system:>7.0f}"
        f"{(f'{db:.3f}' if db is not None else '-'):>10}"
        f"{(f'{base:.3f}' if base else '-'):>8}{(f'{cpu / base:.2f}' if base else '-'):>8}"
        f"{result.errors:>8}{result.extra.get('load', '-').split()[0]:>7}"
    )
    if result.errors:
        text += f"\n      first error: {result.first_error[:200]}"
    if result.extra.get("db_backends_ended"):
        text += f"\n      ({result.extra['db_backends_ended']} database backends ended during the "
        text += "run: their CPU is missing from DB ms/op, a lower bound)"
    return text


def ratios(results: list[Result], reference: str) -> list[str]:
    """authpool against each other target, per operation: throughput and CPU per op."""
    lines = [
        f"\n  ratios: {reference} ÷ other (throughput: higher is better for {reference}; "
        "CPU per op: lower is better)"
    ]
    mine = {r.operation: r for r in results if r.target == reference}
    for other in sorted({r.target for r in results} - {reference}):
        for r in (r for r in results if r.target == other):
            m = mine.get(r.operation)
            if m is None or not r.ops or r.errors > r.ops:
                why = r.first_error.split(": ", 1)[-1][:110]
                lines.append(f"  vs {other:<16}{r.operation:<10} fails there: {why}")
                continue
            speed = m.ops_per_second / r.ops_per_second
            cpu = m.cpu_ms_per_op / r.cpu_ms_per_op
            lines.append(
                f"  vs {other:<16}{r.operation:<10} throughput ×{speed:6.2f}   CPU/op ×{cpu:6.2f}"
            )
    return lines


# the targets of issue 10 ------------------------------------------------------------------------
# Server CPU milliseconds per operation; for SRP, a multiple of the operation's own cryptography.
CPU_TARGETS = {"signup": 1.7, "password": 1.7, "getuser": 0.5}
SRP_FLOOR_TARGET = 1.5
FLAT_TARGET = 0.10  # the largest change in CPU per operation between pool sizes
SCALING_TARGET = 1.8  # throughput of 2 workers ÷ 1 worker


def verdicts(results: list[Result], floors: dict[str, float]) -> list[str]:
    """Each authpool result held against its target."""
    lines = ["\n  targets (server CPU per operation):"]
    for r in results:
        if not r.target.startswith("authpool") or not r.ops:
            continue
        cpu = r.cpu_ms_per_op
        if r.operation == "srp" and floors.get("srp"):
            ratio = cpu / floors["srp"]
            ok = ratio <= SRP_FLOOR_TARGET
            lines.append(
                f"  {r.target:<22}srp       {cpu:7.2f} ms = {ratio:.2f} × its crypto "
                f"({floors['srp']:.2f} ms); target ≤ {SRP_FLOOR_TARGET} ×: "
                f"{'met' if ok else 'missed'}"
            )
        elif r.operation in CPU_TARGETS:
            goal = CPU_TARGETS[r.operation]
            lines.append(
                f"  {r.target:<22}{r.operation:<10}{cpu:7.2f} ms; target ≤ {goal} ms "
                f"(crypto floor {floors.get(r.operation, 0):.2f} ms): "
                f"{'met' if cpu <= goal else 'missed'}"
            )
    return lines


def best_cpu(results: list[Result], target: str, operation: str) -> float:
    """The lowest CPU per operation of ``target`` over the rounds: the least disturbed run."""
    return min(r.cpu_ms_per_op for r in results if r.target == target and r.operation == operation)


# the runs -------------------------------------------------------------------------------------
def rate_limit_env(mode: str) -> dict[str, str]:
    """``high``: every quota of Cognito's categories at a billion a second, so that the limiter
    counts each request (its cost is measured) but never refuses one; ``off``: no limiter;
    ``default``: Cognito's quotas (which refuse most of a benchmark's load)."""
    if mode == "off":
        return {"AUTHPOOL_RATE_LIMITS": "off"}
    if mode == "high":
        from authpool.domain.ratelimit import DEFAULT_QUOTAS

        return {"AUTHPOOL_RATE_LIMITS": json.dumps(dict.fromkeys(DEFAULT_QUOTAS, 10**9))}
    return {}


@contextlib.contextmanager
def authpool_server(
    work: Path,
    postgres: str | None,
    workers: int,
    name: str = "authpool",
    rate_limits: str = "high",
) -> Iterator[Server]:
    env = rate_limit_env(rate_limits)
    if postgres is None:
        server = targets.start_authpool(work, workers=workers, name=name, env=env)
        try:
            yield server
        finally:
            server.stop()
        return
    with targets.postgres_database(postgres) as (url, backends):
        server = targets.start_authpool(work, database_url=url, workers=workers, name=name, env=env)
        server.db_pids = backends
        try:
            yield server
        finally:
            server.stop()


def run_targets(
    gen: LoadGenerator,
    servers: list[Server],
    opts: Options,
    floors: dict[str, float],
    fill_to: int = 0,
) -> list[Result]:
    prepared = [(s, *prepare(s, opts, fill_to=fill_to if s.database_url else 0)) for s in servers]
    results: list[Result] = []
    print(HEADER)
    for operation in opts.operations:
        for server, target, users in prepared:
            result = measure(gen, server, target, users, operation, opts)
            results.append(result)
            print(row(result, floors), flush=True)
    return results


def run_standard(args: argparse.Namespace, opts: Options, work: Path) -> list[Result]:
    gen = LoadGenerator(opts.processes)
    floors = floor.floors(opts.operations)
    try:
        with contextlib.ExitStack() as stack:
            servers = [
                stack.enter_context(
                    authpool_server(work, args.postgres, args.workers, rate_limits=args.rate_limits)
                )
            ]
            servers[0].name = f"authpool-{'pg' if args.postgres else 'sqlite'}-w{args.workers}"
            if args.compare:
                servers.append(_started(stack, targets.start_moto(work, Path(args.moto_venv))))
                servers.append(
                    _started(stack, targets.start_cognito_local(work, Path(args.cognito_local_dir)))
                )
            results = run_targets(gen, servers, opts, floors, args.fill)
            print("\n".join(verdicts(results, floors)))
            if args.compare:
                print("\n".join(ratios(results, servers[0].name)))
            return results
    finally:
        gen.close()


def _started(stack: contextlib.ExitStack, server: Server) -> Server:
    stack.callback(server.stop)
    return server


def run_endpoint(args: argparse.Namespace, opts: Options) -> list[Result]:
    """A server someone else started: ``--endpoint``, ``--pid``, ``--access-key``."""
    key_id, _, secret = (args.access_key or "AKIDBENCH:bench-secret").partition(":")
    server = Server(
        "endpoint",
        args.endpoint.rstrip("/"),
        None,
        (key_id, secret),
        database_url=args.database_url,
        attached_pid=args.pid,
    )
    gen = LoadGenerator(opts.processes)
    try:
        return run_targets(gen, [server], opts, floor.floors(opts.operations), args.fill)
    finally:
        gen.close()


def run_side_by_side(
    args: argparse.Namespace,
    opts: Options,
    work: Path,
    variants: list[tuple[str, int, int]],
    rounds: int = 1,
) -> list[Result]:
    """Several servers, each ``(name, workers, pool size)``, the same operations on each in
    turn (``rounds`` times), so that all of them meet the same machine load."""
    gen = LoadGenerator(opts.processes)
    floors = floor.floors(opts.operations)
    results: list[Result] = []
    try:
        with contextlib.ExitStack() as stack:
            prepared = []
            for name, workers, size in variants:
                server = stack.enter_context(
                    authpool_server(
                        work, args.postgres, workers, name=name, rate_limits=args.rate_limits
                    )
                )
                if size:
                    print(f"  filling a pool of {size:,} users ...", flush=True)
                prepared.append((server, *prepare(server, opts, fill_to=size)))
            print(HEADER)
            for _ in range(rounds):
                for operation in opts.operations:
                    for server, target, users in prepared:
                        result = measure(gen, server, target, users, operation, opts)
                        results.append(result)
                        print(row(result, floors), flush=True)
    finally:
        gen.close()
    return results


def run_pool_sizes(args: argparse.Namespace, opts: Options, work: Path) -> list[Result]:
    """The same operations on servers whose pools hold each of ``--pool-sizes`` users."""
    sizes = [int(s) for s in args.pool_sizes.split(",")]
    variants = [(f"authpool-{size}", args.workers, size) for size in sizes]
    results = run_side_by_side(args, opts, work, variants, rounds=args.rounds)
    first, last = f"authpool-{sizes[0]}", f"authpool-{sizes[-1]}"
    print(f"\n  CPU ms per operation, {first} against {last}, the best of {args.rounds} round(s):")
    for operation in opts.operations:
        a, b = best_cpu(results, first, operation), best_cpu(results, last, operation)
        change = b / a - 1
        verdict = "met" if abs(change) <= FLAT_TARGET else "missed"
        print(
            f"  {operation:<10}{a:8.3f} {b:8.3f}  {change:+6.1%}  "
            f"(target within ±{FLAT_TARGET:.0%}: {verdict})"
        )
    return results


def run_scaling(args: argparse.Namespace, opts: Options, work: Path) -> list[Result]:
    """Throughput with each of ``--scaling`` worker counts (two rounds, the best of each),
    and each count's ratio to the first."""
    counts = [int(n) for n in args.scaling.split(",")]
    variants = [(f"authpool-w{n}", n, 0) for n in counts]
    results = run_side_by_side(args, opts, work, variants, rounds=args.rounds)
    print(f"\n  throughput against {counts[0]} worker(s), the best of {args.rounds} run(s) each:")
    for operation in opts.operations:
        best = {
            n: max(
                r.ops_per_second
                for r in results
                if r.operation == operation and r.target == f"authpool-w{n}"
            )
            for n in counts
        }
        ratios = "   ".join(f"{n} workers ×{best[n] / best[counts[0]]:.2f}" for n in counts[1:])
        cpu = "  ".join(f"{best_cpu(results, f'authpool-w{n}', operation):.2f}" for n in counts)
        print(f"  {operation:<10}{best[counts[0]]:8.1f} ops/s   {ratios}   (CPU ms/op {cpu})")
        for n in counts:
            print(f"  {'':<10}{n} worker(s): {cores_used(results, f'authpool-w{n}', operation)}")
    print(f"  (target: 2 workers ≥ {SCALING_TARGET} × 1 worker on PostgreSQL)")
    print(f"  (this machine has {os.cpu_count()} CPUs for authpool, its database and the load)")
    return results


def cores_used(results: list[Result], target: str, operation: str) -> str:
    """What the fastest run of ``target`` kept busy: CPUs of authpool and of its database
    (ops/s × CPU seconds per operation), and operations per authpool CPU-second. Where the
    two add up to the machine's CPUs less the load generator's share, a ratio between worker
    counts measures the machine, not authpool."""
    run = max(
        (r for r in results if r.target == target and r.operation == operation),
        key=lambda r: r.ops_per_second,
    )
    server = run.ops_per_second * run.cpu_ms_per_op / 1000
    db = run.db_cpu_ms_per_op
    database = f", database {run.ops_per_second * db / 1000:.2f}" if db is not None else ""
    per_core = 1000 / run.cpu_ms_per_op if run.cpu_ms_per_op else float("nan")
    return f"CPUs busy: authpool {server:.2f}{database}; {per_core:.0f} ops per authpool CPU-second"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument(
        "--ops",
        default=",".join(workload.OPERATIONS),
        help=f"operations, from {','.join(workload.OPERATIONS)}",
    )
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per run")
    p.add_argument("--users", type=int, default=32, help="signed-in users to cycle through")
    p.add_argument("--processes", type=int, default=2, help="load-generating processes")
    p.add_argument("--workers", type=int, default=1, help="authpool worker processes")
    p.add_argument(
        "--pin-cpus",
        action="store_true",
        help="authpool serve --pin-cpus: each worker process on a CPU of its own",
    )
    p.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server (maintenance DB URL) to run authpool on; SQLite by default",
    )
    p.add_argument("--compare", action="store_true", help="also moto and cognito-local")
    p.add_argument(
        "--rate-limits",
        choices=["high", "off", "default"],
        default="high",
        help="authpool's rate limiter: counting but never refusing (high), off, "
        "or Cognito's default quotas",
    )
    p.add_argument("--moto-venv", default=str(targets.CACHE / "moto-venv"))
    p.add_argument("--cognito-local-dir", default=str(targets.CACHE / "cognito-local"))
    p.add_argument("--pool-sizes", help="e.g. 1000,1000000: one server per pool size")
    p.add_argument("--scaling", help="e.g. 1,2: one server per worker count, throughput ratio")
    p.add_argument(
        "--rounds", type=int, default=2, help="with --pool-sizes or --scaling: rounds per server"
    )
    p.add_argument("--endpoint", help="benchmark a running server instead")
    p.add_argument("--pid", type=int, help="with --endpoint: the server's process id")
    p.add_argument("--access-key", help="with --endpoint: ID:SECRET for the signed calls")
    p.add_argument("--database-url", help="with --endpoint: its database (for --fill)")
    p.add_argument(
        "--fill",
        type=int,
        default=0,
        help="grow the pool to this many users first (straight into the database)",
    )
    p.add_argument("--json", type=Path, help="also write the results here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.pin_cpus:  # the servers the benchmark starts inherit it
        os.environ["AUTHPOOL_PIN_CPUS"] = "1"
    ops = [o.strip() for o in args.ops.split(",") if o.strip()]
    unknown = set(ops) - set(workload.OPERATIONS)
    if unknown:
        sys.exit(f"unknown operations: {sorted(unknown)}")
    opts = Options(
        ops,
        args.concurrency,
        args.duration,
        args.warmup,
        max(args.users, args.concurrency),
        args.processes,
    )
    print(f"machine: {procstat.machine()}")
    print(f"load average before: {procstat.load_average()}")
    print(
        f"concurrency {opts.concurrency}, {opts.processes} load processes, "
        f"{opts.duration:g} s per run after {opts.warmup:g} s of warm-up\n"
    )
    with tempfile.TemporaryDirectory(prefix="authpool-bench-") as tmp:
        work = Path(tmp)
        if args.endpoint:
            if args.pid is None:
                sys.exit("--endpoint needs --pid (the server's process id, for its CPU time)")
            results = run_endpoint(args, opts)
        elif args.pool_sizes:
            results = run_pool_sizes(args, opts, work)
        elif args.scaling:
            results = run_scaling(args, opts, work)
        else:
            results = run_standard(args, opts, work)
    print(f"\nload average after: {procstat.load_average()}")
    if args.json:
        payload = [
            asdict(r) | {"cpu_ms_per_op": r.cpu_ms_per_op, "ops_per_second": r.ops_per_second}
            for r in results
        ]
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
