"""CPU seconds of a server, read from ``/proc`` (Linux only).

A process's own user + system time is fields 14 and 15 of ``/proc/<pid>/stat``, in clock
ticks. A multi-worker server (``authpool serve --workers N``) does its work in child
processes, so :func:`tree_cpu` sums the process and all its living descendants, found
through ``/proc/<pid>/task/<tid>/children``. A PostgreSQL server does the database's share
in one backend process per connection: :func:`backend_pids` names those of one database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of ``pid`` ((0.0, 0.0) if it is gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0, 0.0
    # The command name (field 2) is in parentheses and may contain spaces.
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (0.0 if it is gone)."""
    return sum(process_times(pid))


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            found.extend(int(p) for p in (task / "children").read_text().split())
        except FileNotFoundError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children(current))
    return out


class CpuMeter:
    """CPU seconds used by a set of processes between :meth:`start` and :meth:`stop`.

    The set is what ``pids()`` names (with their descendants when ``tree``) at each end: a
    process born in between counts from its birth; one that ended in between is lost, and
    :attr:`lost` says how many were. :attr:`system` is the kernel's part of the total."""

    def __init__(self, pids: Callable[[], Iterable[int]], *, tree: bool = True) -> None:
        self.pids = pids
        self.tree = tree
        self.lost = 0
        self.system = 0.0
        self._before: dict[int, tuple[float, float]] = {}

    def _snapshot(self) -> dict[int, tuple[float, float]]:
        found: set[int] = set()
        for root in self.pids():
            found.update(descendants(root) if self.tree else [root])
        return {pid: process_times(pid) for pid in found}

    def start(self) -> None:
        self._before = self._snapshot()

    def stop(self) -> float:
        """CPU seconds (user + system) since :meth:`start`."""
        after = self._snapshot()
        self.lost = len(set(self._before) - set(after))
        user = system = 0.0
        for pid, (u, s) in after.items():
            u0, s0 = self._before.get(pid, (0.0, 0.0))
            user += u - u0
            system += s - s0
        self.system = system
        return user + system


def backend_pids(dsn: str, database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (the server must be on this host)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return [int(r[0]) for r in rows]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``/proc/loadavg`` gives them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    """One line about the machine: CPU model, cores, memory, kernel."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    kernel = os.uname().release
    return f"{model}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB, Linux {kernel}"
