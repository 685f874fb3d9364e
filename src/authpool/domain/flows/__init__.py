"""One module per flow or challenge. Each has the same parts: input check, steps, hook
points, storage needs (through :mod:`authpool.domain.ports`). Importing this package
registers every flow and challenge in the tables of :mod:`.sign_in`."""

from authpool.domain.flows import (
    custom_auth,
    device_srp,
    mfa,
    mfa_setup,
    new_password,
    refresh,
    user_password,
    user_srp,
)

__all__ = [
    "custom_auth",
    "device_srp",
    "mfa",
    "mfa_setup",
    "new_password",
    "refresh",
    "user_password",
    "user_srp",
]
