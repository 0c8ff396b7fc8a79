"""Epoint notices of 宜昌市公共资源交易中心 (the corpus) collected end to end and pinned by value.

The corpus's list API answers are served on 127.0.0.1 as an Epoint `getPageInfoListNew` API
and collected by `sunlit collect` in a subprocess into a real DuckDB file. The pinned values
were read from each notice's raw `infocontent` HTML.
"""

from __future__ import annotations

import json
import re
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Collected, LocalServer, Reply, json_reply, run_collect

pytestmark = pytest.mark.slow

API = "/EpointWebBuilder/rest/frontAppCustomAction/getPageInfoListNew"
AWARDS, CANDIDATES = "003001005", "003001004"
# The winner cell of a result notice, read with a regular expression rather than the
# extractor under test: <td class="title">中标人:</td><td ...> name</td>.
WINNER_CELL = re.compile(r">\s*中标人\s*[:：]?\s*</td>\s*<td[^>]*>([^<]*)</td>")
SECTION_CODE = re.compile(
    r"标段[（(]包[)）]编号\s*[:：]?\s*(?:</td>\s*<td[^>]*>|</b>)?\s*([^<\s]+)"
)

# 标段编号 -> (招标人, 招标机构, 中标人 (each member of a consortium), 中标价 in 元 or None,
# 下浮率/费率 as a fraction or None).
PINNED: dict[str, tuple[str, str, tuple[str, ...], str | None, str | None]] = {
    "XSA070002-202402-01(2)": (
        "兴山上源水务有限公司", "世纪杰皓（湖北）项目管理有限公司",
        ("湖北昊源建设工程有限公司",), "20797381.58", None),
    # 中标价(报价承诺): "…含税单价为6400 元/吨（…），总价为3905110 元…": the one total counts.
    "YCA020032-202502-01(2)": (
        "宜昌市标典天然气利用有限公司", "湖北胜捷工程咨询有限责任公司",
        ("中石化石油机械股份有限公司沙市钢管分公司",), "3905110.00", None),
    "YCA010199-202501-01": (
        "宜昌金猇置业有限公司", "湖北五环宏达建设工程项目管理有限公司",
        ("宜昌三峡广博建筑设计有限公司", "湖北盛荣建设集团有限公司"), "180014035.01", None),
    # A fee schedule (设计费折扣率70%, BIM 12元/㎡ …), no total: no amount.
    "YCA010176-202501-01": (
        "宜昌文旅投资开发有限公司", "湖北胜捷工程咨询有限责任公司",
        ("中国中元国际工程有限公司",), None, None),
    "ZGA030009-202501-01": (
        "秭归县交通运输局", "湖北柏晟项目管理有限公司",
        ("宜昌华捷道路勘测设计有限责任公司", "重庆交通大学工程设计研究院有限公司"),
        "3286999.33", None),
    "XSA010017-202501-01": (
        "兴山县汇美程资产管理有限公司", "湖北威曼工程项目管理有限公司",
        ("中誉恒信工程咨询有限公司", "湖北万泰岩土勘察设计有限公司"), None, "0.4923"),
    "ZGA010018-202502-01": (
        "秭归九歌投资开发有限公司", "湖北致丰工程咨询有限公司",
        ("中南建筑设计院股份有限公司", "宜昌天宏建筑工程有限公司"), None, "0.9795"),
    "DJA990007-202501-01": (
        "宜昌点盛投资开发有限公司", "湖北浩嘉工程项目管理有限公司",
        ("宜昌中发电力工程有限公司",), "386156.38", None),
    "ZGA070012-202501-01": (
        "秭归县屈乡交通建设开发有限公司", "湖北致丰工程咨询有限公司",
        ("长江水利水电开发集团（湖北）有限公司",), "595000.00", None),
    "YCA020105-202505-01": (
        "宜昌市猇亭区住房和城乡建设局", "湖北五环宏达建设工程项目管理有限公司",
        ("湖北工建清江建设发展有限公司", "湖北益通建设股份有限公司"), "58093708.41", None),
    "YCA010035-202501-01": (
        "腾越建筑科技集团有限公司", "湖北鼎欣工程咨询有限公司",
        ("湖北文龙景观园艺有限公司",), "4929505.99", None),
    "DYA010015-202501-01": (
        "当阳市沮漳农业投资建设有限公司", "湖北泓阳工程咨询有限公司",
        ("当阳市给排水安装工程有限公司", "湖南城市学院设计研究院有限公司"), None, "0.0303"),
    "YCA010156-202501-01": (
        "内蒙古宜化化工有限公司", "湖北省招标股份有限公司",
        ("武汉佳园环境工程有限公司", "苏州苏沃特环境科技股份有限公司"), "15988000.00", None),
}


def _notices(corpus: Path, name: str) -> list[dict[str, Any]]:
    return list(json.loads((corpus / "cn_procurement/epoint_yichang" / name).read_text("utf-8")))


def epoint_api(lists: dict[str, list[dict[str, Any]]]) -> LocalServer:
    """The corpus notices behind an Epoint list API, paged by pageIndex (from 0) and pageSize."""

    def route(path: str) -> Reply | None:
        parts = urlsplit(path)
        if parts.path != API:
            return None
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        notices = lists.get(query.get("categoryNum", ""))
        if notices is None:
            return None
        size = int(query.get("pageSize", "10"))
        start = int(query.get("pageIndex", "0")) * size
        page = notices[start:start + size]
        return json_reply({"custom": {"count": len(notices), "infodata": page}})

    return LocalServer(route)


@pytest.fixture(scope="module")
def yichang(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Any]:
    awards = _notices(corpus, "award_notices_api.json")
    candidates = _notices(corpus, "candidate_notices_api.json")
    server = epoint_api({AWARDS: awards, CANDIDATES: candidates})
    workdir = tmp_path_factory.mktemp("yichang")
    sources = workdir / "sources.toml"
    block = "delay = 0\nautothrottle = false\n"
    sources.write_text(textwrap.dedent(f"""
        [[source]]
        name = "yichang-awards"
        format = "epoint"
        url = "{server.url}{API}?categoryNum={AWARDS}&pageIndex=0&pageSize=15"
        {block}
        [[source]]
        name = "yichang-candidates"
        format = "epoint"
        url = "{server.url}{API}?categoryNum={CANDIDATES}&pageIndex=0&pageSize=15"
        categories = {{ "{CANDIDATES}" = "candidate_notice" }}
        {block}"""), encoding="utf-8")
    try:
        collected = run_collect(workdir, "--sources", str(sources))
    finally:
        server.stop()
    assert "Traceback" not in collected.output, collected.output
    return {"collected": collected, "awards": awards, "candidates": candidates,
            "requests": server.requests}


def test_the_corpus_is_collected_page_by_page_without_a_reject(yichang) -> None:
    collected: Collected = yichang["collected"]
    assert collected.process.returncode == 0, collected.output
    pages = [p for p in yichang["requests"] if p.startswith(API)]
    assert len(pages) == 3 + 1  # 40 awards in pages of 15, 6 candidates in one
    runs = dict(collected.query("SELECT source, items FROM runs WHERE status = 'ok'"))
    assert runs == {"yichang-awards": 40, "yichang-candidates": 6}
    assert collected.scalar("SELECT count(*) FROM rejects") == 0


def test_every_notice_with_a_winner_gives_its_awards(yichang) -> None:
    winners = [m.group(1).strip() for n in yichang["awards"]
               if (m := WINNER_CELL.search(n["infocontent"])) and m.group(1).strip()]
    # A consortium is one cell: "甲公司、乙公司联合体".
    members = sum(len(w.removesuffix("联合体").split("、")) for w in winners)
    assert len(winners) == 40 and members == 49
    collected: Collected = yichang["collected"]
    awarded = collected.scalar(
        "SELECT count(DISTINCT tender_id) FROM awards WHERE is_current "
        "AND source = 'yichang-awards'")
    assert awarded == len(winners)
    assert collected.scalar("SELECT count(*) FROM awards WHERE is_current") == members


def test_a_dozen_notices_pinned_by_value(yichang) -> None:
    collected: Collected = yichang["collected"]
    names = dict(collected.query("SELECT org_id, name FROM organisations WHERE is_current"))
    tenders = {
        notice_no: (names.get(buyer), names.get(agency))
        for notice_no, buyer, agency in collected.query(
            "SELECT notice_no, buyer_id, agency_id FROM tenders WHERE is_current")
    }
    awards: dict[str, list[tuple[str, Decimal | None, Decimal | None]]] = {}
    for tender_id, supplier, amount, rate in collected.query(
        "SELECT tender_id, supplier_id, amount, discount_rate FROM awards WHERE is_current"
    ):
        awards.setdefault(tender_id, []).append((names[supplier], amount, rate))
    for section, (buyer, agency, winners, amount, rate) in PINNED.items():
        assert tenders[section] == (buyer, agency), section
        found = sorted(awards[f"epoint:{section}"])
        expected = sorted(
            (w, Decimal(amount) if amount else None, Decimal(rate) if rate else None)
            for w in winners
        )
        assert found == expected, section


def test_corpus_sections_of_candidates_and_results_differ_so_no_tender_has_both(yichang) -> None:
    """The corpus's candidate notices (2025-06) and result notices (2025-03) are of different
    sections: no tender joins them. The sample portal's pairs do (tests/test_collect.py)."""
    def sections(notices: list[dict[str, Any]]) -> set[str]:
        return {m.group(1) for n in notices if (m := SECTION_CODE.search(n["infocontent"]))}

    awarded, candidates = sections(yichang["awards"]), sections(yichang["candidates"])
    assert len(awarded) == 40 and len(candidates) == 6
    assert not awarded & candidates
    collected: Collected = yichang["collected"]
    with_bids = {t for (t,) in collected.query("SELECT DISTINCT tender_id FROM bids")}
    assert with_bids == {f"epoint:{s}" for s in candidates}
    # A tender known only from its candidate notice is stored, from that notice.
    assert collected.scalar(
        "SELECT count(*) FROM tenders WHERE is_current AND source = 'yichang-candidates'") == 6
