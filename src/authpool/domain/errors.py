"""Errors of the user-pool domain, one class per Cognito exception, named as its wire ``__type``.

Only :mod:`authpool.wire` renders them (``{"__type": code, "message": message}`` with ``status``).

Exception tree::

    CognitoError
    ├── InternalErrorException                 (status 500)
    └── ClientError                            (status 400)
        ├── AuthError
        │   ├── ForbiddenException
        │   ├── NotAuthorizedException
        │   ├── PasswordResetRequiredException
        │   ├── UnauthorizedException
        │   ├── UserNotConfirmedException
        │   └── UserNotFoundException
        ├── CodeError
        │   ├── CodeDeliveryFailureException
        │   ├── CodeMismatchException
        │   ├── ExpiredCodeException
        │   └── TooManyFailedAttemptsException
        ├── LambdaError
        │   ├── InvalidLambdaResponseException
        │   ├── UnexpectedLambdaException
        │   └── UserLambdaValidationException
        ├── ThrottlingError
        │   ├── LimitExceededException
        │   └── TooManyRequestsException
        └── every other Cognito client error (AliasExistsException, InvalidParameterException,
            InvalidPasswordException, ResourceNotFoundException, UsernameExistsException, …)
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AliasExistsException",
    "AuthError",
    "ClientError",
    "CodeDeliveryFailureException",
    "CodeError",
    "CodeMismatchException",
    "CognitoError",
    "ConcurrentModificationException",
    "DeviceKeyExistsException",
    "EnableSoftwareTokenMFAException",
    "ExpiredCodeException",
    "ForbiddenException",
    "GroupExistsException",
    "InternalErrorException",
    "InvalidEmailRoleAccessPolicyException",
    "InvalidLambdaResponseException",
    "InvalidParameterException",
    "InvalidPasswordException",
    "InvalidSmsRoleAccessPolicyException",
    "InvalidUserPoolConfigurationException",
    "LambdaError",
    "LimitExceededException",
    "MFAMethodNotFoundException",
    "NotAuthorizedException",
    "PasswordHistoryPolicyViolationException",
    "PasswordResetRequiredException",
    "PreconditionNotMetException",
    "RefreshTokenReuseException",
    "ResourceNotFoundException",
    "SoftwareTokenMFANotFoundException",
    "ThrottlingError",
    "TooManyFailedAttemptsException",
    "TooManyRequestsException",
    "UnauthorizedException",
    "UnexpectedLambdaException",
    "UnsupportedOperationException",
    "UnsupportedTokenTypeException",
    "UnsupportedUserStateException",
    "UserLambdaValidationException",
    "UserNotConfirmedException",
    "UserNotFoundException",
    "UsernameExistsException",
]


class CognitoError(Exception):
    """Base of every error the domain raises on purpose. ``code`` is the wire ``__type``."""

    status: ClassVar[int] = 400
    default_message: ClassVar[str] = ""

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)

    @property
    def code(self) -> str:
        return type(self).__name__


class ClientError(CognitoError):
    """The caller's request cannot be carried out as asked (HTTP 400)."""


class AuthError(ClientError):
    """Who the caller is, or what state the user is in, forbids the request."""


class CodeError(ClientError):
    """A one-time code could not be sent, or did not match."""


class LambdaError(ClientError):
    """A trigger failed, timed out or answered badly."""


class ThrottlingError(ClientError):
    """A rate limit or an attempt limit was reached."""


class AliasExistsException(ClientError):
    default_message = "An account with the given email already exists."


class CodeDeliveryFailureException(CodeError):
    default_message = "Unable to deliver the message."


class CodeMismatchException(CodeError):
    default_message = "Invalid verification code provided, please try again."


class ConcurrentModificationException(ClientError):
    """Cognito's ConcurrentModificationException."""


class DeviceKeyExistsException(ClientError):
    """Cognito's DeviceKeyExistsException."""


class EnableSoftwareTokenMFAException(ClientError):
    """Cognito's EnableSoftwareTokenMFAException."""


class ExpiredCodeException(CodeError):
    default_message = "Invalid code provided, please request a code again."


class ForbiddenException(AuthError):
    """Cognito's ForbiddenException."""


class GroupExistsException(ClientError):
    """Cognito's GroupExistsException."""


class InternalErrorException(CognitoError):
    status = 500
    default_message = "An internal error occurred."


class InvalidEmailRoleAccessPolicyException(ClientError):
    """Cognito's InvalidEmailRoleAccessPolicyException."""


class InvalidLambdaResponseException(LambdaError):
    """Cognito's InvalidLambdaResponseException."""


class InvalidParameterException(ClientError):
    default_message = "Invalid parameter."


class InvalidPasswordException(ClientError):
    default_message = "Password does not conform to policy."


class InvalidSmsRoleAccessPolicyException(ClientError):
    """Cognito's InvalidSmsRoleAccessPolicyException."""


class InvalidUserPoolConfigurationException(ClientError):
    """Cognito's InvalidUserPoolConfigurationException."""


class LimitExceededException(ThrottlingError):
    default_message = "Attempt limit exceeded, please try after some time."


class MFAMethodNotFoundException(ClientError):
    """Cognito's MFAMethodNotFoundException."""


class NotAuthorizedException(AuthError):
    default_message = "Incorrect username or password."


class PasswordHistoryPolicyViolationException(ClientError):
    """Cognito's PasswordHistoryPolicyViolationException."""


class PasswordResetRequiredException(AuthError):
    default_message = "Password reset required for the user"


class PreconditionNotMetException(ClientError):
    """Cognito's PreconditionNotMetException."""


class RefreshTokenReuseException(ClientError):
    """Cognito's RefreshTokenReuseException."""


class ResourceNotFoundException(ClientError):
    default_message = "The requested resource was not found."


class SoftwareTokenMFANotFoundException(ClientError):
    """Cognito's SoftwareTokenMFANotFoundException."""


class TooManyFailedAttemptsException(CodeError):
    default_message = "Too many failed attempts."


class TooManyRequestsException(ThrottlingError):
    default_message = "Too many requests."


class UnauthorizedException(AuthError):
    """Cognito's UnauthorizedException."""


class UnexpectedLambdaException(LambdaError):
    """Cognito's UnexpectedLambdaException."""


class UnsupportedOperationException(ClientError):
    default_message = "This operation is not supported."


class UnsupportedTokenTypeException(ClientError):
    """Cognito's UnsupportedTokenTypeException."""


class UnsupportedUserStateException(ClientError):
    """Cognito's UnsupportedUserStateException."""


class UserLambdaValidationException(LambdaError):
    """Cognito's UserLambdaValidationException."""


class UserNotConfirmedException(AuthError):
    default_message = "User is not confirmed."


class UserNotFoundException(AuthError):
    default_message = "User does not exist."


class UsernameExistsException(ClientError):
    default_message = "User already exists"
