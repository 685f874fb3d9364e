"""``__all__`` of the errors module is sorted and lists every class it defines (as httpx keeps
its exceptions module)."""

from __future__ import annotations

import inspect

from authpool.domain import errors


def test_errors_all_is_sorted() -> None:
    assert errors.__all__ == sorted(errors.__all__)


def test_every_error_class_is_exported() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and value.__module__ == errors.__name__
    }
    assert set(errors.__all__) == defined


def test_every_exported_name_is_a_cognito_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.CognitoError), name
        assert cls.__doc__ or cls.default_message, f"{name} has neither a docstring nor a message"
