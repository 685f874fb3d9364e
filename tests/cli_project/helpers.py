"""Running ``authpool`` in-process for the project-file tests, and small helpers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from tests.support.server import LiveServer

from authpool.cli.main import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    def ok(self) -> Run:
        assert self.code == 0, f"exit {self.code}\n{self.out}\n{self.err}"
        return self

    def one_error_line(self) -> str:
        assert self.code != 0, self.out
        assert "Traceback" not in self.err + self.out
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, self.err
        assert lines[0].startswith("error:"), lines[0]
        return lines[0]


def cli(*args: str, env: Mapping[str, str | None] | None = None, input: str | None = None) -> Run:
    """Run ``authpool`` in-process; ``env`` adds variables (None removes one)."""
    runner = CliRunner()
    environment = {"NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    with runner.isolation(input=input, env=environment) as streams:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = streams[0].getvalue().decode()
        err = streams[1].getvalue().decode()
    return Run(code, out, err)


def server_env(server: LiveServer) -> dict[str, str]:
    """How a developer points the CLI at a server: the endpoint and an access key."""
    return {
        "AUTHPOOL_ENDPOINT": server.url,
        "AWS_ACCESS_KEY_ID": server.admin_key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": server.admin_key.secret_access_key,
    }


def read_yaml(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def write_yaml(path: Path, data: Mapping[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(dict(data), sort_keys=False))
    return path


def read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data
