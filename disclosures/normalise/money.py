"""Amounts of money and rates as Chinese procurement notices write them.

Every amount is a `Decimal`: cn2an returns an int for the integer part of 大写 numerals and we
never let a float near money.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import cn2an

from disclosures.normalise.errors import NormaliseError
from disclosures.normalise.text import clean_text

BLANKS = frozenset({"", "无", "/", "-", "--", "—", "——", "\\", "空", "暂无", "null", "none", "n/a"})

UNIT_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "万": Decimal(10000),
    "亿元": Decimal(100000000),
    "亿": Decimal(100000000),
}

# Currency words as they appear before or after a figure, longest first so "港元" is not "元".
_CURRENCIES: tuple[tuple[str, str], ...] = (
    ("人民币", "CNY"),
    ("RMB", "CNY"),
    ("CNY", "CNY"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("美元", "USD"),
    ("USD", "USD"),
    ("US$", "USD"),
    ("$", "USD"),
    ("欧元", "EUR"),
    ("EUR", "EUR"),
    ("港元", "HKD"),
    ("港币", "HKD"),
    ("HKD", "HKD"),
)
_FOREIGN_UNITS = {"USD": "美元", "EUR": "欧元", "HKD": "港元"}
_RATE_WORDS = ("下浮率", "下浮", "折扣率", "折扣", "费率", "优惠率", "让利", "百分比")
_NUMBER = re.compile(
    r"^(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>亿元|万元|千元|元|亿|万)?(?:整|正)?$"
)
_CAPITAL_CHARS = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿一二三四五六七八九十百千两〇元圆角分整正")
_DIGIT_CHARS = dict(
    zip("零壹贰叁肆伍陆柒捌玖一二三四五六七八九两〇", "012345678912345678920", strict=True)
)
# "3905110元（大写：叁佰玖拾万零伍仟壹佰壹拾元）": the figure and its words side by side.
_WORDS_NOTE = re.compile(r"[(（\[【]\s*(?:大写|小写)[^)）\]】]*[)）\]】]$")
# "￥17.26万元（人民币）": the currency named again in brackets after the figure.
_CURRENCY_NOTE = re.compile(r"[(（]\s*(?:人民币|RMB|CNY)\s*[)）]$")
_LABEL_UNIT = re.compile(r"[(（]\s*(亿元|万元|千元|元|%|％)\s*[)）]")


@dataclass(frozen=True)
class Money:
    amount: Decimal  # in whole currency units (元), whatever unit the text used
    currency: str  # ISO 4217
    unit_text: str  # the unit as published or implied by the label: "元", "万元", …


def _fold(text: str) -> str:
    """Entities, full-width digits and symbols (NFKC), and every space removed."""
    text = unicodedata.normalize("NFKC", clean_text(text))
    return re.sub(r"\s+", "", text)


def is_blank(text: str | None) -> bool:
    if text is None:
        return True
    stripped = text.strip()
    # Every blank marker is short; most values are not, and folding them costs time.
    return len(stripped) <= 12 and _fold(stripped).lower() in BLANKS


def looks_like_rate(text: str) -> bool:
    folded = _fold(text)
    return "%" in folded or "‰" in folded or any(w in folded for w in _RATE_WORDS)


def unit_from_label(label: str) -> str | None:
    """The unit a label announces: "中标价(万元)" → "万元", "中标价(%)" → "%"; else None."""
    match = _LABEL_UNIT.search(unicodedata.normalize("NFKC", label))
    if not match:
        return None
    unit = match.group(1)
    return "%" if unit in "%％" else unit


def _strip_currency(text: str) -> tuple[str, str | None]:
    currency = None
    for word, code in _CURRENCIES:
        if text.startswith(word):
            text, currency = text[len(word) :], code
            break
    for word, code in _CURRENCIES:
        if text.endswith(word) and word not in ("$",):
            text, currency = text[: -len(word)], currency or code
            break
    return text.lstrip(":："), currency


def _capital_amount(text: str) -> Decimal:
    """大写 amounts: "壹佰贰拾万元整", "叁佰玖拾万零伍仟壹佰壹拾元伍角"."""
    body = text.rstrip("整正")
    jiao = fen = Decimal(0)
    yuan_part, sep, cents = body.partition("元") if "元" in body else body.partition("圆")
    if not sep:
        yuan_part, cents = body, ""
    if cents:
        match = re.fullmatch(r"(?:零)?(?:(.)角)?(?:零)?(?:(.)分)?", cents)
        if not match or not any(match.groups()):
            raise NormaliseError("bad_amount", f"cannot read the 角/分 part of {text!r}")
        if match.group(1):
            jiao = Decimal(_DIGIT_CHARS.get(match.group(1), "x")) / 10
        if match.group(2):
            fen = Decimal(_DIGIT_CHARS.get(match.group(2), "x")) / 100
    whole = Decimal(0)
    if yuan_part:
        try:
            # cn2an returns an int for integral numerals; str() keeps us off floats.
            whole = Decimal(str(cn2an.cn2an(yuan_part, "normal")))
        except (ValueError, KeyError, IndexError, InvalidOperation) as error:
            raise NormaliseError("bad_amount", f"cannot read the numerals in {text!r}") from error
    return whole + jiao + fen


def parse_amount(text: str | None, default_unit: str = "元") -> Money | None:
    """Read an amount of money; None when nothing is published ("", "无", "/").

    `default_unit` applies when the text carries no unit of its own, typically taken from the
    label ("中标价(万元)": "123.45" → 1234500). Rates (%, 下浮率, 折扣率) are refused with code
    `rate_not_amount`: they go through `parse_rate`. Anything else unreadable raises
    `NormaliseError("bad_amount")`.
    """
    if is_blank(text):
        return None
    assert text is not None
    folded = _fold(text)
    if looks_like_rate(folded):
        raise NormaliseError("rate_not_amount", f"{text!r} is a rate, not an amount")
    folded = _CURRENCY_NOTE.sub("", _WORDS_NOTE.sub("", folded))
    body, currency = _strip_currency(folded)
    body = body.removeprefix("大写").lstrip(":：")
    if default_unit not in UNIT_FACTORS:
        raise ValueError(f"unknown unit {default_unit!r}")
    match = _NUMBER.fullmatch(body)
    if match:
        try:
            number = Decimal(match.group("num").replace(",", ""))
        except InvalidOperation as error:  # pragma: no cover - the regex admits only numbers
            raise NormaliseError("bad_amount", f"cannot read {text!r}") from error
        unit = match.group("unit") or default_unit
    elif body and set(body) <= _CAPITAL_CHARS:
        number = _capital_amount(body)
        unit = "元" if ("元" in body or "圆" in body) else default_unit
    else:
        raise NormaliseError("bad_amount", f"not an amount: {text!r}")
    unit_text = "万元" if unit == "万" else "亿元" if unit == "亿" else unit
    currency = currency or "CNY"
    if currency != "CNY" and unit_text == "元":
        unit_text = _FOREIGN_UNITS[currency]
    return Money(amount=number * UNIT_FACTORS[unit], currency=currency, unit_text=unit_text)


_RATE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def parse_rate(text: str | None, *, assume_percent: bool = False) -> Decimal | None:
    """Read a rate (下浮率 20.50%, 折扣率70%, 百分之五) as a fraction: "20.50%" → 0.205.

    A bare number is a percentage only when `assume_percent` says so (the label read
    "中标价(%)"); otherwise it must already be a fraction (≤ 1), because "97.95" alone could be
    either and guessing would misstate the rate a hundredfold.
    """
    if is_blank(text):
        return None
    assert text is not None
    body = _fold(text)
    for word in _RATE_WORDS:
        body = body.replace(word, "")
    body = body.lstrip(":：为").rstrip("。")
    scale: Decimal | None = None
    if body.startswith("百分之"):
        try:
            return Decimal(str(cn2an.cn2an(body[3:], "smart"))) / 100
        except (ValueError, KeyError, IndexError) as error:
            raise NormaliseError("bad_rate", f"not a rate: {text!r}") from error
    if body.endswith("%"):
        body, scale = body[:-1], Decimal(100)
    elif body.endswith("‰"):
        body, scale = body[:-1], Decimal(1000)
    if not _RATE.match(body):
        raise NormaliseError("bad_rate", f"not a rate: {text!r}")
    value = Decimal(body)
    if scale is None:
        if assume_percent:
            scale = Decimal(100)
        elif abs(value) <= 1:
            scale = Decimal(1)
        else:
            raise NormaliseError("bad_rate", f"{text!r} has no % sign and is not a fraction")
    return value / scale
