"""Remembered devices: ConfirmDevice, and Get/List/UpdateStatus/Forget by access token and
in their Admin forms (the user named by pool and username)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authpool.domain import devices
from authpool.domain.errors import InvalidParameterException
from authpool.wire.protocol import Call, operation

Action = Callable[[Call, devices.Owner], dict[str, Any] | None]


def _get(call: Call, owner: devices.Owner) -> dict[str, Any]:
    return devices.get(call.svc, owner, call.params["device_key"])


def _list(call: Call, owner: devices.Owner) -> dict[str, Any]:
    p = call.params
    return devices.list_devices(
        call.svc, owner, limit=p.get("limit"), token=p.get("pagination_token")
    )


def _update_status(call: Call, owner: devices.Owner) -> None:
    p = call.params
    devices.set_status(call.svc, owner, p["device_key"], p.get("device_remembered_status"))


def _forget(call: Call, owner: devices.Owner) -> None:
    devices.forget(call.svc, owner, call.params["device_key"])


def _by_token(call: Call) -> devices.Owner:
    token = call.params.get("access_token")  # optional in the model for GetDevice, ForgetDevice
    if not token:
        raise InvalidParameterException("Missing required parameter AccessToken")
    return devices.by_token(call.svc, token)


def _by_name(call: Call) -> devices.Owner:
    return devices.by_name(call.svc, call.params["user_pool_id"], call.params["username"])


def _register(name: str, owner_of: Callable[[Call], devices.Owner], action: Action) -> None:
    def handle(call: Call) -> dict[str, Any] | None:
        return action(call, owner_of(call))

    handle.__name__ = f"handle_{name}"
    operation(name)(handle)


# operation: (whose device, what to do)
OPERATIONS: dict[str, tuple[Callable[[Call], devices.Owner], Action]] = {
    "GetDevice": (_by_token, _get),
    "ListDevices": (_by_token, _list),
    "UpdateDeviceStatus": (_by_token, _update_status),
    "ForgetDevice": (_by_token, _forget),
    "AdminGetDevice": (_by_name, _get),
    "AdminListDevices": (_by_name, _list),
    "AdminUpdateDeviceStatus": (_by_name, _update_status),
    "AdminForgetDevice": (_by_name, _forget),
}
for _name, (_owner_of, _action) in OPERATIONS.items():
    _register(_name, _owner_of, _action)


@operation("ConfirmDevice")
def confirm_device(call: Call) -> dict[str, Any]:
    p = call.params
    return devices.confirm(
        call.svc,
        _by_token(call),
        p["device_key"],
        verifier_config=p.get("device_secret_verifier_config"),
        name=p.get("device_name"),
    )
