from decimal import Decimal

import pytest

from disclosures.normalise import NormaliseError, parse_amount, parse_rate, unit_from_label


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("1234567.89", "1234567.89", "元"),
        ("1,234,567.89元", "1234567.89", "元"),
        ("123.4567万元", "1234567", "万元"),
        ("¥80.00万元", "800000", "万元"),
        ("￥17.260000万元（人民币）", "172600", "万元"),
        ("&yen;80.00", "80.00", "元"),
        ("１，２３４．５０元", "1234.50", "元"),
        ("壹佰贰拾万元整", "1200000", "元"),
        ("人民币伍拾万元整", "500000", "元"),
        ("壹万元伍角贰分", "10000.52", "元"),
        ("3905110元（大写：叁佰玖拾万零伍仟壹佰壹拾元）", "3905110", "元"),
        (" 595000.00元 ", "595000.00", "元"),
    ],
)
def test_amounts_in_yuan(text: str, amount: str, unit: str) -> None:
    money = parse_amount(text)
    assert money is not None
    assert money.amount == Decimal(amount)
    assert isinstance(money.amount, Decimal)
    assert money.currency == "CNY"
    assert money.unit_text == unit


def test_unit_given_by_the_label() -> None:
    unit = unit_from_label("中标价(万元)")
    assert unit == "万元"
    money = parse_amount("123.45", default_unit=unit)
    assert money is not None and money.amount == Decimal("1234500.00")
    # A unit written in the value wins over the label's.
    money = parse_amount("500元", default_unit="万元")
    assert money is not None and money.amount == Decimal(500)


def test_label_units() -> None:
    assert unit_from_label("中标价（元）") == "元"
    assert unit_from_label("中标价(%)") == "%"
    assert unit_from_label("中标价(报价承诺)") is None


@pytest.mark.parametrize("text", ["", "  ", "无", "/", "—", None])
def test_nothing_published_is_none(text: str | None) -> None:
    assert parse_amount(text) is None


@pytest.mark.parametrize("text", ["详见附件", "12元/吨左右", "按收费标准计取"])
def test_garbage_is_a_bad_amount(text: str) -> None:
    with pytest.raises(NormaliseError) as caught:
        parse_amount(text)
    assert caught.value.code == "bad_amount"


@pytest.mark.parametrize("text", ["下浮率20.50%", "3.03%", "折扣率70%"])
def test_a_rate_is_never_an_amount(text: str) -> None:
    with pytest.raises(NormaliseError) as caught:
        parse_amount(text)
    assert caught.value.code == "rate_not_amount"


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("下浮率20.50%", "0.205"),
        ("3.03%", "0.0303"),
        ("折扣率70%", "0.70"),
        ("百分之五", "0.05"),
        ("0.15", "0.15"),
        ("５‰", "0.005"),
    ],
)
def test_rates_as_fractions(text: str, fraction: str) -> None:
    assert parse_rate(text) == Decimal(fraction)


def test_a_bare_percentage_needs_the_label_to_say_so() -> None:
    assert parse_rate("97.95", assume_percent=True) == Decimal("0.9795")
    with pytest.raises(NormaliseError) as caught:
        parse_rate("97.95")
    assert caught.value.code == "bad_rate"
    assert parse_rate("无") is None
