"""Errors raised by the domain rules.

Every refusal carries a stable machine-readable ``code`` (the same strings the central
index returns in its JSON errors, PRODUCT.md §7–§8) and a ``message`` written for the
practitioner who will read it. Callers never show tracebacks; they show ``message``.
"""

from __future__ import annotations


class DomainError(Exception):
    """An expected refusal: bad input or an action the rules do not allow."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r})"


class ValidationError(DomainError):
    """A value that breaks a validation rule (NHS number, postcode, date of birth, …)."""
