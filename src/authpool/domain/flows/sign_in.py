"""The sign-in engine: InitiateAuth and RespondToAuthChallenge (and their Admin forms)
dispatched through tables — a flow name to its initiator, a challenge name to its
responder — and the one place that decides what follows a proven password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from authpool.domain import auth_events, grants, lockout, users
from authpool.domain.clients import Client, get_client
from authpool.domain.context import Services
from authpool.domain.errors import (
    InvalidParameterException,
    NotAuthorizedException,
    PasswordResetRequiredException,
    UserNotConfirmedException,
    UserNotFoundException,
)
from authpool.domain.hooks import auth as auth_hooks
from authpool.domain.hooks import tokens as token_hooks
from authpool.domain.pools import Pool, get_pool
from authpool.domain.records import RefreshTokenRecord, UserRecord

WRONG = "Incorrect username or password."


@dataclass
class Pending:
    """What a sign-in call stores once it has succeeded, kept until the call ends and then
    written in one store transaction (one commit, one flush to disk, instead of one each):
    the refresh token it issued, its sign-in history event (the history read too), and the
    taking back of the lockout count of a right answer. A call that raises has issued
    nothing and stores none of it but the lockout's (:meth:`flush_passed`): a right answer
    stays right when what follows it fails. The history stays best effort: if the
    transaction fails with it, it is made again without it.

    The lockout count of a right answer stands until the call ends, a millisecond or two
    more than it would if it were taken back at once: parallel sign-ins of one user meet
    Cognito's five free failures a little sooner, a price for one transaction less."""

    refresh_token: RefreshTokenRecord | None = None
    history: Callable[[], None] | None = None
    passed: list[bytes] = field(default_factory=list)

    def keep(self, token: RefreshTokenRecord) -> None:
        self.refresh_token = token

    def flush(self, svc: Services) -> None:
        if self.refresh_token is None and self.history is None:
            self.flush_passed(svc)
            return
        try:
            self._write(svc, with_history=True)
        except Exception:
            if self.history is None:
                raise
            if self.refresh_token is not None:  # raises again if not the history's fault
                self._write(svc, with_history=False)
            else:
                self.flush_passed(svc)
            auth_events.log.exception("could not record the sign-in's event")

    def flush_passed(self, svc: Services) -> None:
        """Only the lockout counts to take back (the call failed after a right answer)."""
        for key in self.passed:
            lockout.passed(svc, key)
        self.passed.clear()

    def _write(self, svc: Services, *, with_history: bool) -> None:
        with svc.store.atomic():
            for key in self.passed:
                lockout.passed(svc, key)
            if self.refresh_token is not None:
                svc.store.insert_refresh_token(self.refresh_token)
            if with_history and self.history is not None:
                self.history()
        self.passed.clear()


@dataclass(frozen=True)
class SignIn:
    """One InitiateAuth / RespondToAuthChallenge call."""

    svc: Services
    pool: Pool
    client: Client
    admin: bool
    params: dict[str, Any]
    # The writes kept to the end of the call (see :class:`Pending`); None: written at once.
    pending: Pending | None = field(default=None, compare=False)

    def report(self, write: Callable[[], None]) -> None:
        """Enter a sign-in's outcome in the history (``write``, a call of :attr:`history`):
        with the call's other writes, or at once; either way a failure is only logged."""
        if self.pending is not None:
            self.pending.history = write
            return
        try:
            write()
        except Exception:  # the history is best effort; the sign-in goes on
            auth_events.log.exception("could not record the sign-in's event")

    def passed(self, key: bytes) -> None:
        """A right answer at lockout ``key``: its count is taken back with the call's other
        writes (:class:`Pending`), or at once."""
        if self.pending is not None:
            self.pending.passed.append(key)
        else:
            lockout.passed(self.svc, key)

    def wrong_credentials(self, user: UserRecord | None = None) -> NotAuthorizedException:
        """The error for a wrong password; with ``user``, the failure enters their history."""
        if user is not None:
            self.history.failed(user)
        return NotAuthorizedException(WRONG)

    @property
    def history(self) -> auth_events.Attempt:
        """Where this sign-in reports its outcomes (the user's sign-in history)."""
        return auth_events.Attempt(self.svc, self.client, self.params, self.admin)

    def no_such_user(self) -> Exception:
        """Unknown user: the same error as a wrong password when the client prevents user
        existence errors, else UserNotFoundException."""
        if self.client.prevent_user_existence_errors:
            return NotAuthorizedException(WRONG)
        return UserNotFoundException("User does not exist.")

    def check_secret_hash(self, given: str | None, username: str) -> None:
        self.client.require_secret_hash(self.svc, given, username)


Initiator = Callable[[SignIn, dict[str, str]], dict[str, Any]]
Responder = Callable[[SignIn, dict[str, str], str | None], dict[str, Any]]

# Which of InitiateAuth (public) and AdminInitiateAuth (admin) take a flow.
BOTH, PUBLIC_ONLY, ADMIN_ONLY = "both", "public", "admin"
NOT_SUPPORTED = "Initiate Auth method not supported."


@dataclass(frozen=True)
class Flow:
    initiate: Initiator
    allowed_by: str  # the ExplicitAuthFlows entry that enables it
    where: str  # BOTH, PUBLIC_ONLY or ADMIN_ONLY


FLOWS: dict[str, Flow] = {}
CHALLENGES: dict[str, Responder] = {}


def flow(name: str, allowed_by: str, *, where: str = BOTH) -> Callable[[Initiator], Initiator]:
    def register(fn: Initiator) -> Initiator:
        FLOWS[name] = Flow(fn, allowed_by, where)
        return fn

    return register


def challenge(name: str) -> Callable[[Responder], Responder]:
    def register(fn: Responder) -> Responder:
        CHALLENGES[name] = fn
        return fn

    return register


def _context(svc: Services, params: dict[str, Any], *, admin: bool) -> SignIn:
    client = get_client(svc, params["client_id"], params.get("user_pool_id"))
    return SignIn(svc, get_pool(svc, client.pool_id), client, admin, params, Pending())


def _run(ctx: SignIn, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``call()``, then the call's kept writes (:class:`Pending`), before the answer."""
    try:
        result = call()
    except BaseException:
        if ctx.pending is not None:
            ctx.pending.flush_passed(ctx.svc)
        raise
    if ctx.pending is not None:
        ctx.pending.flush(ctx.svc)
    return result


def initiate_auth(svc: Services, params: dict[str, Any], *, admin: bool = False) -> dict[str, Any]:
    ctx = _context(svc, params, admin=admin)
    name = params["auth_flow"]
    entry = FLOWS.get(name)
    if entry is None:
        raise InvalidParameterException(f"Unsupported or unknown auth flow: {name}")
    # USER_PASSWORD_AUTH belongs to InitiateAuth, ADMIN_USER_PASSWORD_AUTH to
    # AdminInitiateAuth; Cognito answers the wrong pairing with this one message.
    if entry.where == (PUBLIC_ONLY if admin else ADMIN_ONLY):
        raise InvalidParameterException(NOT_SUPPORTED)
    if entry.allowed_by not in ctx.client.auth_flows:
        raise InvalidParameterException(f"{name} flow not enabled for this client")
    for check in REQUEST_CHECKS:
        check(ctx)
    return _run(ctx, lambda: entry.initiate(ctx, dict(params.get("auth_parameters") or {})))


def respond_to_auth_challenge(
    svc: Services, params: dict[str, Any], *, admin: bool = False
) -> dict[str, Any]:
    ctx = _context(svc, params, admin=admin)
    name = params["challenge_name"]
    responder = CHALLENGES.get(name)
    if responder is None:
        raise InvalidParameterException(f"Unsupported challenge name: {name}")
    for check in REQUEST_CHECKS:
        check(ctx)
    responses = dict(params.get("challenge_responses") or {})
    return _run(ctx, lambda: responder(ctx, responses, params.get("session")))


def password_proven(ctx: SignIn, user: UserRecord) -> dict[str, Any]:
    """What follows a correct password: the user's state decides."""
    if not user.enabled:
        raise NotAuthorizedException("User is disabled.")
    if user.status == users.UNCONFIRMED:
        raise UserNotConfirmedException("User is not confirmed.")
    if user.status == users.RESET_REQUIRED:
        raise PasswordResetRequiredException("Password reset required for the user")
    for step in NEXT_STEPS:
        result = step(ctx, user)
        if result is not None:
            ctx.report(partial(ctx.history.continues, user, result.get("challenge_name")))
            return result
    return finish(ctx, user)


def finish(ctx: SignIn, user: UserRecord, *, auth_time: datetime | None = None) -> dict[str, Any]:
    """Tokens: the sign-in is complete. PostAuthentication runs first (a refusal ends the
    sign-in), PreTokenGeneration may change the claims; Cognito gives them ClientMetadata
    from RespondToAuthChallenge only. A step of BEFORE_TOKENS may still ask a last challenge
    (a known device's proof), and TOKEN_OPTIONS bind the tokens to a device."""
    for step in BEFORE_TOKENS:
        last = step(ctx, user)
        if last is not None:
            ctx.report(partial(ctx.history.continues, user, last.get("challenge_name")))
            return last
    answered = ctx.params.get("challenge_name")
    metadata = ctx.params.get("client_metadata") if answered else None
    auth_hooks.post_authentication(ctx.svc, ctx.pool, ctx.client, user, client_metadata=metadata)
    options = {k: v for hook in TOKEN_OPTIONS for k, v in hook(ctx, user).items()}
    result = {
        "challenge_parameters": {},
        "authentication_result": grants.issue(
            ctx.svc,
            ctx.pool,
            ctx.client,
            user,
            auth_time=auth_time,
            trigger_source=token_hooks.source_after(answered),
            client_metadata=metadata,
            keep_refresh_token=ctx.pending.keep if ctx.pending is not None else None,
            **options,
        ),
    }
    ctx.report(partial(ctx.history.completed, user, answered=answered))
    return result


def auth_time_of(epoch_seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC) if epoch_seconds else None


# Steps between a proven password and tokens (new password required, MFA, …); each returns
# a challenge response, or None to let the next step decide. Other modules register here.
NextStep = Callable[[SignIn, UserRecord], dict[str, Any] | None]
NEXT_STEPS: list[NextStep] = []

# Device tracking (:mod:`.device_srp` registers here): a check of the request's DEVICE_KEY
# before any step spends anything, the last challenge before tokens (a known device proves
# itself), and the device the tokens are bound to (keyword arguments of grants.issue).
REQUEST_CHECKS: list[Callable[[SignIn], None]] = []
BEFORE_TOKENS: list[NextStep] = []
TOKEN_OPTIONS: list[Callable[[SignIn, UserRecord], dict[str, Any]]] = []
