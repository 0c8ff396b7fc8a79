"""统一社会信用代码 (unified social credit code), checked with python-stdnum."""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import uscc as _uscc

# Letters I, O, Z, S, V never occur in a code, which keeps this from matching most other ids.
USCC_PATTERN = re.compile(
    r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])"
)


def check_uscc(text: str) -> tuple[str, bool]:
    """(code as stored, whether its check digit verifies).

    Full-width characters are folded, spaces and dashes removed, letters upper-cased. An
    invalid code is returned as published and flagged, never corrected: a wrong code is itself
    a fact worth showing, and "fixing" it could attach a record to the wrong organisation.
    """
    code = unicodedata.normalize("NFKC", text)
    code = re.sub(r"[\s\-]", "", code).upper()
    return code, bool(code) and _uscc.is_valid(code)


def find_uscc(text: str) -> str | None:
    """The first thing shaped like a code in a longer text, e.g. a name cell with the code."""
    match = USCC_PATTERN.search(unicodedata.normalize("NFKC", text).upper())
    return match.group(0) if match else None
