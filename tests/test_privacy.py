import pytest

from disclosures.privacy import mask_personal


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # 18-digit ID numbers: only the county code survives.
        ("技术负责人 黄某,其他,11010519491231002X", "技术负责人 黄某,其他,110105************"),
        ("身份证号：420521199007151234。", "身份证号：420521************。"),
        # Half-masked by the portal, birth year and month still showing.
        ("黄美玲,其他,420521199007******", "黄美玲,其他,420521************"),
        # The old 15-digit form.
        ("证件 110105491231002 已核", "证件 110105********* 已核"),
        # Mobile numbers, bare or grouped.
        ("联系电话13812345678", "联系电话138****5678"),
        ("手机: 139-1234-5678；", "手机: 139****5678；"),
        ("+86 15912345678", "159****5678"),
    ],
)
def test_personal_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_personal(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "统一社会信用代码：91110000600037341L",
        "统一社会信用代码：12420000MB1234567X",
        "标段(包)编号:YCA010035-202502-01",
        "施工员,0422310100048000127",  # a 19-digit certificate number
        "投诉电话0717-2585459",
        "中标价(元):20797381.58",
        "合同金额 13812345678.00 元",  # an amount, not a phone
        "项目编号 992025031512345678",  # no such province code
        "编号 420521199013451234",  # 13th month: not a birth date
        "鄂242151649845",
        "4210221********6030",  # already masked beyond recovery by the portal
    ],
)
def test_near_misses_are_left_alone(text: str) -> None:
    assert mask_personal(text) == text


def test_masked_number_is_unrecognisable() -> None:
    masked = mask_personal("11010519491231002X")
    assert "19491231" not in masked and "002X" not in masked
    assert mask_personal(masked) == masked  # idempotent
