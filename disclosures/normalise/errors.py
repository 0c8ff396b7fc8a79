"""The one exception every normaliser raises for input it cannot understand."""

from __future__ import annotations


class NormaliseError(ValueError):
    """A value that is present but cannot be read.

    `code` is machine-readable and becomes a reject's reason_code (bad_amount, bad_date,
    bad_limit, bad_rate, ...); `reason` says, for a person, what was wrong with which text.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
