"""What the client raises: one tree, every error with a message and a recovery suggestion.

Errors the service sends back become :class:`AuthServiceException` subclasses named exactly
as the service names them (the wire ``__type``), so ``except CodeMismatchException`` reads
like the Cognito documentation. An error name this module does not know still arrives as
an :class:`AuthServiceException` whose :attr:`~AuthServiceException.name` says what it was.

Exception tree::

    AuthException
    ├── AuthValidationException         an argument is missing or malformed (nothing was sent)
    ├── ConfigurationException          the client is not configured, or wrongly
    ├── InvalidStateException           the call does not fit the sign-in state
    │   ├── SignInNotStartedException   confirm_sign_in without a sign-in in progress
    │   └── UserAlreadyAuthenticatedException
    ├── SignedOutException              the call needs a signed-in user
    │   └── SessionExpiredException     the refresh token was refused; tokens were cleared
    ├── DeviceNotTrackedException       no remembered-device key for this user
    ├── NetworkException                the endpoint could not be reached
    └── AuthServiceException            the service answered with an error
        ├── AliasExistsException … UsernameExistsException   (one class per Cognito error)
        └── (any other name, as AuthServiceException itself)
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AliasExistsException",
    "AuthException",
    "AuthServiceException",
    "AuthValidationException",
    "CodeDeliveryFailureException",
    "CodeMismatchException",
    "ConcurrentModificationException",
    "ConfigurationException",
    "DeviceKeyExistsException",
    "DeviceNotTrackedException",
    "EnableSoftwareTokenMFAException",
    "ExpiredCodeException",
    "ForbiddenException",
    "InternalErrorException",
    "InvalidEmailRoleAccessPolicyException",
    "InvalidLambdaResponseException",
    "InvalidParameterException",
    "InvalidPasswordException",
    "InvalidSmsRoleAccessPolicyException",
    "InvalidSmsRoleTrustRelationshipException",
    "InvalidStateException",
    "InvalidUserPoolConfigurationException",
    "LimitExceededException",
    "MFAMethodNotFoundException",
    "NetworkException",
    "NotAuthorizedException",
    "PasswordHistoryPolicyViolationException",
    "PasswordResetRequiredException",
    "RefreshTokenReuseException",
    "ResourceNotFoundException",
    "SessionExpiredException",
    "SignInNotStartedException",
    "SignedOutException",
    "SoftwareTokenMFANotFoundException",
    "TooManyFailedAttemptsException",
    "TooManyRequestsException",
    "UnauthorizedException",
    "UnexpectedLambdaException",
    "UnsupportedOperationException",
    "UnsupportedTokenTypeException",
    "UserAlreadyAuthenticatedException",
    "UserLambdaValidationException",
    "UserNotConfirmedException",
    "UserNotFoundException",
    "UsernameExistsException",
    "service_error",
]


class AuthException(Exception):
    """Base of everything the client raises."""

    default_suggestion: ClassVar[str | None] = (
        "The service's answer was not what a Cognito user pool sends; check the endpoint."
    )

    def __init__(
        self,
        message: str,
        *,
        recovery_suggestion: str | None = None,
        underlying: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.recovery_suggestion = recovery_suggestion or self.default_suggestion
        self.underlying = underlying

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class AuthValidationException(AuthException):
    default_suggestion = "Check the arguments of the call."


class ConfigurationException(AuthException):
    default_suggestion = (
        "Call configure() with a user pool id and an app client id, or an"
        " amplify_outputs.json / amplifyconfiguration.json file."
    )


class InvalidStateException(AuthException):
    default_suggestion = "Check the sign-in state before making this call."


class SignInNotStartedException(InvalidStateException):
    default_suggestion = (
        "Call sign_in() before confirm_sign_in(), and answer the challenge before the"
        " session expires (three minutes by default)."
    )


class UserAlreadyAuthenticatedException(InvalidStateException):
    default_suggestion = "Call sign_out() before calling sign_in() again."


class SignedOutException(AuthException):
    default_suggestion = "Sign in before calling this API."


class SessionExpiredException(SignedOutException):
    default_suggestion = "The session has ended; sign in again."


class DeviceNotTrackedException(AuthException):
    default_suggestion = (
        "The device is not tracked: the pool must remember devices, and the user must"
        " have signed in on this device since."
    )


class NetworkException(AuthException):
    default_suggestion = "Check the network connection and the configured endpoint."


class AuthServiceException(AuthException):
    """The service answered with an error; :attr:`name` is its ``__type``."""

    name: str = "AuthServiceException"
    default_suggestion = "See the message; the service refused the request."

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        recovery_suggestion: str | None = None,
    ) -> None:
        super().__init__(message, recovery_suggestion=recovery_suggestion)
        if name is not None:
            self.name = name
        self.status_code = status_code
        self.request_id = request_id

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.name = cls.__name__
        _REGISTRY[cls.__name__] = cls

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, message={self.message!r})"


_REGISTRY: dict[str, type[AuthServiceException]] = {}


def service_error(
    name: str, message: str, *, status_code: int | None = None, request_id: str | None = None
) -> AuthServiceException:
    """The exception for a service error called ``name`` (its class, if one is defined)."""
    cls = _REGISTRY.get(name, AuthServiceException)
    return cls(message, name=name, status_code=status_code, request_id=request_id)


# One class per error the Cognito model lists for the operations the client calls, each
# registered under its class name, which is its wire name.
class AliasExistsException(AuthServiceException):
    default_suggestion = "Another account already uses this e-mail address or phone number."


class CodeDeliveryFailureException(AuthServiceException):
    default_suggestion = (
        "The code could not be delivered; check the e-mail address or phone number and retry."
    )


class CodeMismatchException(AuthServiceException):
    default_suggestion = "The code is wrong; enter the code exactly as received."


class ConcurrentModificationException(AuthServiceException):
    default_suggestion = "Another request changed this resource; retry."


class DeviceKeyExistsException(AuthServiceException):
    default_suggestion = "This device is already confirmed."


class EnableSoftwareTokenMFAException(AuthServiceException):
    default_suggestion = (
        "The TOTP code did not verify; check the authenticator app's clock and retry."
    )


class ExpiredCodeException(AuthServiceException):
    default_suggestion = "The code has expired; request a new one."


class ForbiddenException(AuthServiceException):
    default_suggestion = "The request was blocked by the pool's web application firewall."


class InternalErrorException(AuthServiceException):
    default_suggestion = "The service failed; retry the request later."


class InvalidEmailRoleAccessPolicyException(AuthServiceException):
    default_suggestion = "The pool cannot send e-mail; its e-mail configuration needs fixing."


class InvalidLambdaResponseException(AuthServiceException):
    default_suggestion = "A trigger of the pool returned an invalid response."


class InvalidParameterException(AuthServiceException):
    default_suggestion = "A parameter is invalid; see the message for which one."


class InvalidPasswordException(AuthServiceException):
    default_suggestion = "Choose a password that meets the pool's password policy."


class InvalidSmsRoleAccessPolicyException(AuthServiceException):
    default_suggestion = "The pool cannot send SMS; its SMS configuration needs fixing."


class InvalidSmsRoleTrustRelationshipException(AuthServiceException):
    default_suggestion = "The pool cannot send SMS; its SMS role needs fixing."


class InvalidUserPoolConfigurationException(AuthServiceException):
    default_suggestion = "The user pool is not configured for this request."


class LimitExceededException(AuthServiceException):
    default_suggestion = "A limit was exceeded; wait before trying again."


class MFAMethodNotFoundException(AuthServiceException):
    default_suggestion = "Set up the multi-factor method before using it."


class NotAuthorizedException(AuthServiceException):
    default_suggestion = "Check the username and password, or sign in again if the session ended."


class PasswordHistoryPolicyViolationException(AuthServiceException):
    default_suggestion = "Choose a password not used recently."


class PasswordResetRequiredException(AuthServiceException):
    default_suggestion = "Reset the password with reset_password()."


class RefreshTokenReuseException(AuthServiceException):
    default_suggestion = "The refresh token was already rotated; sign in again."


class ResourceNotFoundException(AuthServiceException):
    default_suggestion = "Check the user pool id, the app client id and the region or endpoint."


class SoftwareTokenMFANotFoundException(AuthServiceException):
    default_suggestion = "Set up TOTP with set_up_totp() first."


class TooManyFailedAttemptsException(AuthServiceException):
    default_suggestion = "Too many failed attempts; wait before retrying."


class TooManyRequestsException(AuthServiceException):
    default_suggestion = "Too many requests; slow down and retry."


class UnauthorizedException(AuthServiceException):
    default_suggestion = "The request is not authorized."


class UnexpectedLambdaException(AuthServiceException):
    default_suggestion = "A trigger of the pool failed."


class UnsupportedOperationException(AuthServiceException):
    default_suggestion = "The service does not support this operation."


class UnsupportedTokenTypeException(AuthServiceException):
    default_suggestion = "Only refresh tokens can be revoked."


class UserLambdaValidationException(AuthServiceException):
    default_suggestion = "A trigger of the pool refused the request."


class UserNotConfirmedException(AuthServiceException):
    default_suggestion = "Confirm the sign-up with confirm_sign_up()."


class UserNotFoundException(AuthServiceException):
    default_suggestion = "Check the username, or sign up first."


class UsernameExistsException(AuthServiceException):
    default_suggestion = "Choose another username, or sign in."
