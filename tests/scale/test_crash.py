"""Durability: no acknowledged write is lost when the server is killed.

A load generator (four threads) signs users up as fast as it can and records every UserSub
the server acknowledged. Meanwhile the server (every process of it: on PostgreSQL it runs two
workers) is killed with SIGKILL, ``authpool db upgrade`` runs on the crashed database (and
finds it at the revision it was), and the server starts again on the same data directory and
database while the load goes on. Then every acknowledged user must exist with the UserSub it
was given and be able to sign in, and a sign-up that was cut off without an answer must have
happened completely or not at all.

On SQLite this is WAL with ``synchronous=FULL`` (an acknowledged commit is on disk); on
PostgreSQL, ordinary commits. A SIGKILL loses the process, not the operating system's page
cache, so a power cut is not what this test simulates; ``synchronous=FULL`` is what covers it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.scale.support import PASSWORD, Api, CognitoError, Host, create_access_key, db_upgrade

ACKED_BEFORE_KILL = 30
ACKED_AFTER_RESTART = 10
WAIT = 120.0  # seconds, at most, for the acknowledgements awaited, on a loaded machine


@dataclass
class SignUpLoad:
    """Threads that sign up new users against whatever port the host has now."""

    host: Host
    key: tuple[str, str]
    client_id: str
    threads: int = 4
    acknowledged: dict[str, str] = field(default_factory=dict)  # username -> UserSub
    unanswered: list[str] = field(default_factory=list)  # sent, no answer (server died)
    refused: list[str] = field(default_factory=list)  # an error answer: must not happen
    _stop: threading.Event = field(default_factory=threading.Event)
    _more: threading.Condition = field(default_factory=threading.Condition)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self._workers = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)
        ]
        for t in self._workers:
            t.start()

    def _run(self, index: int) -> None:
        pause = threading.Event()
        n = 0
        while not self._stop.is_set():
            n += 1
            name = f"crash-{index}-{n}"
            body = {"ClientId": self.client_id, "Username": name, "Password": PASSWORD}
            try:
                answer = Api(self.host.url, self.key).call("SignUp", body)
            except httpx.ConnectError:  # the server is down or restarting: nothing was sent
                pause.wait(0.1)
                continue
            except (httpx.TransportError, OSError):  # sent, but the answer never came
                self.unanswered.append(name)
                continue
            except CognitoError as exc:
                if exc.status >= 500:
                    self.unanswered.append(name)
                else:
                    self.refused.append(f"{name}: {exc}")
                continue
            with self._more:
                self.acknowledged[name] = answer["UserSub"]
                self._more.notify_all()

    def wait_for(self, count: int) -> None:
        with self._more:
            ok = self._more.wait_for(lambda: len(self.acknowledged) >= count, timeout=WAIT)
        assert ok, f"only {len(self.acknowledged)} sign-ups acknowledged: {self.host.output()}"

    def stop(self) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(timeout=60)


def test_no_acknowledged_sign_up_is_lost_when_the_server_is_killed(
    tmp_path: Path, database: str | None
) -> None:
    data = tmp_path / "data"
    key = create_access_key(data, database)
    revision = db_upgrade(data, database)
    # On PostgreSQL two workers, so that a kill has to take down several processes.
    host = Host(
        data,
        database_url=database,
        workers=2 if database else 1,
        env={"AUTHPOOL_RATE_LIMITS": "off"},  # as fast as it goes: no quota in the way
        name="crash",
    )
    try:
        host.start()
        api = Api(host.url, key)
        pool_id = api.call("CreateUserPool", {"PoolName": "crash"}, signed=True)["UserPool"]["Id"]
        client_id = api.call(
            "CreateUserPoolClient",
            {
                "UserPoolId": pool_id,
                "ClientName": "load",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
            },
            signed=True,
        )["UserPoolClient"]["ClientId"]
        load = SignUpLoad(host, key, client_id)
        load.start()
        try:
            load.wait_for(ACKED_BEFORE_KILL)
            host.kill()  # in the middle of the sign-ups
            at_kill = len(load.acknowledged)
            assert db_upgrade(data, database) == revision
            host.start()  # on the same data directory and database
            load.wait_for(at_kill + ACKED_AFTER_RESTART)
        finally:
            load.stop()
        print(  # the figures, for ``pytest -s``
            f"\n{'pg' if database else 'sqlite'}: {at_kill} sign-ups acknowledged when the "
            f"SIGKILL landed, {len(load.acknowledged)} in all, {len(load.unanswered)} sent and "
            "cut off unanswered; checking that each acknowledged user exists and signs in"
        )
        assert load.refused == []
        check_everyone(Api(host.url, key), pool_id, client_id, load)
    finally:
        host.stop()


def check_everyone(api: Api, pool_id: str, client_id: str, load: SignUpLoad) -> None:
    """Every acknowledged user is there, with its sub, and signs in once confirmed; every
    unanswered one is there completely (it signs in too) or not at all. (A few threads, as
    the load did: the checks are a few hundred calls.)"""

    def acknowledged(item: tuple[str, str]) -> None:
        name, sub = item
        user = api.call("AdminGetUser", {"UserPoolId": pool_id, "Username": name}, signed=True)
        assert {"Name": "sub", "Value": sub} in user["UserAttributes"], name
        assert_signs_in(api, pool_id, client_id, name)

    def unanswered(name: str) -> None:
        try:
            api.call("AdminGetUser", {"UserPoolId": pool_id, "Username": name}, signed=True)
        except CognitoError as exc:
            missing = exc.code
        else:
            missing = ""
            assert_signs_in(api, pool_id, client_id, name)
        assert missing in ("", "UserNotFoundException"), name

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(acknowledged, list(load.acknowledged.items())))
        list(pool.map(unanswered, list(load.unanswered)))


def assert_signs_in(api: Api, pool_id: str, client_id: str, name: str) -> None:
    api.call("AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": name}, signed=True)
    answer = api.call(
        "InitiateAuth",
        {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
        },
    )
    assert "AccessToken" in answer["AuthenticationResult"], name
