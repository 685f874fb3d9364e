"""examples/seed_flow.py runs from start to end against ``authpool serve --dev`` (the real
command line, in a subprocess), reading the codes from the development outbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.client.support import require_server
from tests.support.server import ServeProcess, clean_env

ROOT = Path(__file__).resolve().parents[2]


def test_the_seed_example(tmp_path: Path) -> None:
    require_server("SetUserPoolMfaConfig", "AdminUpdateUserAttributes", challenge="SMS_MFA")
    env = {"AUTHPOOL_TRIGGER_PYTHON_MODULES": "examples.triggers", "PYTHONPATH": str(ROOT)}
    with ServeProcess(tmp_path / "data", dev=True, env=env) as serve:
        run = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "seed_flow.py"), "--endpoint", serve.url],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env=clean_env(),  # the script finds the example triggers by itself
        )
    assert run.returncode == 0, run.stdout + run.stderr + serve.output()
    out = run.stdout
    assert "next step: CONFIRM_SIGN_UP" in out
    assert "next step: CONFIRM_SIGN_IN_WITH_SMS_MFA_CODE" in out
    assert "next step: CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE" in out
    assert "question: What was the name of your first pet?" in out
    assert out.count("hub: signedIn") == 2
    assert out.count("hub: signedOut") == 2
    assert out.rstrip().endswith("done")
