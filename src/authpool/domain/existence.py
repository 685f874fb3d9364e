"""User-existence protection (an app client's PreventUserExistenceErrors=ENABLED): a name
nobody holds is answered as a user with a wrong password would be — the same error, after the
same work, and with the same lockout.

The work of a wrong password, step by step, and what a name nobody holds spends instead:

- USER_PASSWORD_AUTH computes a verifier from the password, opens the user's sealed verifier
  and compares the two: :func:`check_nobody` does the same with a sealed stand-in;
- USER_SRP_AUTH answers an unknown name with a simulated challenge (a salt and verifier
  derived from a keyed hash of the pool and the name, so the same name always gets the same
  salt) and fails it at PASSWORD_VERIFIER (:func:`srp_failure`), after spending the
  SECRET_BLOCK and checking the claim against the simulated verifier, as a real check would;
- both count the attempt at the name's lockout key, as they count a user's
  (:mod:`.lockout`);
- the user's failure goes into their sign-in history: an audit line and one write
  transaction of three statements. :func:`pad_history` writes the same audit line (without
  a user) and runs a write of the same shape that leaves nothing behind.

ForgotPassword and ResendConfirmationCode return simulated delivery details
(:func:`authpool.domain.flows.sign_up.simulated_delivery`).

``tests/security/test_existence.py`` checks that both paths run the same SQL (transactions,
commits, statements), the same exponentiations, unseal as often and write as many audit
lines; ``bench/existence_timing.py`` measures the time.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import uuid
import weakref

from authpool import srp
from authpool.domain import audit, auth_events, lockout, sessions
from authpool.domain.context import Services
from authpool.domain.errors import NotAuthorizedException
from authpool.domain.flows.sign_in import SignIn
from authpool.domain.passwords import VERIFIER_PURPOSE
from authpool.vault import Vault, VaultError

VERIFIER_BYTES = 384  # a verifier as the store seals it: 3072 bits, big-endian
# The salt a name nobody holds is checked with: 128 bits, as :func:`srp.new_salt` draws.
STAND_IN_SALT = 0x9E3779B97F4A7C15F39CC0605CEDC834
_STAND_INS: weakref.WeakKeyDictionary[Vault, bytes] = weakref.WeakKeyDictionary()


def simulated_verifier(svc: Services, seed: bytes) -> int:
    """A verifier for a simulated SRP challenge: a number in [2, N) drawn from ``seed`` by
    keyed hashes. It is never shown (B = k·v + g^b hides it), so it need not be g^x; the
    challenge then costs what a real one costs, which reads its verifier (no modexp)."""
    blocks = (len(srp.to_hex(srp.N)) // 64) + 2
    stream = b"".join(
        svc.vault.digest(seed + bytes([i]), purpose="simulated-srp-verifier") for i in range(blocks)
    )
    return int.from_bytes(stream, "big") % (srp.N - 2) + 2


def _stand_in_verifier(vault: Vault) -> bytes:
    """A verifier sealed as a user's is (sealed once per vault), opened as a check opens one."""
    sealed = _STAND_INS.get(vault)
    if sealed is not None:
        try:
            return vault.open(sealed, purpose=VERIFIER_PURPOSE)
        except VaultError:  # sealed under a master key rotated out since: seal it again
            pass
    sealed = vault.seal(bytes(VERIFIER_BYTES), purpose=VERIFIER_PURPOSE)
    _STAND_INS[vault] = sealed
    return vault.open(sealed, purpose=VERIFIER_PURPOSE)


def check_nobody(ctx: SignIn, name: str, password: str) -> None:
    """USER_PASSWORD_AUTH's wrong-password work for a name nobody holds: what
    :func:`authpool.domain.passwords.matches` does (the verifier of ``password``, a sealed
    verifier opened, a constant-time compare, which cannot match), then the failure's
    write (:func:`pad_history`)."""
    candidate = srp.make_verifier(ctx.pool.pool_name, name, password, STAND_IN_SALT)
    hmac.compare_digest(
        candidate.to_bytes(VERIFIER_BYTES, "big"), _stand_in_verifier(ctx.svc.vault)
    )
    pad_history(ctx)


def pad_history(ctx: SignIn) -> None:
    """What a real user's failure costs its sign-in history (:meth:`auth_events.Attempt.failed`:
    an event made, an audit line, one write transaction), spent for a name nobody holds. The
    audit line is real — a failed sign-in with no user — and the write leaves nothing."""
    svc = ctx.svc
    origin = auth_events.origin_of(ctx.params, ctx.client, admin=ctx.admin)
    marker = uuid.UUID(bytes=svc.token_bytes(16), version=4).bytes + svc.token_bytes(16)
    tried = f"{auth_events.PASSWORD}:{auth_events.FAILURE}"
    audit.emit(auth_events.SIGN_IN, auth_events.FAIL, client_id=ctx.client.id,
               ip=origin.ip_address, challenge=tried)  # fmt: skip
    svc.store.pad_auth_event(marker, now=svc.clock.now())


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
    hold), and the wrong-password error to raise — in the order of a real user's answer."""
    lockout.attempt(
        ctx.svc, lockout.key_for(ctx.svc, lockout.PASSWORD, ctx.pool, None, name),
        factor=lockout.PASSWORD, first=lambda: sessions.use(ctx.svc, block_text, state),
    )  # fmt: skip
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
    pad_history(ctx)
    return ctx.wrong_credentials()
