from datetime import datetime

import pytest

from disclosures.normalise import SHANGHAI, NormaliseError, parse_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-24 10:00:00", datetime(2025, 3, 24, 10, 0)),
        ("2025年3月24日", datetime(2025, 3, 24)),
        ("2025年03月24日 09时30分", datetime(2025, 3, 24, 9, 30)),
        ("2025年06月13日 上午10时30分", datetime(2025, 6, 13, 10, 30)),
        ("2025年6月11日下午3时", datetime(2025, 6, 11, 15, 0)),
        ("2025年6月06日10:30（北京时间）", datetime(2025, 6, 6, 10, 30)),
        ("2017年12月8日9：30整", datetime(2017, 12, 8, 9, 30)),
        ("2025/03/24", datetime(2025, 3, 24)),
        ("20250324", datetime(2025, 3, 24)),
        ("二〇二五年三月二十四日", datetime(2025, 3, 24)),
        ("二〇一六年十一月二日", datetime(2016, 11, 2)),
        ("Mar 24 2025", datetime(2025, 3, 24)),  # dateparser's fallback
    ],
)
def test_beijing_time_without_offset(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected.replace(tzinfo=SHANGHAI)
    assert parsed is not None and parsed.utcoffset() is not None


def test_ocds_utc_is_converted_to_shanghai() -> None:
    parsed = parse_datetime("2018-01-18T04:39:51Z")
    assert parsed == datetime(2018, 1, 18, 12, 39, 51, tzinfo=SHANGHAI)
    assert str(parsed.tzinfo) == "Asia/Shanghai"  # type: ignore[union-attr]


def test_millisecond_timestamps_with_dst_offsets() -> None:
    # Two rows of the Dutch permit log, one in summer time and one in winter time.
    summer = parse_datetime("2011-10-11 13:42:22.688000+02:00")
    winter = parse_datetime("2011-12-06 13:41:31.788000+01:00")
    assert summer == datetime(2011, 10, 11, 19, 42, 22, 688000, tzinfo=SHANGHAI)
    assert winter == datetime(2011, 12, 6, 20, 41, 31, 788000, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text", ["2025年13月45日", "2025-02-30", "详见公告", "20251399"])
def test_impossible_dates_are_bad_dates(text: str) -> None:
    with pytest.raises(NormaliseError) as caught:
        parse_datetime(text)
    assert caught.value.code == "bad_date"


@pytest.mark.parametrize("text", ["", "  ", "无", "/", None])
def test_blank_is_none(text: str | None) -> None:
    assert parse_datetime(text) is None
