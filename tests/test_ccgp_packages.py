"""中国政府采购网 notices with several packages: one award per supplier, with its package's
amount and lot, never the notice total on every supplier; GBK pages through the ccgp spider."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import make_spider, response_for

from disclosures.records import Provenance, build_records

PROV = Provenance(source="ccgp-test", url="http://127.0.0.1/t.htm", document_sha256="0" * 64,
                  fetched_at=datetime(2025, 3, 1, tzinfo=UTC))


def notice(html: str) -> dict[str, Any]:
    return {"source_format": "ccgp", "title": "中标公告", "published": "2016-11-23",
            "region": None, "region_code": None, "notice_id": "t1", "html": html}


def awards_of(html: str) -> list[tuple[str, str | None, Decimal | None, str | None]]:
    built = build_records("award_notice", notice(html), PROV)
    return sorted((a["supplier_id"].removeprefix("name:"), a["lot"], a["amount"],
                   a["amount_text"]) for a in built["awards"])


@pytest.mark.parametrize("index", range(8))
def test_sample_portal_packages_give_each_supplier_its_own_amount(index: int) -> None:
    from disclosures.portal import render
    from disclosures.portal.generator import PortalData

    data = PortalData(60)
    tender = data.tender("ccgp", index)
    expected = sorted(
        (name.removesuffix("联合体"), package, amount)
        for package, winners in data.ccgp_packages(tender)
        for names, amount in winners
        for name in names.split("、")
    )
    found = [(name, lot, amount) for name, lot, amount, _text in
             awards_of(render.ccgp_detail(data, tender, "utf-8"))]
    assert found == [(n, lot, a.quantize(Decimal("0.01"))) for n, lot, a in expected]


def test_a_vaccine_shortlist_keeps_unit_prices_as_text(corpus: Path) -> None:
    page = corpus / "cn_procurement/vaccine_pages/yunnan_2016_ccgp.htm"
    found = awards_of(page.read_text("utf-8"))
    assert len(found) == page.read_text("utf-8").count("&yen;") == 108
    assert ("江苏康淮生物科技有限公司", "1", None, "¥80.00") in found
    assert ("北京科园信海医药经营有限公司", "1", None, "¥199.00") in found
    assert all(amount is None for _n, _l, amount, _t in found)  # 入围价 is per dose


@pytest.mark.parametrize("header", ["text/html; charset=GBK", "text/html; charset=utf-8",
                                    "text/html"])
def test_a_gbk_page_decodes_through_the_ccgp_spider_whatever_its_header(
    corpus: Path, header: str
) -> None:
    body = (corpus / "cn_procurement/vaccine_pages/shaanxi_2018_gbk.htm").read_bytes()
    spider = make_spider("ccgp")
    url = "http://127.0.0.1/ccgp/t20180101_1.htm"
    entry = {"href": url, "title": "陕西省2018年二类疫苗集中采购磋商结果",
             "published": "2018-01-01", "region": None}
    (item,) = list(spider.parse_detail(response_for(url, body, content_type=header), entry))
    assert "陕西省疾病预防控制中心" in item.payload["html"]
    found = awards_of(item.payload["html"])
    assert ("北京科兴生物制品有限公司", "A1", None, "82.00元/支") in found
    assert len({name for name, *_ in found}) > 5
    # Headings spanning the table ("A：甲肝疫苗") are not suppliers.
    assert not any("：" in name for name, *_ in found)
