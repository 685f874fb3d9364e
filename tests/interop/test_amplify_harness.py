"""Self-test of the Amplify JS harness (tests/interop/amplify.py and js/run.mjs).

No authpool server here: a stdlib HTTP server stands in for the user-pool
endpoint and answers SignUp with canned responses.  That proves the plumbing
(npm install, the Node driver, the line protocol, result and error mapping) and
that Amplify JS sends its requests to the configured ``userPoolEndpoint``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from .amplify import JS_DIR, AmplifyHarnessError, AmplifyNode, AmplifyStepError, step

pytestmark = pytest.mark.node

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
USER_SUB = "5f0a7c62-8d3e-4f7e-9a52-0c8b1d2e3f40"
CLIENT_ID = "harnessclient0000000000001"
# A pool id whose "region" prefix is not an AWS region: Amplify only splits on "_".
POOL_ID = "local_harness1"
SIGN_UP = {
    "username": "alice@example.com",
    "password": "Correct-Horse-9",
    "options": {"userAttributes": {"email": "alice@example.com"}},
}


def pinned_amplify_version() -> str:
    package = json.loads((JS_DIR / "package.json").read_text())
    return str(package["dependencies"]["aws-amplify"])


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeUserPool:
    """Answers SignUp: the first call succeeds, later ones fail with UsernameExistsException."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, target: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        if target != TARGET_PREFIX + "SignUp":
            return (
                400,
                {"x-amzn-ErrorType": "UnknownOperationException"},
                {"__type": "UnknownOperationException", "message": target},
            )
        with self.lock:
            sign_ups = sum(1 for r in self.requests if r.headers.get("x-amz-target") == target)
        if sign_ups == 1:
            return (
                200,
                {},
                {
                    "UserConfirmed": False,
                    "UserSub": USER_SUB,
                    "CodeDeliveryDetails": {
                        "Destination": "a***@e***",
                        "DeliveryMedium": "EMAIL",
                        "AttributeName": "email",
                    },
                },
            )
        return (
            400,
            {"x-amzn-ErrorType": "UsernameExistsException"},
            {"__type": "UsernameExistsException", "message": "User already exists"},
        )


def make_handler(pool: FakeUserPool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            with pool.lock:
                pool.requests.append(Recorded("POST", self.path, headers, json.loads(raw or b"{}")))
            status, extra, body = pool.handle(headers.get("x-amz-target", ""))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/x-amz-json-1.1")
            self.send_header("x-amzn-requestid", "00000000-0000-0000-0000-000000000000")
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def fake_pool() -> Iterator[FakeUserPool]:
    pool = FakeUserPool()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(pool))
    thread = threading.Thread(target=server.serve_forever, name="fake-user-pool", daemon=True)
    thread.start()
    pool.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield pool
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def amplify() -> AmplifyNode:
    node = AmplifyNode()
    node.ensure_installed()
    return node


def config_for(pool: FakeUserPool) -> dict[str, Any]:
    return {
        "userPoolId": POOL_ID,
        "userPoolClientId": CLIENT_ID,
        "userPoolEndpoint": pool.url,
        "loginWith": {"email": True},
    }


# ---------------------------------------------------------------- no node --


def test_package_json_pins_exact_versions() -> None:
    package = json.loads((JS_DIR / "package.json").read_text())
    lock = json.loads((JS_DIR / "package-lock.json").read_text())
    assert package["dependencies"], "no dependencies pinned"
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert pinned_amplify_version().startswith("6.")


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_missing_node_skips_locally_and_fails_on_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(outcome, match="Node.js and npm are needed"):
        AmplifyNode().ensure_installed()


# ------------------------------------------------------------- with node --


def test_sign_up_result_and_error_come_back_from_the_user_pool_endpoint(
    amplify: AmplifyNode, fake_pool: FakeUserPool
) -> None:
    with amplify.session(config_for(fake_pool)) as session:
        first, second = session.run([step("signUp", SIGN_UP), step("signUp", SIGN_UP)])

    assert first == {
        "op": "signUp",
        "ok": True,
        "value": {
            "isSignUpComplete": False,
            "userId": USER_SUB,
            "nextStep": {
                "signUpStep": "CONFIRM_SIGN_UP",
                "codeDeliveryDetails": {
                    "destination": "a***@e***",
                    "deliveryMedium": "EMAIL",
                    "attributeName": "email",
                },
            },
        },
    }
    assert second["ok"] is False
    assert second["error"]["name"] == "UsernameExistsException"
    assert second["error"]["message"] == "User already exists"

    # Amplify sent exactly these two calls, to the configured endpoint.
    assert [(r.method, r.path) for r in fake_pool.requests] == [("POST", "/"), ("POST", "/")]
    request = fake_pool.requests[0]
    assert request.headers["x-amz-target"] == TARGET_PREFIX + "SignUp"
    assert request.headers["content-type"] == "application/x-amz-json-1.1"
    assert request.headers["cache-control"] == "no-store"
    assert request.headers["x-amz-user-agent"].startswith(
        f"aws-amplify/{pinned_amplify_version()} "
    )
    assert request.headers["amz-sdk-request"] == "attempt=1; max=3"
    assert re.fullmatch(r"[0-9a-f-]{36}", request.headers["amz-sdk-invocation-id"])
    assert request.body == {
        "Username": "alice@example.com",
        "Password": "Correct-Horse-9",
        "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}],
        "ClientId": CLIENT_ID,
    }


def test_wait_for_input_pauses_and_resumes_in_one_process(
    amplify: AmplifyNode, fake_pool: FakeUserPool
) -> None:
    with amplify.session(config_for(fake_pool)) as session:
        before = session.run(
            [step("signUp", SIGN_UP), step("waitForInput"), step("signUp", SIGN_UP)]
        )
        assert [r["ok"] for r in before] == [True]
        assert session.paused
        assert len(fake_pool.requests) == 1  # the second signUp waits for us

        # Steps sent now run at the pause, then the rest of the paused batch.
        after = session.run([step("harnessInfo")])
        assert not session.paused
        assert [r["op"] for r in after] == ["harnessInfo", "signUp"]
        assert after[0]["value"]["amplifyVersion"] == pinned_amplify_version()
        assert after[1]["error"]["name"] == "UsernameExistsException"

        # The process (and so Amplify's state) is still there for more calls.
        assert session.call("harnessInfo")["node"].startswith("v")
        with pytest.raises(AmplifyStepError, match="UserUnAuthenticatedException"):
            session.call("getCurrentUser")
    assert session.done


def test_stop_on_error_skips_the_rest_of_the_batch_only(
    amplify: AmplifyNode, fake_pool: FakeUserPool
) -> None:
    with amplify.session(config_for(fake_pool)) as session:
        results = session.run(
            [
                step("noSuchFunction", stopOnError=True),
                step("harnessInfo"),
                step("getCurrentUser"),
            ]
        )
        assert [(r["op"], r["ok"]) for r in results] == [
            ("noSuchFunction", False),
            ("harnessInfo", False),
            ("getCurrentUser", False),
        ]
        assert results[0]["error"]["name"] == "HarnessUnknownOp"
        assert results[1]["skipped"] is True
        # A failure without stopOnError does not stop the steps after it.
        results = session.run([step("getCurrentUser"), step("harnessInfo")])
        assert [r["ok"] for r in results] == [False, True]
    assert fake_pool.requests == []


def test_one_shot_pretty_printed_input_gives_one_done_line(
    amplify: AmplifyNode, fake_pool: FakeUserPool
) -> None:
    document = {"config": config_for(fake_pool), "steps": [step("signUp", SIGN_UP)]}
    done = subprocess.run(
        ["node", "run.mjs"],
        cwd=JS_DIR,
        input=json.dumps(document, indent=2),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    output = json.loads(lines[0])
    assert output["done"] is True
    assert [r["value"]["userId"] for r in output["results"]] == [USER_SUB]


def test_a_hung_step_hits_the_time_limit(amplify: AmplifyNode, fake_pool: FakeUserPool) -> None:
    with amplify.session(config_for(fake_pool), timeout=60) as session:
        with pytest.raises(AmplifyHarnessError, match="no answer within 2 s"):
            session.run([step("sleep", {"ms": 120_000})], timeout=2)
        assert session.done
