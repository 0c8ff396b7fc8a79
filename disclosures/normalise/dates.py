"""Dates and times as portals publish them, returned timezone-aware in Asia/Shanghai.

Regular expressions and `datetime` handle the handful of formats that make up nearly every
value; `dateparser` is the fallback for the rest. It is the fallback, not the first try,
because it costs about a millisecond a call and a collection run parses dates on 100k+ records.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import cn2an
import dateparser

from disclosures.normalise.errors import NormaliseError
from disclosures.normalise.money import is_blank

SHANGHAI = ZoneInfo("Asia/Shanghai")

_DATEPARSER_SETTINGS = {
    "DATE_ORDER": "YMD",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TIMEZONE": "Asia/Shanghai",
    "TO_TIMEZONE": "Asia/Shanghai",
    "STRICT_PARSING": True,
    "PREFER_DAY_OF_MONTH": "first",
}

_OFFSET = r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?"
_TIME = (
    r"(?:[ T]*(?P<h>\d{1,2})[:：时点](?P<mi>\d{1,2})?分?"
    r"(?:[:：](?P<s>\d{1,2})(?:\.(?P<frac>\d{1,6})\d*)?秒?)?)?"
)
_NUMERIC = re.compile(
    r"^(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME + _OFFSET + "$"
)
_CHINESE = re.compile(r"^(?P<y>\d{4})年(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号]?" + _TIME + "$")
_COMPACT = re.compile(
    r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?:(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})?)?$"
)
# 二〇二五年三月二十四日: year digit by digit, month and day as counted numerals.
_NUMERAL_DATE = re.compile(
    r"^([〇零○一二三四五六七八九]{4})年"
    r"([一二三四五六七八九十]{1,3})月"
    r"([一二三四五六七八九十]{1,4})[日号]$"
)
_YEAR_DIGITS = dict(zip("〇零○一二三四五六七八九", "000123456789", strict=True))


def _tz(text: str | None) -> timezone | ZoneInfo:
    if not text:
        return SHANGHAI
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(parts: dict[str, str | None], original: str) -> datetime:
    def num(key: str) -> int:
        value = parts.get(key)
        return int(value) if value else 0

    frac = (parts.get("frac") or "").ljust(6, "0")
    try:
        moment = datetime(
            num("y"),
            num("mo"),
            num("d"),
            num("h"),
            num("mi"),
            num("s"),
            int(frac),
            tzinfo=_tz(parts.get("tz")),
        )
    except ValueError as error:
        raise NormaliseError("bad_date", f"impossible date {original!r}: {error}") from error
    return moment.astimezone(SHANGHAI)


def _numeral_date(match: re.Match[str], original: str) -> datetime:
    """Hand conversion, because dateparser reads only Arabic digits in Chinese dates.

    Its zh locale knows 年/月/日 and month names but has no numeral parser, so
    "二〇二五年三月二十四日" comes back as None. The year is written digit by digit (〇 is zero),
    so it is mapped character by character; month and day are counted numerals (二十四),
    which cn2an reads.
    """
    year = "".join(_YEAR_DIGITS[c] for c in match.group(1))
    month = str(cn2an.cn2an(match.group(2), "smart"))
    day = str(cn2an.cn2an(match.group(3), "smart"))
    return _build({"y": year, "mo": month, "d": day}, original)


def parse_datetime(text: str | None) -> datetime | None:
    """Parse a published date or date-time; None for blank, NormaliseError("bad_date") else.

    A value without an offset is Beijing time. A value with one (OCDS "…Z", the Dutch log's
    "+02:00") is converted to Asia/Shanghai, so every stored time compares directly.
    """
    if is_blank(text):
        return None
    assert text is not None
    folded = unicodedata.normalize("NFKC", text).strip()
    folded = re.sub(r"\s+", " ", folded)
    folded = re.sub(r"\s*\(北京时间\)|整$", "", folded)
    # 上午/下午 (am/pm) sit between date and time; read them here so the fast paths stay simple.
    afternoon = re.search(r"(下午|晚上|晚)\s*(?=\d)", folded) is not None
    folded = re.sub(r"(上午|下午|中午|晚上|早上|凌晨|晚)\s*(?=\d)", " ", folded)
    for pattern in (_NUMERIC, _CHINESE, _COMPACT):
        match = pattern.match(folded)
        if match:
            parts = match.groupdict()
            if afternoon and parts.get("h") and int(parts["h"] or 0) < 12:
                parts["h"] = str(int(parts["h"] or 0) + 12)
            return _build(parts, text)
    match = _NUMERAL_DATE.match(folded.replace(" ", ""))
    if match:
        return _numeral_date(match, text)
    try:
        iso = datetime.fromisoformat(folded)
    except ValueError:
        pass
    else:
        return (iso if iso.tzinfo else iso.replace(tzinfo=SHANGHAI)).astimezone(SHANGHAI)
    parsed = dateparser.parse(folded, languages=["zh", "en"], settings=_DATEPARSER_SETTINGS)
    if parsed is None:
        raise NormaliseError("bad_date", f"not a date: {text!r}")
    return parsed.astimezone(SHANGHAI)
