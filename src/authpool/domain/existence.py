"""User-existence protection (an app client's PreventUserExistenceErrors=ENABLED): a name
nobody holds is answered as a user with a wrong password would be — the same error, after the
same work, and with the same lockout.

USER_PASSWORD_AUTH burns one verifier computation for an unknown name
(:func:`authpool.domain.passwords.burn`). USER_SRP_AUTH answers an unknown name with a
simulated challenge (a salt and verifier derived from a keyed hash of the pool and the name,
so the same name always gets the same salt) and fails it at PASSWORD_VERIFIER here, after
spending the SECRET_BLOCK and checking the claim against the simulated verifier, as a real
check would. ForgotPassword and ResendConfirmationCode return simulated delivery details
(:func:`authpool.domain.flows.sign_up.simulated_delivery`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib

from authpool import srp
from authpool.domain import lockout, sessions
from authpool.domain.context import Services
from authpool.domain.errors import NotAuthorizedException
from authpool.domain.flows.sign_in import SignIn


def simulated_verifier(svc: Services, seed: bytes) -> int:
    """A verifier for a simulated SRP challenge: a number in [2, N) drawn from ``seed`` by
    keyed hashes. It is never shown (B = k·v + g^b hides it), so it need not be g^x; the
    challenge then costs what a real one costs, which reads its verifier (no modexp)."""
    blocks = (len(srp.to_hex(srp.N)) // 64) + 2
    stream = b"".join(
        svc.vault.digest(seed + bytes([i]), purpose="simulated-srp-verifier") for i in range(blocks)
    )
    return int.from_bytes(stream, "big") % (srp.N - 2) + 2


def pad_history(svc: Services) -> None:
    """The write a failure of a real user costs (its sign-in history gets a ``Fail`` event),
    spent for a name nobody holds: one committed insert (an already-expired single-use
    marker, which the store sweeps away), so that the answer takes as long."""
    now = svc.clock.now()
    marker = svc.token_bytes(32)
    svc.store.use_session(marker, expires_at=now, now=now)
    svc.store.session_used(marker, now=now)  # the history's read of the user's newest events


def srp_failure(
    ctx: SignIn,
    name: str,
    block_text: str,
    raw: bytes,
    state: sessions.ChallengeState,
    responses: dict[str, str],
    verifier: int,
) -> NotAuthorizedException:
    """The answer to a simulated PASSWORD_VERIFIER (``verifier`` is the simulated one): the
    attempt counted at the name, the SECRET_BLOCK used up, the claim checked (it cannot
    hold), and the wrong-password error to raise."""
    lockout.attempt(
        ctx.svc, lockout.key_for(ctx.svc, lockout.PASSWORD, ctx.pool, None, name),
        factor=lockout.PASSWORD,
    )  # fmt: skip
    sessions.use(ctx.svc, block_text, state)
    with contextlib.suppress(binascii.Error, ValueError):
        srp.verify_password_claim(
            pool_name=ctx.pool.pool_name,
            user_id=state.user_id,
            verifier=verifier,
            b=srp.from_hex(state.data["b"]),
            A=srp.from_hex(state.data["A"]),
            secret_block=raw,
            timestamp=responses["TIMESTAMP"],
            signature=base64.b64decode(responses["PASSWORD_CLAIM_SIGNATURE"], validate=True),
            B=srp.from_hex(state.data["B"]) if "B" in state.data else None,  # as a real check
        )
    pad_history(ctx.svc)
    return ctx.wrong_credentials()
