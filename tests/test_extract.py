import codecs
import json
from pathlib import Path

import pytest

from disclosures.extract import decode_html, notice_fields

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
EPOINT = CORPUS / "cn_procurement" / "epoint_yichang"
VACCINES = CORPUS / "cn_procurement" / "vaccine_pages"


def _corpus(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"corpus not found at {path} (it sits beside the repository)")
    return path


def _notices(name: str) -> list[dict[str, str]]:
    return json.loads(_corpus(EPOINT / name).read_text(encoding="utf-8"))


def test_every_award_notice_yields_its_key_fields() -> None:
    notices = _notices("award_notices_api.json")
    assert len(notices) == 40
    for notice in notices:
        fields = notice_fields(notice["infocontent"])
        labels = [label for label, _ in fields.pairs]
        for wanted in ("招标人", "招标机构", "中标人", "标段(包)编号", "公告发布日期"):
            assert wanted in labels, (notice["title"], wanted)
        assert any(label.startswith("中标价") for label in labels), notice["title"]
        assert fields.first("公告发布日期", "x") == notice["infodate"]
        assert len(fields.tables) == 1 and fields.text


def test_first_award_notice_pinned() -> None:
    fields = notice_fields(_notices("award_notices_api.json")[0]["infocontent"])
    assert fields.pairs[:4] == [
        ("招标人", "兴山上源水务有限公司"),
        ("建设地点", "兴山县古夫镇万家湾、夫子及深渡河"),
        ("招标机构", "世纪杰皓（湖北）项目管理有限公司"),
        ("标段(包)编号", "XSA070002-202402-01(2)"),
    ]
    assert fields.first("中标价(元)") == "20797381.58"
    assert fields.first("履约期限(天)") == "730"
    # The watermark script is not text.
    assert "watermark" not in fields.text and "兴山上源水务有限公司" in fields.text


def test_candidate_tables_with_spans_expanded() -> None:
    notices = _notices("candidate_notices_api.json")
    fields = notice_fields(notices[2]["infocontent"])
    grid = fields.tables[0]
    # "名 次" spans two columns: the grid repeats it so the values line up by column.
    assert grid[0] == ["名 次", "名 次", "第一名", "第二名", "第三名"]
    assert grid[2][2:] == ["1799255.53", "1809900.75", "1801325.31"]
    # The 业绩 table's rowspan carries the company down to the rows it covers.
    record_table = fields.tables[1]
    assert record_table[1][:2] == record_table[2][:2]
    assert record_table[2][0] == "业绩" and record_table[3][1] != record_table[2][1]
    # The lot number is a "label：value" line above the tables.
    assert ("标段（包）编号", "YAA990015-202501-03") in fields.pairs
    assert ("招标人", "远安县自然资源和规划局") in fields.pairs  # "1.招标人：" numbering dropped


def test_every_candidate_notice_has_a_lot_and_a_candidate_table() -> None:
    for notice in _notices("candidate_notices_api.json"):
        fields = notice_fields(notice["infocontent"])
        assert fields.first("标段（包）编号"), notice["title"]
        assert any(row and row[0] == "中标候选人名称" for t in fields.tables for row in t)


def test_gbk_vaccine_page_decodes_and_keeps_its_tables() -> None:
    body = _corpus(VACCINES / "shaanxi_2018_gbk.htm").read_bytes()
    # The server says utf-8; the page's meta says gb2312; the bytes are GBK.
    text, encoding = decode_html(body, "utf-8")
    assert encoding == "gb18030"
    fields = notice_fields(text)
    results = max(fields.tables, key=len)
    assert results[0] == ["包", "名称", "规格及包装", "入围单位", "成交单价", "备注"]
    assert results[2][3:5] == ["北京科兴生物制品有限公司", "82.00元/支"]
    # rowspan=2: the second supplier of lot A1 inherits the lot and product.
    assert results[3][:1] == ["A1"] and results[3][3] == "江苏康淮生物科技有限公司"
    assert "陕西省2018年二类疫苗集中采购项目竞争性磋商大会" in fields.text


def test_ccgp_vaccine_page() -> None:
    text, encoding = decode_html(_corpus(VACCINES / "yunnan_2016_ccgp.htm").read_bytes(), None)
    assert encoding == "utf-8"
    fields = notice_fields(text)
    assert fields.first("采购人") == "云南省疾病预防控制中心"
    assert fields.first("代理机构") == "云南蓝本招标咨询有限公司"
    assert fields.first("招标编号") == "YNLB201601101"  # in brackets inside a sentence
    assert fields.first("联系人") == "王志芃"  # written "联 系人："
    table = fields.tables[0]
    assert table[0] == ["剂型序号", "名称", "入围候选人名称", "入围价（元）"]
    assert table[1][2:] == ["江苏康淮生物科技有限公司", "¥80.00"]  # &yen; unescaped
    assert table[2][0] == "1"  # rowspan=3 carried down


def test_header_table_with_one_row_is_a_record() -> None:
    html = (
        "<table><tr><th>序号</th><th>中标供应商名称</th><th>中标金额</th></tr>"
        "<tr><td>1</td><td>甲公司</td><td>100万元</td></tr></table>"
    )
    assert notice_fields(html).pairs == [
        ("序号", "1"),
        ("中标供应商名称", "甲公司"),
        ("中标金额", "100万元"),
    ]


def test_lines_breaks_and_hostile_input() -> None:
    fields = notice_fields("<p>项目编号：A-1 采购方式：公开招标</p><p>金额<br>12<br>34</p>")
    assert fields.pairs == [("项目编号", "A-1"), ("采购方式", "公开招标")]
    assert "12\n34" in fields.text
    assert notice_fields("").pairs == []
    assert notice_fields("<?xml version='1.0' encoding='utf-8'?><p>a：b</p>").pairs == [("a", "b")]
    assert notice_fields("<table><tr><td rowspan='x' colspan='99999'>a</td></tr>").tables


@pytest.mark.parametrize(
    ("body", "declared", "text", "encoding"),
    [
        (codecs.BOM_UTF8 + "中标".encode(), "gbk", "中标", "utf-8"),
        (
            '<meta charset="gb2312">中标'.encode("gbk"),
            "utf-8",
            '<meta charset="gb2312">中标',
            "gb18030",
        ),
        ("中标".encode("gbk"), "GBK", "中标", "gb18030"),
        ("中标".encode("gbk"), "utf-8", "中标", "gb18030"),  # mislabelled body
        ("中标".encode(), None, "中标", "utf-8"),
        ("𠀀".encode("gb18030"), "gb2312", "𠀀", "gb18030"),  # beyond GB2312, within GB18030
    ],
)
def test_decode_html(body: bytes, declared: str | None, text: str, encoding: str) -> None:
    assert decode_html(body, declared) == (text, encoding)


def test_undecodable_body_is_replaced_not_refused() -> None:
    text, encoding = decode_html(b"abc \xfd\xfe" + bytes([0x81, 0x20]), "ascii")
    assert "abc" in text and encoding
