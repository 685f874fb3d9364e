"""The load generator: several processes, each running several threads, each thread with
its own keep-alive connection, all starting at the same instant and running one operation
for a fixed time. Processes, because the client side of SRP costs more CPU than the server
side and one Python process would be the bottleneck.

The server's CPU seconds are read around the run (:class:`procstat.CpuMeter`), so the
figure per operation does not depend on how busy the machine or the load generator is.
"""

from __future__ import annotations

import math
import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import procstat
import workload
from workload import BenchUser, Client, Tally, Target


@dataclass(frozen=True)
class Slice:
    """One load process's part of a run."""

    target: Target
    operation: str
    users: list[list[BenchUser]]  # one list per thread
    start_at: float  # time.monotonic(), the same clock in every process
    duration: float
    prefix: str  # user names for sign-up


def _thread(s: Slice, index: int, users: list[BenchUser], out: Tally) -> None:
    run = workload.RUN[s.operation]
    client = Client(s.target)
    pause = threading.Event()
    try:
        pause.wait(max(0.0, s.start_at - time.monotonic()))
        deadline = s.start_at + s.duration
        i = 0
        while time.monotonic() < deadline:
            user = (
                users[i % len(users)]
                if users
                else BenchUser(f"{s.prefix}-{index}-{i}@bench.example")
            )
            i += 1
            began = time.perf_counter()
            try:
                run(client, user)
            except Exception as exc:  # counted, reported once; the run goes on
                out.errors += 1
                out.first_error = out.first_error or f"{type(exc).__name__}: {exc}"
                continue
            out.latencies.append(time.perf_counter() - began)
    finally:
        client.close()


def run_slice(s: Slice) -> list[Tally]:
    """In a load process: one thread per entry of ``s.users``; their tallies."""
    tallies = [Tally() for _ in s.users]
    threads = [
        threading.Thread(target=_thread, args=(s, i, users, tallies[i]), daemon=True)
        for i, users in enumerate(s.users)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tallies


@dataclass
class Result:
    target: str
    operation: str
    concurrency: int
    ops: int
    seconds: float
    cpu_seconds: float
    db_cpu_seconds: float | None
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str = ""
    system_seconds: float = 0.0  # the kernel's part of cpu_seconds
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ops_per_second(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_op(self) -> float:
        return self.cpu_seconds * 1000 / self.ops if self.ops else math.nan

    @property
    def db_cpu_ms_per_op(self) -> float | None:
        if self.db_cpu_seconds is None or not self.ops:
            return None
        return self.db_cpu_seconds * 1000 / self.ops


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


class LoadGenerator:
    """A pool of load processes, reused across runs."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.pool = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn")
        )
        # Start the processes now, so that their start-up is not in the first run.
        list(self.pool.map(_noop, range(processes)))

    def close(self) -> None:
        self.pool.shutdown()

    def run(
        self,
        target: Target,
        operation: str,
        *,
        concurrency: int,
        duration: float,
        users: Sequence[BenchUser],
        server_pids: Sequence[int],
        db_pids: Callable[[], list[int]] | None = None,
        prefix: str = "u",
    ) -> Result:
        """Run ``operation`` at ``concurrency`` for ``duration`` seconds."""
        per_thread = _split(list(users), concurrency)
        slices = [per_thread[p :: self.processes] for p in range(self.processes)]
        start_at = time.monotonic() + 1.0
        roots = list(server_pids)
        meter = procstat.CpuMeter(lambda: roots)
        db_meter = procstat.CpuMeter(db_pids, tree=False) if db_pids else None
        futures = [
            self.pool.submit(
                run_slice,
                Slice(target, operation, part, start_at, duration, f"{prefix}-p{p}"),
            )
            for p, part in enumerate(slices)
            if part
        ]
        threading.Event().wait(max(0.0, start_at - time.monotonic() - 0.05))
        meter.start()
        if db_meter:
            db_meter.start()
        tallies = [t for f in futures for t in f.result()]
        seconds = time.monotonic() - start_at
        cpu = meter.stop()
        db_cpu = db_meter.stop() if db_meter else None
        lost = db_meter.lost if db_meter else 0
        latencies = sorted(x for t in tallies for x in t.latencies)
        errors = sum(t.errors for t in tallies)
        return Result(
            target=target.name,
            operation=operation,
            concurrency=concurrency,
            ops=len(latencies),
            seconds=seconds,
            cpu_seconds=cpu,
            db_cpu_seconds=db_cpu,
            p50_ms=_quantile(latencies, 0.50) * 1000,
            p99_ms=_quantile(latencies, 0.99) * 1000,
            errors=errors,
            first_error=next((t.first_error for t in tallies if t.first_error), ""),
            system_seconds=meter.system,
            extra={"db_backends_ended": str(lost)} if lost else {},
        )


def _split(users: list[BenchUser], threads: int) -> list[list[BenchUser]]:
    """Each thread's users: an even share (empty lists for sign-up, which makes its own)."""
    if not users:
        return [[] for _ in range(threads)]
    return [users[i::threads] or users[i % len(users) :][:1] for i in range(threads)]


def _noop(_: int) -> None:
    return None
