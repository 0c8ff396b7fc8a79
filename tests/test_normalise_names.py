import json
from pathlib import Path

import pytest

from disclosures.normalise import (
    check_uscc,
    find_uscc,
    normalise_org_name,
    split_consortium,
    split_role,
)

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
AWARDS = CORPUS / "cn_procurement" / "epoint_yichang" / "award_notices_api.json"


def test_brackets_width_and_invisible_characters() -> None:
    assert (
        normalise_org_name(" 世纪杰皓(湖北)项目管理 有限公司\u200b")
        == "世纪杰皓（湖北）项目管理有限公司"
    )
    assert normalise_org_name("ＡＢＣ科技（武汉）有限公司") == "ABC科技（武汉）有限公司"
    assert normalise_org_name("A公司（联合体牵头人）") == "A公司"


def test_role_notes_are_returned_apart() -> None:
    assert split_role("A公司（联合体牵头人）") == ("A公司", "联合体牵头人")
    assert split_role("B公司(成员)") == ("B公司", "成员")
    # A bracket that is part of the registered name is not a role.
    assert split_role("世纪杰皓（湖北）项目管理有限公司") == (
        "世纪杰皓（湖北）项目管理有限公司",
        None,
    )


@pytest.mark.parametrize(
    ("text", "members"),
    [
        (
            "A公司（联合体牵头人）、B公司（联合体成员）",
            ["A公司（联合体牵头人）", "B公司（联合体成员）"],
        ),
        ("A公司,B公司", ["A公司", "B公司"]),
        ("A公司；B公司", ["A公司", "B公司"]),
        ("联合体：A公司与B公司", ["A公司", "B公司"]),
        ("湖北与时俱进科技有限公司", ["湖北与时俱进科技有限公司"]),
        (
            "中誉恒信（北京）工程咨询有限公司、湖北万泰岩土勘察设计有限公司联合体",
            ["中誉恒信（北京）工程咨询有限公司", "湖北万泰岩土勘察设计有限公司"],
        ),
    ],
)
def test_consortium_members(text: str, members: list[str]) -> None:
    assert split_consortium(text) == members


def test_consortium_cells_of_the_yichang_corpus() -> None:
    if not AWARDS.exists():
        pytest.skip(f"corpus not found at {AWARDS} (it sits beside the repository)")
    from disclosures.extract import notice_fields

    winners = []
    for notice in json.loads(AWARDS.read_text(encoding="utf-8")):
        fields = notice_fields(notice["infocontent"])
        winners += [value for label, value in fields.pairs if label == "中标人"]
    assert len(winners) == 40
    split = {w: split_consortium(w) for w in winners}
    consortia = {w: m for w, m in split.items() if len(m) > 1}
    assert len(consortia) == 9
    assert split["湖北盛荣建设集团有限公司、宜昌三峡广博建筑设计有限公司联合体"] == [
        "湖北盛荣建设集团有限公司",
        "宜昌三峡广博建筑设计有限公司",
    ]
    assert all(m.endswith("公司") for members in split.values() for m in members)


def test_uscc_valid_invalid_and_untouched() -> None:
    assert check_uscc(" 91110000600037341l ") == ("91110000600037341L", True)
    # One character off: kept as published, flagged, never corrected.
    assert check_uscc("91110000600037341M") == ("91110000600037341M", False)
    assert check_uscc("") == ("", False)
    assert find_uscc("某某公司（统一社会信用代码：91110000600037341L）") == "91110000600037341L"
    assert find_uscc("项目编号YCA010035-202502-01") is None
