"""``authpool serve --pin-cpus``: each worker process takes a CPU of its own (a lock file per
slot in the data directory), a restarted worker takes a freed slot again, and workers beyond
the CPUs run unpinned. Each worker here is a child process (pinning the test process itself
would pin the rest of the suite)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.support.server import ServeProcess

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only"
)

WORKER = """
import os, sys
from pathlib import Path
from authpool.cli import affinity
cpu = affinity.pin(Path(sys.argv[1]))
print(cpu, sorted(os.sched_getaffinity(0)), flush=True)
sys.stdin.read()  # hold the slot until told to go
"""


@contextmanager
def worker(data_dir: Path) -> Iterator[tuple[str, str]]:
    """A worker process that pinned itself: (the CPU it took, the CPUs it may run on)."""
    with subprocess.Popen(
        [sys.executable, "-c", WORKER, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            cpu, allowed = proc.stdout.readline().strip().split(" ", 1)
            yield cpu, allowed
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)


def test_workers_take_a_cpu_each_until_there_are_none(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    with worker(tmp_path) as first:
        assert first == (str(cpus[0]), f"[{cpus[0]}]")
        if len(cpus) < 2:
            return
        with worker(tmp_path) as second:
            assert second == (str(cpus[1]), f"[{cpus[1]}]")
        with worker(tmp_path) as again:  # the second's slot is free again
            assert again == (str(cpus[1]), f"[{cpus[1]}]")


def test_a_worker_beyond_the_cpus_is_not_pinned(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    with worker(tmp_path) as first:
        assert first[0] == str(cpus[0])
        if len(cpus) != 2:
            return
        with worker(tmp_path), worker(tmp_path) as third:
            assert third == ("None", str(cpus))


class _Group(ServeProcess):
    own_process_group = True  # stopped with its workers


def _allowed(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(
        line.split()[1] for line in status.splitlines() if line.startswith("Cpus_allowed_list")
    )


def _workers(pid: int) -> list[int]:
    """The worker processes under ``pid`` (uvicorn's supervisor), once they have pinned."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    # multiprocessing's own helpers (its resource tracker) are children too
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_serve_pins_each_worker(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("one CPU: nothing to spread the workers over")
    args = ["--no-demo", "--pin-cpus", "--workers", "2"]
    with _Group(tmp_path / "data", dev=True, args=args) as server:
        assert httpx.get(f"{server.url}/_authpool/health").status_code == 200
        assert server.proc is not None
        found: list[str] = []
        for _ in range(100):  # each worker pins itself as it starts
            found = sorted(_allowed(w) for w in _workers(server.proc.pid))
            if len(found) == 2 and all("," not in f and "-" not in f for f in found):
                break
            threading.Event().wait(0.1)
        assert found == [str(cpus[0]), str(cpus[1])]


def test_serve_pins_its_one_worker(tmp_path: Path) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    args = ["--no-demo", "--pin-cpus"]
    with ServeProcess(tmp_path / "data", dev=True, args=args) as server:
        assert httpx.get(f"{server.url}/_authpool/health").status_code == 200
        assert server.proc is not None
        assert _allowed(server.proc.pid) == str(cpus[0])


def test_a_data_directory_it_cannot_write_leaves_the_worker_unpinned(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with worker(blocked) as (cpu, allowed):
        assert cpu == "None"
        assert allowed == str(sorted(os.sched_getaffinity(0)))
