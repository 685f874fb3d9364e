"""Trigger targets: what a pool's LambdaConfig (or the server's ARN map) may name.

``python:package.module:function``
    A callable ``handler(event, context)`` imported from the server's Python path (the
    attribute may be dotted: ``python:app.triggers:Handlers.pre_sign_up``).
``https://host/path`` (``http://`` for a loopback host)
    A webhook that receives the event as JSON and answers with the event, response filled.
``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]``
    A real Lambda ARN as Terraform, CloudFormation or the Amplify CLI write it; the server's
    :class:`TargetMap` says what runs in its place.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

PYTHON_PREFIX = "python:"
_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"function:(?P<name>[A-Za-z0-9_-]{1,140})(?::(?P<qualifier>[A-Za-z0-9$_-]{1,128}))?"
)
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class TargetError(ValueError):
    """A target that cannot be run; the message says why."""


@dataclass(frozen=True)
class PythonTarget:
    module: str
    attribute: str

    @property
    def name(self) -> str:
        """The function name a Lambda context reports (``module.function``)."""
        return f"{self.module}.{self.attribute}"


@dataclass(frozen=True)
class WebhookTarget:
    url: str

    @property
    def name(self) -> str:
        return httpx.URL(self.url).host or "webhook"

    @property
    def loopback(self) -> bool:
        host = httpx.URL(self.url).host
        if host in _LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


Target = PythonTarget | WebhookTarget


def is_arn(text: str) -> bool:
    return text.startswith("arn:")


def lambda_arn(text: str) -> re.Match[str]:
    """The parts of a Lambda function ARN, or :class:`TargetError`."""
    match = _ARN.fullmatch(text)
    if match is None:
        raise TargetError("not a Lambda function ARN")
    return match


def parse(text: str, *, any_http: bool = False) -> Target:
    """The target ``text`` names (not an ARN), or :class:`TargetError`. ``any_http``
    allows ``http://`` to any host (the operator's own map), not only to loopback."""
    if text.startswith(PYTHON_PREFIX):
        return _python(text[len(PYTHON_PREFIX) :])
    if text.startswith(("https://", "http://")):
        return _webhook(text, any_http=any_http)
    raise TargetError("a target is python:package.module:function, an https:// URL or a Lambda ARN")


def _python(spec: str) -> PythonTarget:
    module, colon, attribute = spec.partition(":")
    parts_ok = all(p.isidentifier() for p in module.split(".")) and all(
        p.isidentifier() for p in attribute.split(".")
    )
    if not colon or not module or not attribute or not parts_ok:
        raise TargetError("a Python target is python:package.module:function")
    return PythonTarget(module, attribute)


def _webhook(url: str, *, any_http: bool) -> WebhookTarget:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetError(f"invalid webhook URL: {exc}") from None
    if not parsed.host:
        raise TargetError("a webhook URL needs a host")
    if parsed.userinfo:
        raise TargetError("a webhook URL may not carry credentials")
    if parsed.fragment:
        raise TargetError("a webhook URL may not have a fragment")
    target = WebhookTarget(url)
    if parsed.scheme == "http" and not (any_http or target.loopback):
        raise TargetError("a webhook must use https:// (http:// only for a loopback host)")
    return target


class TargetMap:
    """The server's Lambda ARN → target table.

    Keys are full ARNs (a qualifier included or not), bare function names (matching any
    region, account and qualifier: what an Amplify or Terraform environment suffix makes
    handy) or glob patterns over the full ARN (``arn:aws:lambda:*:*:function:shop-*``).
    An exact ARN wins over a function name, which wins over patterns (first match, in the
    order given). Every value must be a target :func:`parse` accepts.
    """

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._exact: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._patterns: list[tuple[str, str]] = []
        for key, value in mapping.items():
            try:
                parse(value, any_http=True)
            except TargetError as exc:
                raise TargetError(f"trigger map entry {key!r}: {exc}") from None
            if "*" in key or "?" in key or "[" in key:
                self._patterns.append((key, value))
            elif is_arn(key):
                self._exact[key] = value
            else:
                self._names[key] = value

    def __len__(self) -> int:
        return len(self._exact) + len(self._names) + len(self._patterns)

    def resolve(self, arn: str) -> str | None:
        found = self._exact.get(arn)
        if found is not None:
            return found
        match = _ARN.fullmatch(arn)
        if match is not None:
            unqualified = arn if match["qualifier"] is None else arn.rsplit(":", 1)[0]
            found = self._exact.get(unqualified) or self._names.get(match["name"])
            if found is not None:
                return found
        for pattern, value in self._patterns:
            if fnmatch.fnmatchcase(arn, pattern):
                return value
        return None
