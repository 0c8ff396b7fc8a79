"""Each spider cuts real portal pages into the items disclosures.records expects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import make_spider, response_for
from scrapy.http import Request

from collectors.items import PageReject, SourceItem
from collectors.spiders import FORMATS

EPOINT_API = (
    "http://127.0.0.1/EpointWebBuilder/rest/frontAppCustomAction/getPageInfoListNew"
    "?categoryNum=003001005&pageIndex=0&pageSize=20"
)
SECTIONS = ("Collects:", "From:", "Arguments:", "Caveats:")


def split(output: Any) -> tuple[list[SourceItem], list[Request], list[PageReject]]:
    out = list(output)
    return (
        [o for o in out if isinstance(o, SourceItem)],
        [o for o in out if isinstance(o, Request)],
        [o for o in out if isinstance(o, PageReject)],
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_spider_documents_what_where_arguments_and_caveats(fmt: str) -> None:
    doc = FORMATS[fmt].__doc__ or ""
    positions = [doc.find(section) for section in SECTIONS]
    missing = [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert not missing, f"{FORMATS[fmt].__name__} docstring lacks {missing}"
    assert positions == sorted(positions), (
        "sections in the order Collects, From, Arguments, Caveats"
    )
    bodies = re.split("|".join(map(re.escape, SECTIONS)), doc)[1:]
    assert all(body.strip() for body in bodies), "every section says something"


def test_spider_formats_match_the_sources_file_formats() -> None:
    from collectors.sources import FORMATS as SOURCE_FORMATS

    assert set(FORMATS) == set(SOURCE_FORMATS)


# --- Epoint ----------------------------------------------------------------------------------


@pytest.fixture()
def epoint_notices(corpus: Path) -> list[dict[str, Any]]:
    path = corpus / "cn_procurement" / "epoint_yichang" / "award_notices_api.json"
    return json.loads(path.read_text(encoding="utf-8"))


def epoint_page(records: list[dict[str, Any]], count: int, *, as_string: bool = False) -> bytes:
    custom: Any = {"count": count, "infodata": records}
    if as_string:
        custom = json.dumps(custom, ensure_ascii=False)
    return json.dumps({"custom": custom}, ensure_ascii=False).encode("utf-8")


def test_epoint_yields_each_notice_with_its_html_and_list_metadata(epoint_notices) -> None:
    spider = make_spider("epoint", EPOINT_API)
    items, requests, rejects = split(
        spider.parse(response_for(EPOINT_API, epoint_page(epoint_notices[:20], 40)))
    )

    assert len(items) == 20 and not rejects
    first, record = items[0], epoint_notices[0]
    assert first.kind == "award_notice" and first.source == "test-epoint"
    assert first.payload == {
        "source_format": "epoint",
        "title": record["title"],
        "published": record["infodate"],
        "region": "兴山县",
        "region_code": "420526",
        "notice_id": record["infoid"],
        "html": record["infocontent"],
    }
    assert len(first.document_sha256) == 64
    # 40 notices at 20 a page: the first page asks for the second, and only for it.
    assert [r.url for r in requests] == [EPOINT_API.replace("pageIndex=0", "pageIndex=1")]


def test_epoint_later_pages_do_not_fan_out_again(epoint_notices) -> None:
    url = EPOINT_API.replace("pageIndex=0", "pageIndex=1")
    spider = make_spider("epoint", EPOINT_API)
    response = response_for(url, epoint_page(epoint_notices[20:], 40), meta={"sunlit_first": False})
    items, requests, _ = split(spider.parse(response))
    assert len(items) == 20 and requests == []


def test_epoint_unwraps_custom_sent_as_a_json_string(epoint_notices) -> None:
    spider = make_spider("epoint", EPOINT_API)
    body = epoint_page(epoint_notices[:3], 3, as_string=True)
    items, _, rejects = split(spider.parse(response_for(EPOINT_API, body)))
    assert [i.payload["notice_id"] for i in items] == [r["infoid"] for r in epoint_notices[:3]]
    assert not rejects


def test_epoint_candidate_category_gives_candidate_notices(corpus: Path) -> None:
    records = json.loads(
        (corpus / "cn_procurement/epoint_yichang/candidate_notices_api.json").read_text("utf-8")
    )
    url = EPOINT_API.replace("003001005", "003001004")
    spider = make_spider("epoint", url)
    items, _, _ = split(spider.parse(response_for(url, epoint_page(records, len(records)))))
    assert {i.kind for i in items} == {"candidate_notice"} and len(items) == 6


def test_epoint_notice_without_content_is_fetched_from_its_page(epoint_notices) -> None:
    record = {**epoint_notices[0], "infocontent": None}
    spider = make_spider("epoint", EPOINT_API)
    items, requests, _ = split(spider.parse(response_for(EPOINT_API, epoint_page([record], 1))))
    assert items == []
    assert requests[0].url == "http://127.0.0.1" + record["infourl"]
    page = "<html><head><meta charset='gbk'></head><body>中标人：宜昌某公司</body></html>".encode(
        "gbk"
    )
    detail = response_for(requests[0].url, page, content_type="text/html")
    (item,) = requests[0].callback(detail, **requests[0].cb_kwargs)
    assert item.kind == "award_notice" and "宜昌某公司" in item.payload["html"]
    assert item.payload["notice_id"] == record["infoid"]


def test_epoint_categories_add_start_urls_for_missing_categories() -> None:
    spider = make_spider(
        "epoint",
        EPOINT_API,
        categories={"003001005": "award_notice", "003001004": "candidate_notice"},
    )
    urls = spider.start_urls_for_source()
    assert [u.split("categoryNum=")[1][:9] for u in urls] == ["003001005", "003001004"]
    assert spider.kind_of(urls[1]) == "candidate_notice"


def test_a_page_that_is_not_json_is_a_page_reject() -> None:
    spider = make_spider("epoint", EPOINT_API)
    _, requests, (reject,) = split(spider.parse(response_for(EPOINT_API, b"<html>busy</html>")))
    assert reject.reason_code == "bad_page" and reject.reason.startswith("not JSON")
    assert reject.raw == "<html>busy</html>" and requests == []


def test_a_json_page_without_the_record_list_is_a_page_reject() -> None:
    spider = make_spider("epoint", EPOINT_API)
    body = json.dumps({"custom": {"error": "系统繁忙"}}).encode()
    (reject,) = split(spider.parse(response_for(EPOINT_API, body)))[2]
    assert reject.reason == "no list of records at custom.infodata"


def test_page_size_option_rewrites_the_page_size_parameter() -> None:
    spider = make_spider("epoint", EPOINT_API, page_size=50)
    assert spider.start_urls_for_source() == [EPOINT_API.replace("pageSize=20", "pageSize=50")]


# --- OCDS ------------------------------------------------------------------------------------


def ocds_items(spider: Any, *responses: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """What the OCDS spider yields for these pages, then once the crawl is idle."""
    items, follows, rejects = [], [], []
    for response in responses:
        found = split(spider.parse(response))
        items += found[0]
        follows += found[1]
        rejects += found[2]
    emitted = split(spider.emit_records(response_for("data:,", b"{}")))
    return items + emitted[0], follows, rejects + emitted[2]


def test_ocds_yields_each_release_and_follows_next_page(corpus: Path) -> None:
    path = corpus / "ocds/armenia/sample/releases/6.json"
    package = json.loads(path.read_bytes())
    url = "https://armeps.am/ocds/release"
    spider = make_spider("ocds", url)
    items, (follow,), _ = ocds_items(spider, response_for(url, path.read_bytes()))
    assert len(items) == len(package["releases"]) == 100
    assert {i.kind for i in items} == {"ocds_release"}
    first = min(package["releases"], key=lambda r: r["ocid"])
    assert items[0].payload == {"release": first, "release_count": 1}
    assert follow.url == package["next_page"]["uri"]


def test_ocds_follows_links_next_relative_to_the_page() -> None:
    url = "http://127.0.0.1/ocds/releases.json?page=1"
    body = json.dumps(
        {"releases": [{"ocid": "ocds-x-1"}], "links": {"next": "releases.json?page=2"}}
    )
    items, (follow,), _ = ocds_items(make_spider("ocds", url), response_for(url, body.encode()))
    assert follow.url == "http://127.0.0.1/ocds/releases.json?page=2"
    assert items[0].payload == {"release": {"ocid": "ocds-x-1"}, "release_count": 1}


def test_ocds_last_package_requests_nothing_more() -> None:
    url = "http://127.0.0.1/ocds/releases.json?page=9"
    body = json.dumps({"releases": [{"ocid": "ocds-x-9"}], "links": {}}).encode()
    assert ocds_items(make_spider("ocds", url), response_for(url, body))[1] == []


def test_ocds_merges_the_releases_of_one_ocid_with_ocdsmerge() -> None:
    url = "http://127.0.0.1/ocds/releases.json"
    tender = {"ocid": "ocds-x-1", "id": "1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"],
              "tender": {"id": "t", "title": "旧标题", "value": {"amount": 10, "currency": "CNY"}}}
    award = {"ocid": "ocds-x-1", "id": "2", "date": "2024-02-01T00:00:00Z", "tag": ["award"],
             "tender": {"id": "t", "title": "新标题"},
             "awards": [{"id": "a1", "value": {"amount": 9, "currency": "CNY"}}]}
    # Newest first in the file: merging goes by date, not by order of arrival.
    body = json.dumps({"releases": [award, tender]}).encode()
    (item,), _, _ = ocds_items(make_spider("ocds", url), response_for(url, body))
    release = item.payload["release"]
    assert item.payload["release_count"] == 2
    assert release["tender"]["title"] == "新标题" and release["tender"]["value"]["amount"] == 10
    assert release["awards"][0]["id"] == "a1" and release["tag"] == ["award"]


def test_ocds_reads_concatenated_json_gzip_zip_and_latin1() -> None:
    import gzip
    import io
    import zipfile

    url = "http://127.0.0.1/ocds/bulk"
    one = json.dumps({"releases": [{"ocid": "ocds-x-1", "tender": {"title": "Adquisición"}}]})
    two = json.dumps({"ocid": "ocds-x-2", "tender": {"title": "b"}})
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("a.json", one)
        archive.writestr("b.json", two)
    spider = make_spider("ocds", url)
    items, _, rejects = ocds_items(
        spider,
        response_for(url + "/1", (one + "\n" + two).encode()),
        response_for(url + "/2", gzip.compress(one.encode("iso-8859-1"))),
        response_for(url + "/3", packed.getvalue()),
        response_for(url + "/4", b""),
    )
    assert rejects and {r.reason_code for r in rejects} == {"empty_file"}
    assert {i.payload["release"]["ocid"] for i in items} == {"ocds-x-1", "ocds-x-2"}
    titles = {i.payload["release"].get("tender", {}).get("title") for i in items}
    assert "Adquisición" in titles


def test_ocds_since_and_until_keep_releases_of_those_days() -> None:
    url = "http://127.0.0.1/ocds/releases.json"
    releases = [{"ocid": f"ocds-x-{day}", "date": f"2024-03-{day:02d}T10:00:00Z"}
                for day in (1, 10, 20)]
    spider = make_spider("ocds", url, since="2024-03-05", until="2024-03-10")
    items, _, _ = ocds_items(spider, response_for(url, json.dumps({"releases": releases}).encode()))
    assert [i.payload["release"]["ocid"] for i in items] == ["ocds-x-10"]


def test_ocds_follows_linked_releases_on_its_own_host_only() -> None:
    url = "http://127.0.0.1/ocds/records.json"
    record = {"ocid": "ocds-x-1", "releases": [
        {"url": "/ocds/r1.json", "date": "2024-01-01", "tag": ["tender"]},
        {"url": "https://elsewhere.example/r2.json", "date": "2024-02-01", "tag": ["award"]}]}
    spider = make_spider("ocds", url)
    body = json.dumps({"records": [record]}).encode()
    _, follows, rejects = ocds_items(spider, response_for(url, body))
    assert [f.url for f in follows] == ["http://127.0.0.1/ocds/r1.json"]
    assert [r.reason_code for r in rejects] == ["offsite_release"]


# --- the three lists and approvals -----------------------------------------------------------


def test_lists_json_yields_rows_with_their_kind_and_asks_for_every_page(corpus: Path) -> None:
    lines = (corpus / "three_lists/guangdong/items.jsonl").read_text("utf-8").splitlines()[:50]
    rows = [json.loads(line) for line in lines]
    url = "http://127.0.0.1/lists/api/items?kind=power&page=1&pageSize=50"
    body = json.dumps({"total": 120, "page": 1, "pageSize": 50, "items": rows}, ensure_ascii=False)
    items, requests, _ = split(
        make_spider("lists_json", url).parse(response_for(url, body.encode()))
    )
    assert len(items) == 50
    assert items[0].payload == {"list_kind": "power", "row": rows[0]}
    assert [r.url.split("page=")[1] for r in requests] == ["2&pageSize=50", "3&pageSize=50"]


def test_approvals_json_yields_each_case_row() -> None:
    url = "http://127.0.0.1/approvals/api/cases?page=1&pageSize=2"
    cases = [{"办件编号": "A1", "受理时间": "2025-03-01 09:00"}, {"办件编号": "A2"}]
    body = json.dumps({"total": 2, "data": cases}, ensure_ascii=False).encode()
    items, requests, _ = split(make_spider("approvals_json", url).parse(response_for(url, body)))
    assert [i.payload for i in items] == [{"row": cases[0]}, {"row": cases[1]}]
    assert [i.kind for i in items] == ["approval_case"] * 2 and requests == []


def test_without_a_total_the_next_page_is_asked_while_pages_come_back_full() -> None:
    url = "http://127.0.0.1/approvals/api/cases?page=3&pageSize=2"
    full = json.dumps({"data": [{"办件编号": "A1"}, {"办件编号": "A2"}]}).encode()
    short = json.dumps({"data": [{"办件编号": "A3"}]}).encode()
    spider = make_spider("approvals_json", url)
    assert [r.url for r in split(spider.parse(response_for(url, full)))[1]] == [
        url.replace("page=3", "page=4")
    ]
    assert split(spider.parse(response_for(url, short)))[1] == []


# --- CCGP HTML ---------------------------------------------------------------------------------

CCGP_LIST = """<html><head><meta charset="gbk"></head><body>
<ul class="vT_nav_list w760"><li><a href="/zcfg/" title="政策法规">政策法规</a></li></ul>
<ul class="c_list_bid">
<li><a href="./202503/t20250324_101.htm"
 title="宜昌市某医院设备采购项目中标公告">宜昌市某医院设备…</a>
<em>2025-03-24 10:11</em><em>湖北</em><em>宜昌市某医院</em></li>
<li><a href="./202503/t20250323_102.htm">某县道路维修工程成交公告</a><em>2025.03.23</em></li>
</ul>
<p class="pager"><a href="index_1.htm">下一页</a><a href="index_9.htm">尾页</a></p>
</body></html>"""


def test_ccgp_list_page_follows_each_notice_and_the_next_page() -> None:
    url = "http://127.0.0.1/ccgp/cggg/zbgg/index.htm"
    page = response_for(url, CCGP_LIST.encode("gbk"), content_type="text/html")
    _, requests, rejects = split(make_spider("ccgp", url).parse(page))
    assert not rejects
    assert [r.url for r in requests] == [
        "http://127.0.0.1/ccgp/cggg/zbgg/202503/t20250324_101.htm",
        "http://127.0.0.1/ccgp/cggg/zbgg/202503/t20250323_102.htm",
        "http://127.0.0.1/ccgp/cggg/zbgg/index_1.htm",
    ]
    assert requests[0].cb_kwargs["entry"] == {
        "href": "./202503/t20250324_101.htm",
        "title": "宜昌市某医院设备采购项目中标公告",
        "published": "2025-03-24 10:11",
        "region": "湖北",
    }
    assert requests[1].cb_kwargs["entry"]["published"] == "2025.03.23"
    assert requests[1].cb_kwargs["entry"]["region"] is None


def test_ccgp_list_page_without_links_is_a_page_reject() -> None:
    url = "http://127.0.0.1/ccgp/cggg/zbgg/index.htm"
    page = response_for(
        url, "<html><body>系统维护中</body></html>".encode(), content_type="text/html"
    )
    (reject,) = split(make_spider("ccgp", url).parse(page))[2]
    assert reject.reason_code == "bad_page" and reject.kind == "award_notice"


def test_ccgp_notice_page_is_decoded_and_carries_the_list_metadata(corpus: Path) -> None:
    body = (corpus / "cn_procurement/vaccine_pages/yunnan_2016_ccgp.htm").read_bytes()
    url = "http://127.0.0.1/ccgp/cggg/zbgg/201601/t20160120_6448000.htm"
    entry = {
        "href": "x",
        "title": "云南省疾病预防控制中心二类疫苗入围公告",
        "published": "2016-01-20",
        "region": "云南",
    }
    # The server mislabels the page as GBK; its own meta says utf-8, which is right.
    page = response_for(url, body, content_type="text/html; charset=GBK")
    (item,) = make_spider("ccgp", url).parse_detail(page, entry)
    assert item.kind == "award_notice"
    assert item.payload["notice_id"] == "t20160120_6448000"
    assert "云南省疾病预防控制中心" in item.payload["html"]
    assert {k: item.payload[k] for k in ("title", "published", "region", "source_format")} == {
        "title": entry["title"],
        "published": "2016-01-20",
        "region": "云南",
        "source_format": "ccgp",
    }


@pytest.mark.parametrize(
    ("page", "header", "expected"),
    [
        ("yunnan_2016_ccgp.htm", "text/html; charset=GBK", "utf-8"),  # header wrong, meta right
        ("shaanxi_2018_gbk.htm", "text/html; charset=utf-8", "gb18030"),
        ("shaanxi_2018_gbk.htm", "text/html", "gb18030"),
    ],
)
def test_documents_record_the_encoding_the_page_is_decoded_with(
    corpus: Path, page: str, header: str, expected: str
) -> None:
    from collectors.encoding import document_encoding

    body = (corpus / "cn_procurement/vaccine_pages" / page).read_bytes()
    response = response_for("http://127.0.0.1/p.htm", body, content_type=header)
    assert document_encoding(response) == expected


def test_ccgp_gbk_notice_page_is_decoded(corpus: Path) -> None:
    body = (corpus / "cn_procurement/vaccine_pages/shaanxi_2018_gbk.htm").read_bytes()
    url = "http://127.0.0.1/ccgp/t1.htm"
    page = response_for(url, body, content_type="text/html")
    entry = {"href": "x", "title": "t", "published": None, "region": None}
    (item,) = make_spider("ccgp", url).parse_detail(page, entry)
    assert "陕西省" in item.payload["html"] and "\ufffd" not in item.payload["html"]
