"""The ``context`` a Python handler receives: the attributes of AWS Lambda's Python runtime
context that handlers (and libraries such as AWS Lambda Powertools) read."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CognitoIdentity:
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass
class LambdaContext:
    """As in Lambda's Python runtime (``awslambdaric``): ``memory_limit_in_mb`` is text
    there too. ``get_remaining_time_in_millis()`` counts down to authpool's time limit."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline: float  # time.monotonic() value
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: CognitoIdentity = field(default_factory=CognitoIdentity)
    client_context: None = None
    tenant_id: str | None = None

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self.log_stream_name = self.log_stream_name or f"authpool/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))

    def log(self, message: str) -> None:
        """Lambda's ``context.log``: write to the function's log (here, standard error)."""
        sys.stderr.write(message if message.endswith("\n") else message + "\n")
