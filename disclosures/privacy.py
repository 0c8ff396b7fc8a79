"""Masking of personal data before anything reaches a published row.

Notices publish the staff a winner proposes, with their ID-card numbers (sometimes half
masked already) and phone numbers; approval cases name natural-person applicants. Sunlit
publishes organisations, not people, so `records.build_records` passes every text field of every
row through `mask_personal`. The raw payload stays unmasked only in the raw archive and in
`rejects`, neither of which is published.

The rules:

- an 18-digit resident ID number (居民身份证号码), or a 15-digit one of the old form, keeps its
  first 6 digits (the issuing county, public knowledge) and every other character becomes "*":
  birth date, sequence and check digit are gone, so the number cannot be recovered or
  matched against another list. A number a portal has already half-masked
  ("420521199007******") is finished off the same way;
- a mainland mobile number (1[3-9] and 9 more digits) keeps its first 3 and last 4 digits:
  138****5678, as Chinese services print them;
- 统一社会信用代码, project numbers, amounts and landlines are left alone: a candidate must
  have a real province code, a plausible birth date and digit boundaries on both sides, and
  an 18-character candidate that is a valid 统一社会信用代码 but not a valid ID number is a code.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric, uscc

# First two digits of every mainland, Hong Kong, Macau and Taiwan ID region code.
_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
_ID18 = re.compile(r"(?<![0-9A-Za-z*])(\d{6})([\d*]{11}[\dXx*])(?![0-9A-Za-z*])")
_ID15 = re.compile(r"(?<![0-9A-Za-z*.])(\d{6})(\d{2})(\d{2})(\d{2})(\d{3})(?![0-9A-Za-z*]|\.\d)")
_DIGIT_RUN = re.compile(
    r"\d{3}[- ]?\d{4}[- ]?\d{4}|\d{6}[\d*]{9}"
)  # nothing shorter can be masked: skip fast
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z.])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9A-Za-z]|\.\d)"
)


def _plausible_birth(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def _mask_id18(match: re.Match[str]) -> str:
    region, rest = match.group(1), match.group(2)
    whole = match.group(0)
    if region[:2] not in _PROVINCES:
        return whole
    if "*" in rest:
        return region + "*" * 12  # already half-masked by the portal: finish the job
    if not _plausible_birth(int(rest[:4]), int(rest[4:6]), int(rest[6:8])):
        return whole
    if uscc.is_valid(whole) and not ric.is_valid(whole):
        return whole
    return region + "*" * 12


def _mask_id15(match: re.Match[str]) -> str:
    region, yy, mm, dd = match.group(1), match.group(2), match.group(3), match.group(4)
    if region[:2] not in _PROVINCES or not _plausible_birth(1900 + int(yy), int(mm), int(dd)):
        return match.group(0)
    return region + "*" * 9


def _mask_mobile(match: re.Match[str]) -> str:
    return f"{match.group(1)}****{match.group(3)}"


def mask_personal(text: str) -> str:
    """Mask ID-card and mobile numbers in a text (see the module docstring for the rule)."""
    if not text or not _DIGIT_RUN.search(text):
        return text
    text = _ID18.sub(_mask_id18, text)
    text = _ID15.sub(_mask_id15, text)
    return _MOBILE.sub(_mask_mobile, text)
