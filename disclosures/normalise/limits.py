"""Time limits of the three lists and approvals: 法定时限 / 承诺时限."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import cn2an

from disclosures.normalise.errors import NormaliseError
from disclosures.normalise.money import is_blank

Unit = Literal["workday", "calendar_day"]

_IMMEDIATE = {"即办", "即办件", "即时办结", "当场办结", "立即办结", "当即办结"}
_LIMIT = re.compile(
    r"^(?P<n>\d+|[零一二三四五六七八九十百两〇]+)\s*"
    r"[(（]?\s*(?:个)?\s*(?P<unit>工作日|自然日|日历天|日历日|日|天)\s*[)）]?$"
)
_UNITS: dict[str, Unit] = {
    "工作日": "workday",
    "自然日": "calendar_day",
    "日历天": "calendar_day",
    "日历日": "calendar_day",
    # Plain 日/天 in administrative law means calendar days unless 工作日 is said
    # (《行政许可法》 counts its limits in 日 and says 工作日 where it means them).
    "日": "calendar_day",
    "天": "calendar_day",
}


@dataclass(frozen=True)
class TimeLimit:
    value: int
    unit: Unit


def parse_time_limit(text: str | None) -> TimeLimit | None:
    """ "20个工作日", "20(工作日)", "30日", "30个自然日", "即办" (0 workdays); "无" → None."""
    if is_blank(text):
        return None
    assert text is not None
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).rstrip("。")
    if folded in _IMMEDIATE:
        return TimeLimit(0, "workday")
    match = _LIMIT.match(folded)
    if not match:
        raise NormaliseError("bad_limit", f"not a time limit: {text!r}")
    number = match.group("n")
    value = int(number) if number.isdigit() else int(cn2an.cn2an(number, "smart"))
    return TimeLimit(value, _UNITS[match.group("unit")])
