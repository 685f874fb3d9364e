"""Run the official Amplify JS v6 auth library (``aws-amplify``) from pytest.

``tests/interop/js/run.mjs`` is a small Node driver that calls the functions of
``aws-amplify/auth`` by name; this module installs its npm packages (once per
test session) and talks to it over a JSON-lines protocol, described in
``tests/interop/js/README.md``.  One :class:`AmplifySession` is one Node
process, so Amplify's signed-in state lasts from one :meth:`AmplifySession.run`
call to the next.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NoReturn

import pytest

JS_DIR = Path(__file__).resolve().parent / "js"
DRIVER = "run.mjs"
DEFAULT_TIMEOUT = 60.0
INSTALL_TIMEOUT = 600.0
MIN_NODE_MAJOR = 20
_STAMP = ".authpool-install-stamp"
_MISSING = object()

StepResult = dict[str, Any]
Step = Mapping[str, Any]

UNAVAILABLE_HINT = (
    "Node.js and npm are needed for the Amplify JS interop tests: install Node 20 or newer "
    "(with npm) and make sure `node` and `npm` are on PATH"
)

_install_lock = threading.Lock()
_installed: set[Path] = set()


class AmplifyHarnessError(RuntimeError):
    """The harness itself failed: npm, Node, the driver or the protocol, not an Amplify call."""


class AmplifyStepError(AssertionError):
    """An Amplify call expected to succeed failed (raised by :meth:`AmplifySession.call`)."""

    def __init__(self, result: StepResult, stderr: str = "") -> None:
        self.result = result
        error = result.get("error") or {}
        self.name: str = str(error.get("name", ""))
        self.error_message: str = str(error.get("message", ""))
        text = f"{result.get('op')} failed: {self.name}: {self.error_message}"
        if stderr:
            text += f"\n--- node stderr (tail) ---\n{stderr}"
        super().__init__(text)


def step(op: str, args: Any = _MISSING, **options: Any) -> dict[str, Any]:
    """One step for :meth:`AmplifySession.run`: ``step("signIn", {...}, stopOnError=True)``."""
    out: dict[str, Any] = {"op": op, **options}
    if args is not _MISSING:
        out["args"] = args
    return out


def _unavailable(reason: str) -> NoReturn:
    """Skip the calling test; on CI (``CI=true``) a missing tool is a failure, not a skip."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


class AmplifyNode:
    """The Node side of the interop tests: installs the npm packages and starts sessions.

    Usage::

        node = AmplifyNode()
        node.ensure_installed()  # skips the test when node/npm are missing
        config = {"userPoolId": "local_abc", "userPoolClientId": "...",
                  "userPoolEndpoint": "http://127.0.0.1:8000/"}
        with node.session(config) as session:
            [result] = session.run([step("getCurrentUser")])
    """

    def __init__(
        self,
        js_dir: Path = JS_DIR,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        install_timeout: float = INSTALL_TIMEOUT,
    ) -> None:
        self.js_dir = js_dir.resolve()
        self.timeout = timeout
        self.install_timeout = install_timeout
        self._node: str | None = None

    # ------------------------------------------------------------ install --

    def ensure_installed(self) -> None:
        """Make ``node_modules`` match ``package-lock.json`` (``npm ci``), once per test session.

        Skips the calling test when ``node``/``npm`` are missing or Node is too old
        (fails instead when ``CI=true``).  A stamp in ``node_modules`` records the
        lock file and Node version it was installed from, so later sessions with an
        unchanged lock reuse it without running npm again.
        """
        node = shutil.which("node")
        npm = shutil.which("npm")
        if node is None or npm is None:
            _unavailable(f"{UNAVAILABLE_HINT} (missing: {'node' if node is None else 'npm'})")
        version = self._node_version(node)
        match = re.match(r"v?(\d+)\.", version)
        if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
            _unavailable(f"{UNAVAILABLE_HINT} (found Node {version})")
        self._node = node
        with _install_lock:
            if self.js_dir in _installed:
                return
            with self._cross_process_lock():
                self._install(npm, version)
            _installed.add(self.js_dir)

    def _node_version(self, node: str) -> str:
        try:
            done = subprocess.run(
                [node, "--version"], capture_output=True, text=True, timeout=30, check=True
            )
        except (OSError, subprocess.SubprocessError) as exc:
            _unavailable(f"{UNAVAILABLE_HINT} (`node --version` failed: {exc})")
        return done.stdout.strip()

    @contextlib.contextmanager
    def _cross_process_lock(self) -> Iterator[None]:
        """Serialise installs across pytest worker processes (pytest-xdist) on POSIX."""
        try:
            import fcntl
        except ImportError:  # not POSIX: the in-process lock has to do
            yield
            return
        digest = hashlib.sha256(str(self.js_dir).encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"authpool-npm-{digest}.lock"
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _stamp_value(self, node_version: str) -> str:
        digest = hashlib.sha256()
        for name in ("package.json", "package-lock.json"):
            path = self.js_dir / name
            digest.update(name.encode() + b"\0")
            digest.update(path.read_bytes() if path.exists() else b"")
        digest.update(node_version.encode())
        return digest.hexdigest()

    def _install(self, npm: str, node_version: str) -> None:
        lock = self.js_dir / "package-lock.json"
        stamp = self.js_dir / "node_modules" / _STAMP
        if lock.exists():
            wanted = self._stamp_value(node_version)
            if stamp.exists() and stamp.read_text().strip() == wanted:
                return
            command = [npm, "ci"]
        else:
            command = [npm, "install"]
        command += ["--no-audit", "--no-fund", "--ignore-scripts"]
        env = {**os.environ, "npm_config_update_notifier": "false"}
        started = time.monotonic()
        try:
            done = subprocess.run(
                command,
                cwd=self.js_dir,
                capture_output=True,
                text=True,
                timeout=self.install_timeout,
                env=env,
            )
        except subprocess.TimeoutExpired as exc:
            raise AmplifyHarnessError(
                f"`{' '.join(command)}` in {self.js_dir} took over {self.install_timeout:.0f} s"
            ) from exc
        if done.returncode != 0:
            raise AmplifyHarnessError(
                f"`{' '.join(command)}` in {self.js_dir} failed with exit code "
                f"{done.returncode} after {time.monotonic() - started:.1f} s\n"
                f"--- stdout ---\n{_tail(done.stdout)}\n--- stderr ---\n{_tail(done.stderr)}"
            )
        # `npm install` may just have written the lock file: stamp what is there now.
        stamp.write_text(self._stamp_value(node_version) + "\n")

    # ------------------------------------------------------------ sessions --

    def session(self, config: Mapping[str, Any], *, timeout: float | None = None) -> AmplifySession:
        """Start one Node process configured with ``config`` (the ``Auth.Cognito`` section).

        ``config`` is passed to ``Amplify.configure({Auth: {Cognito: config}})``; a
        mapping with an ``Auth`` key is passed to ``Amplify.configure`` as it is.
        """
        self.ensure_installed()
        assert self._node is not None
        return AmplifySession(
            node=self._node,
            js_dir=self.js_dir,
            config=config,
            timeout=self.timeout if timeout is None else timeout,
        )

    def run(
        self, config: Mapping[str, Any], steps: Sequence[Step], *, timeout: float | None = None
    ) -> list[StepResult]:
        """Run ``steps`` in a fresh session and end it: for flows that need no outside input."""
        with self.session(config, timeout=timeout) as session:
            return session.run(steps)


class AmplifySession:
    """One Node process running ``run.mjs``: Amplify state persists across :meth:`run` calls."""

    def __init__(
        self, *, node: str, js_dir: Path, config: Mapping[str, Any], timeout: float
    ) -> None:
        self.timeout = timeout
        self.done = False
        #: True while a batch is paused at an explicit ``waitForInput`` step.
        self.paused = False
        self._stderr_lines: list[str] = []
        self._messages: queue.Queue[dict[str, Any] | str | None] = queue.Queue()
        self._proc = subprocess.Popen(
            [node, DRIVER],
            cwd=js_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        assert self._proc.stdout is not None
        assert self._proc.stderr is not None
        self._readers = [
            threading.Thread(
                target=self._read_stdout, args=(self._proc.stdout,), daemon=True, name="amplify-out"
            ),
            threading.Thread(
                target=self._read_stderr, args=(self._proc.stderr,), daemon=True, name="amplify-err"
            ),
        ]
        for reader in self._readers:
            reader.start()
        try:
            # Configure Amplify and stop at once: proves Node and Amplify load.
            self._exchange({"config": dict(config), "steps": [{"op": "waitForInput"}]}, timeout)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------- public --

    def run(self, steps: Sequence[Step], *, timeout: float | None = None) -> list[StepResult]:
        """Run ``steps`` in order; return their results (one per step, in order).

        A failed step is a result with ``"ok": false``, never an exception.

        An explicit ``{"op": "waitForInput"}`` step pauses the batch: this call
        returns the results so far (see :attr:`paused`), the test does what it
        must (say, read a code from the server's outbox), and the next call's
        steps run at the pause, followed by the rest of the paused batch; their
        results come back together (``run([])`` just resumes).
        """
        if self.done:
            raise AmplifyHarnessError("this Amplify session has already ended")
        batch = [dict(item) for item in steps]
        if not self.paused:
            # Stop again after this batch, so that the process stays for the next call.
            batch.append({"op": "waitForInput"})
        return self._exchange({"steps": batch}, self.timeout if timeout is None else timeout)

    def call(self, op: str, args: Any = _MISSING, *, timeout: float | None = None) -> Any:
        """Run one step and return its value; raise :class:`AmplifyStepError` if it failed."""
        if self.paused:
            raise AmplifyHarnessError("a batch is paused at waitForInput: resume it with run()")
        [result] = self.run([step(op, args)], timeout=timeout)
        if not result["ok"]:
            raise AmplifyStepError(result, _tail(self.stderr, 40))
        return result["value"]

    @property
    def stderr(self) -> str:
        """Everything the Node process wrote to stderr so far (Amplify's console output)."""
        return "".join(self._stderr_lines)

    def close(self) -> None:
        """End the Node process (end of input, then kill after a grace period)."""
        proc = self._proc
        if proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for reader in self._readers:
            reader.join(timeout=10)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        self.done = True

    def __enter__(self) -> AmplifySession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ private --

    def _read_stdout(self, pipe: IO[str]) -> None:
        for line in pipe:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
            except ValueError:
                self._messages.put(line)
                continue
            self._messages.put(message if isinstance(message, dict) else line)
        self._messages.put(None)

    def _read_stderr(self, pipe: IO[str]) -> None:
        for line in pipe:
            self._stderr_lines.append(line)

    def _fail(self, what: str) -> NoReturn:
        if self._proc.poll() is None:
            self._proc.kill()
        self.close()
        raise AmplifyHarnessError(
            f"{what} (node exit code {self._proc.returncode})\n"
            f"--- node stderr (tail) ---\n{_tail(self.stderr)}"
        )

    def _exchange(self, message: Mapping[str, Any], timeout: float) -> list[StepResult]:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(message) + "\n")
            self._proc.stdin.flush()
        except OSError as exc:
            self._fail(f"could not write to the Amplify driver: {exc}")
        deadline = time.monotonic() + timeout
        try:
            reply = self._messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self._fail(f"the Amplify driver gave no answer within {timeout:.0f} s")
        if reply is None:
            self._fail("the Amplify driver exited without finishing its output")
        if isinstance(reply, str):
            self._fail(f"the Amplify driver wrote a line that is not a JSON object: {reply!r}")
        if "fatal" in reply:
            self._fail(f"the Amplify driver rejected its input: {reply['fatal']}")
        results = reply.get("results")
        if not isinstance(results, list) or not (reply.get("waiting") or reply.get("done")):
            self._fail(f"unexpected message from the Amplify driver: {reply!r}")
        self.paused = bool(reply.get("waiting")) and int(reply.get("pending") or 0) > 0
        if reply.get("done"):
            self.close()
        return results
