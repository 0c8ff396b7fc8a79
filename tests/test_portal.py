"""The sample portal: deterministic bytes, complete paging, valid OCDS, GBK pages, planted
defects present (and only those), and pages of a million-record portal built on demand."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from stdnum.cn import ric, uscc

from disclosures.portal import (
    PortalData,
    entry_points,
    planted_defects,
    planted_flags,
    start_portal,
)
from disclosures.portal.generator import award_infoid, candidate_infoid, defect_plan
from disclosures.portal.server import Portal, PortalApp

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
OCDS_SCHEMAS = SHARED / "schemas" / "ocds-1.1.5"
SIZE = 120
ALL_CODES = {
    "missing_amount", "bad_date", "duplicate", "correction", "personal_id", "single_bid",
    "short_bidding_period", "identical_prices", "mislabelled_charset", "invalid_uscc",
    "promise_exceeds_statute", "unknown_item", "limit_mismatch", "overdue",
}


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def fetch_json(url: str) -> Any:
    status, _, body = fetch(url)
    assert status == 200, url
    return json.loads(body)


@pytest.fixture(scope="module")
def portal() -> Iterator[Portal]:
    with start_portal(size=SIZE, seed=7) as running:
        yield running


def epoint_records(portal: Portal, category: str) -> list[tuple[int, dict[str, Any]]]:
    """Every (page, record) of an Epoint category, paged as a collector would."""
    url = entry_points(portal.url)["epoint_awards"]
    assert isinstance(url, str)
    url = url.replace("003001005", category)
    records: list[tuple[int, dict[str, Any]]] = []
    page = 0
    while True:
        custom = fetch_json(url.replace("pageIndex=0", f"pageIndex={page}"))["custom"]
        if not custom["infodata"]:
            assert len(records) == custom["count"]
            return records
        records += [(page, record) for record in custom["infodata"]]
        page += 1


@pytest.fixture(scope="module")
def awards(portal: Portal) -> list[tuple[int, dict[str, Any]]]:
    return epoint_records(portal, "003001005")


@pytest.fixture(scope="module")
def candidates(portal: Portal) -> list[tuple[int, dict[str, Any]]]:
    return epoint_records(portal, "003001004")


def paged(url: str, key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = fetch_json(re.sub(r"page=\d+", f"page={page}", url))
        if not body[key]:
            assert len(items) == body["total"]
            return items
        items += body[key]
        page += 1


def ocds_packages(portal: Portal) -> list[dict[str, Any]]:
    url: str | None = f"{portal.url}/ocds/releases.json?page=1"
    packages = []
    while url:
        packages.append(fetch_json(url))
        url = packages[-1].get("links", {}).get("next")
    return packages


def cell(content: str, label: str) -> str | None:
    match = re.search(re.escape(label) + r'</td>\s*<td class="contenttd"[^>]*>(.*?)</td>',
                      content, re.S)
    return None if match is None else match.group(1).strip()


def defects_of(code: str, size: int = SIZE) -> list[Any]:
    return [d for d in planted_defects(size, 7) if d.code == code]


# ---- determinism and paging ------------------------------------------------------------------


def test_same_seed_serves_the_same_bytes_and_another_seed_does_not() -> None:
    targets = [
        "/EpointWebBuilder/rest/frontAppCustomAction/getPageInfoListNew"
        "?categoryNum=003001005&pageIndex=1&pageSize=20",
        "/EpointWebBuilder/rest/frontAppCustomAction/getPageInfoListNew"
        "?categoryNum=003001004&pageIndex=0&pageSize=20",
        "/ccgp/cggg/zbgg/index_1.htm", "/ocds/releases.json?page=2",
        "/lists/api/items?kind=power&page=1&pageSize=50", "/approvals/api/cases?page=2&pageSize=50",
    ]
    first, again = PortalApp(PortalData(SIZE, 7)), PortalApp(PortalData(SIZE, 7))
    other = PortalApp(PortalData(SIZE, 8))
    for target in targets:
        body = first.handle("GET", target, "127.0.0.1:1").body
        assert body == again.handle("GET", target, "127.0.0.1:1").body, target
        assert body != other.handle("GET", target, "127.0.0.1:1").body, target
    # And over HTTP, from two servers: the bodies carry no trace of the port.
    with start_portal(SIZE, 7) as one, start_portal(SIZE, 7) as two:
        for target in targets[:3]:
            assert fetch(one.url + target)[2] == fetch(two.url + target)[2]


def test_award_list_pages_every_notice_once_except_the_planted_duplicate(
        portal: Portal, awards: list[tuple[int, dict[str, Any]]]) -> None:
    data = PortalData(SIZE, 7)
    seen = Counter(record["infoid"] for _, record in awards)
    expected = {award_infoid(data, "notice", i) for i in range(SIZE)}
    expected.add(award_infoid(data, "correction", data.plan.correction_of or 0))
    assert set(seen) == expected
    (duplicate,) = defects_of("duplicate")
    assert {k for k, n in seen.items() if n > 1} == {duplicate.record_key}
    copies = [(page, record) for page, record in awards if record["infoid"] == duplicate.record_key]
    assert copies[0][0] != copies[1][0]  # on two different pages
    assert copies[0][1] == copies[1][1]  # with the same content


def test_award_list_is_newest_first_and_has_the_corpus_fields(
        awards: list[tuple[int, dict[str, Any]]]) -> None:
    (duplicate,) = defects_of("duplicate")
    (bad,) = defects_of("bad_date")
    ordered = []
    seen_duplicate = False
    for _, record in awards:
        if record["infoid"] == bad.record_key:
            continue
        if record["infoid"] == duplicate.record_key:
            if seen_duplicate:
                continue  # the second copy is out of place by design
            seen_duplicate = True
        ordered.append(record["pubinwebdate"])
    assert len(ordered) == len(awards) - 2
    assert ordered == sorted(ordered, reverse=True)
    if not CORPUS.is_dir():
        pytest.skip("the real-world corpus is not beside the repository")
    corpus = json.loads((CORPUS / "cn_procurement/epoint_yichang/award_notices_api.json")
                        .read_text(encoding="utf-8"))
    assert set(awards[0][1]) == set(corpus[0]) | {"linkurl"}


def test_every_listing_pages_each_record_exactly_once(portal: Portal) -> None:
    points = entry_points(portal.url)
    data = PortalData(SIZE, 7)
    for kind in ("power", "responsibility", "negative"):
        items = paged(str(points[f"lists_{kind}"]), "items")
        assert len(items) == data.list_count
        assert len({item["事项编码"] for item in items}) == len(items)
    cases = paged(str(points["approvals"]), "data")
    assert len(cases) == data.approval_count == 2 * SIZE
    assert len({case["办件编号"] for case in cases}) == len(cases)
    accepted = [case["受理时间"] for case in cases]
    assert accepted == sorted(accepted, reverse=True)
    releases = [r for p in ocds_packages(portal) for r in p["releases"]]
    assert len({r["ocid"] for r in releases}) == len(releases) == data.ocds_count == SIZE // 2


def ccgp_pages(portal: Portal) -> list[tuple[str, dict[str, str], bytes]]:
    """Every CCGP detail page, following the list pages' 下一页 links."""
    url: str | None = f"{portal.url}/ccgp/cggg/zbgg/index.htm"
    details = []
    while url:
        status, _, body = fetch(url)
        assert status == 200
        page = body.decode("utf-8")
        details += re.findall(r'<li><a href="\./([^"]+)"', page)
        following = re.search(r'<a href="([^"]+)">下一页</a>', page)
        url = f"{portal.url}/ccgp/cggg/zbgg/{following.group(1)}" if following else None
    assert len(details) == len(set(details)) == SIZE // 3
    pages = []
    for detail in details:
        status, headers, body = fetch(f"{portal.url}/ccgp/cggg/zbgg/{detail}")
        assert status == 200
        pages.append((f"/ccgp/cggg/zbgg/{detail}", headers, body))
    return pages


def test_ccgp_pages_are_utf8_or_gbk_and_the_planted_ones_are_mislabelled(portal: Portal) -> None:
    planted = {d.record_key for d in defects_of("mislabelled_charset")}
    gbk = []
    for path, headers, body in ccgp_pages(portal):
        declared = re.search(r"charset=([\w-]+)", headers["Content-Type"])
        if b"charset=gb2312" in body:
            gbk.append(path)
            text = body.decode("gbk")
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
            header = declared.group(1).upper() if declared else None
            assert (header != "GBK") == (path in planted), path
        else:
            text = body.decode("utf-8")
            assert declared and declared.group(1).upper() == "UTF-8"
        assert "中标供应商" in text and "采购代理机构" in text
        assert re.search(r"(&yen;|￥)[\d.,]+(万)?元", text)
        assert 'rowspan="' in text
    assert planted <= set(gbk)
    assert len(gbk) >= (SIZE // 3) // 3
    headers_of = {path: h.get("Content-Type") for path, h, _ in ccgp_pages(portal)}
    assert sorted(headers_of[p] for p in planted) == ["text/html", "text/html; charset=UTF-8"]


def test_ocds_packages_validate_against_the_release_package_schema(portal: Portal) -> None:
    if not OCDS_SCHEMAS.is_dir():
        pytest.skip("the OCDS 1.1.5 schemas are not beside the repository")
    import jsonschema
    from referencing import Registry, Resource

    release_schema = json.loads((OCDS_SCHEMAS / "release-schema.json").read_text())
    package_schema = json.loads((OCDS_SCHEMAS / "release-package-schema.json").read_text())
    registry = Registry().with_resource(
        "https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
        Resource.from_contents(release_schema))
    validator = jsonschema.Draft4Validator(package_schema, registry=registry,
                                           format_checker=jsonschema.FormatChecker())
    packages = ocds_packages(portal)
    assert len(packages) == 3
    for package in packages:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]
        assert errors == []
        assert package["version"] == "1.1"
    assert packages[0]["links"]["next"] == f"{portal.url}/ocds/releases.json?page=2"
    assert "links" not in packages[-1]
    release = packages[0]["releases"][0]
    assert release["ocid"].startswith("ocds-sunlit-")
    roles = {role for party in release["parties"] for role in party["roles"]}
    assert {"buyer", "procuringEntity", "supplier", "tenderer"} <= roles
    assert all(p["identifier"]["scheme"] == "CN-USCC" for p in release["parties"])
    assert release["awards"][0]["value"]["currency"] == "CNY"


# ---- content ---------------------------------------------------------------------------------


def test_award_notices_write_amounts_dates_and_winners_the_ways_real_ones_do(
        awards: list[tuple[int, dict[str, Any]]]) -> None:
    contents = [record["infocontent"] for _, record in awards]
    labels = Counter(m for c in contents for m in re.findall(r">(中标价\([^)]*\):)<", c))
    assert {"中标价(元):", "中标价(万元):"} <= set(labels)
    prices = [cell(c, "中标价(元):") or "" for c in contents]
    assert any(re.fullmatch(r"\d+\.\d\d", p) for p in prices)
    assert any(re.fullmatch(r"[\d,]+\.\d\d元", p) and "," in p for p in prices)
    assert any(p.endswith(("元整", "分", "角")) and not p[0].isdigit() for p in prices if p)
    dates = [cell(c, "公告发布日期:") or "" for c in contents]
    for pattern in (r"2025-\d\d-\d\d", r"2025年\d{1,2}月\d{1,2}日", r"2025/\d\d/\d\d",
                    r"二〇二五年.+月.+日"):
        assert any(re.fullmatch(pattern, d) for d in dates), pattern
    winners = [cell(c, "中标人:") or "" for c in contents]
    assert any(w.endswith("联合体") and "、" in w for w in winners)
    assert all(cell(c, "招标人:") and cell(c, "项目编号:") for c in contents)


def test_suppliers_win_several_tenders(awards: list[tuple[int, dict[str, Any]]]) -> None:
    wins = Counter(cell(r["infocontent"], "中标人:") for _, r in awards)
    assert wins.most_common(1)[0][1] >= 3


def test_candidate_notices_rank_bidders_with_prices_or_rates(
        candidates: list[tuple[int, dict[str, Any]]]) -> None:
    assert len(candidates) == SIZE // 2
    texts = [r["infocontent"] for _, r in candidates]
    assert all("中标候选人名称" in t and "投标报价(元/%)" in t for t in texts)
    assert any("下浮率" in t for t in texts)
    assert any("第二名" in t for t in texts)


def test_the_epoint_notice_pages_are_served_at_their_infourl(
        portal: Portal, awards: list[tuple[int, dict[str, Any]]]) -> None:
    record = awards[2][1]
    status, _, body = fetch(portal.url + record["infourl"])
    assert status == 200 and record["title"] in body.decode("utf-8")
    assert fetch(portal.url + record["infourl"].replace("/2025", "/2024"))[0] == 404


# ---- planted defects -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [60, 61, 97, 120, 1000, 123457])
def test_every_defect_is_planted_at_every_size_from_60(size: int) -> None:
    defects = planted_defects(size, 7)
    assert {d.code for d in defects} == ALL_CODES
    assert len(defects) == len({(d.format, d.record_key, d.code) for d in defects})
    # Rare: a handful, whatever the size.
    assert len(defects) <= 25


def test_planted_positions_never_collide() -> None:
    for size in range(60, 1500, 7):
        plan = defect_plan(size)
        tenders = [*plan.epoint, plan.correction_of, plan.duplicate_of]
        assert len(tenders) == len(set(tenders)), size


def test_award_defects_are_served(awards: list[tuple[int, dict[str, Any]]]) -> None:
    by_id = {record["infoid"]: record for _, record in awards}
    (missing,) = defects_of("missing_amount")
    assert cell(by_id[missing.record_key]["infocontent"], "中标价(元):") == ""
    (bad,) = defects_of("bad_date")
    assert by_id[bad.record_key]["infodate"] == "2025-13-45"
    assert cell(by_id[bad.record_key]["infocontent"], "公告发布日期:") == "2025年13月45日"
    personal = defects_of("personal_id")
    assert len(personal) == 3
    for defect in personal:
        manager = cell(by_id[defect.record_key]["infocontent"], "项目负责人") or ""
        id_card = re.search(r"\d{17}[\dX]", manager)
        mobile = re.search(r"1[3-9]\d{9}", manager.replace(id_card.group(0), "") if id_card else "")
        assert id_card and ric.is_valid(id_card.group(0)) and mobile, manager
    (correction,) = defects_of("correction")
    fixed = by_id[correction.record_key]
    original = by_id[re.search(r"更正公告 of ([0-9a-f-]{36})", correction.description).group(1)]
    assert "更正" in fixed["title"] and "更正" not in original["title"]
    for label in ("项目编号:", "标段(包)编号:"):
        assert cell(fixed["infocontent"], label) == cell(original["infocontent"], label)
    assert fixed["pubinwebdate"] > original["pubinwebdate"]
    assert cell(fixed["infocontent"], "中标价(元):") != cell(original["infocontent"], "中标价(元):")


def candidate_table(content: str, label: str) -> list[str]:
    row = re.search(r"<span>" + re.escape(label) + r"</span>.*?</tr>", content, re.S)
    assert row is not None
    return re.findall(r"&nbsp;(.*?)&nbsp;", row.group(0))


def test_red_flags_are_planted_in_candidate_notices(
        candidates: list[tuple[int, dict[str, Any]]]) -> None:
    by_id = {record["infoid"]: record["infocontent"] for _, record in candidates}
    planted = [d for d in planted_defects(SIZE, 7) if d.format == "epoint_candidates"]
    (single,) = [d for d in planted if d.code == "single_bid"]
    assert len(candidate_table(by_id[single.record_key], "中标候选人名称")) == 1
    assert "共1家" in by_id[single.record_key]
    (same,) = [d for d in planted if d.code == "identical_prices"]
    identical = [infoid for infoid, content in by_id.items()
                 if len(prices := candidate_table(content, "投标报价(元/%)")) >= 2
                 and len(set(prices)) == 1]
    assert identical == [same.record_key]
    (short,) = [d for d in planted if d.code == "short_bidding_period"]
    days = []
    for record in by_id.values():
        opened = re.search(r"于(\d{4}年\d\d月\d\d日)在.*?发布招标公告，(\d{4}年\d\d月\d\d日)",
                           record)
        if opened:
            start, end = (datetime.strptime(d, "%Y年%m月%d日") for d in opened.groups())
            days.append(((end - start).days, record))
    assert [r for d, r in days if d < 20] == [by_id[short.record_key]]
    data = PortalData(SIZE, 7)
    single_bids = [infoid for infoid, content in by_id.items() if "共1家" in content]
    assert single_bids == [single.record_key]
    assert candidate_infoid(data, 0) in by_id


def test_ocds_red_flags_and_invalid_identifier(portal: Portal) -> None:
    releases = {r["ocid"]: r for p in ocds_packages(portal) for r in p["releases"]}
    planted = {d.code: d.record_key for d in planted_defects(SIZE, 7) if d.format == "ocds"}
    singles = [o for o, r in releases.items() if r.get("tender", {}).get("numberOfTenderers") == 1
               and r["tender"]["procurementMethodDetails"] != "单一来源"]
    assert singles == [planted["single_bid"]]
    short = []
    for key, release in releases.items():
        period = release["tender"]["tenderPeriod"]
        days = (datetime.fromisoformat(period["endDate"]).date()
                - datetime.fromisoformat(period["startDate"]).date()).days
        if release["tender"]["procurementMethodDetails"] == "公开招标" and days < 20:
            short.append(key)
    # Besides the defect, the red-flag plants hold one more short period (CN01's positive).
    short_plants = {f.record_key for f in planted_flags(SIZE, 7) if f.flag_code == "CN01"
                    and f.positive and f.record_key != planted["short_bidding_period"]}
    assert len(short_plants) == 1
    assert short == sorted([planted["short_bidding_period"], *short_plants])


def test_uscc_check_digits_are_valid_except_the_planted_ones(portal: Portal) -> None:
    codes: dict[str, str] = {}
    for package in ocds_packages(portal):
        for release in package["releases"]:
            for party in release["parties"]:
                codes[party["identifier"]["id"]] = release["ocid"]
    for case in paged(str(entry_points(portal.url)["approvals"]), "data"):
        if case["统一社会信用代码"]:
            codes[case["统一社会信用代码"]] = case["办件编号"]
    invalid = {where for code, where in codes.items() if not uscc.is_valid(code)}
    assert all(len(code) == 18 for code in codes)
    assert invalid == {d.record_key for d in defects_of("invalid_uscc")}
    assert len(codes) > 100


def _days(limit: str) -> int | None:
    match = re.match(r"(\d+)", limit)
    return int(match.group(1)) if match else None


def test_list_and_approval_defects_are_the_only_ones(portal: Portal) -> None:
    points = entry_points(portal.url)
    power = {item["事项编码"]: item for item in paged(str(points["lists_power"]), "items")}
    exceeding = [code for code, item in power.items()
                 if (_days(item["承诺办结时限"]) or 0) > (_days(item["法定办结时限"]) or 10**6)]
    assert exceeding == [d.record_key for d in defects_of("promise_exceeds_statute")]
    responsibilities = paged(str(points["lists_responsibility"]), "items")
    assert {r["对应权力事项编码"] for r in responsibilities} <= set(power)
    negative = paged(str(points["lists_negative"]), "items")
    assert {item["管理措施"] for item in negative} == {"禁止", "限制"}

    unknown, mismatched, overdue, across_holiday = [], [], [], []
    for case in paged(str(points["approvals"]), "data"):
        item = power.get(case["事项编码"])
        if item is None:
            unknown.append(case["办件编号"])
            continue
        assert item["事项类型"] in ("行政许可", "01")
        if _days(case["承诺时限"]) != _days(item["承诺办结时限"]):
            mismatched.append(case["办件编号"])
        if case["办结时间"]:
            accepted = datetime.fromisoformat(case["受理时间"]).date()
            deadline = chinese_calendar.find_workday(_days(case["承诺时限"]), accepted)
            if datetime.fromisoformat(case["办结时间"]).date() > deadline:
                overdue.append(case["办件编号"])
            if accepted.month == 9 and datetime.fromisoformat(case["办结时间"]).month == 10:
                across_holiday.append(case)
        else:
            assert case["办件状态"] in ("已受理", "办理中")
    assert unknown == [d.record_key for d in defects_of("unknown_item")]
    assert mismatched == [d.record_key for d in defects_of("limit_mismatch")]
    # The AP02 plants, finished on or past the statutory limit, are past the promised one too.
    past_statute = {f.record_key for f in planted_flags(SIZE, 7) if f.flag_code == "AP02"}
    assert len(past_statute) == 2
    assert sorted(overdue) == sorted({d.record_key for d in defects_of("overdue")} | past_statute)
    assert across_holiday, "some cases run across the National Day holiday"


# ---- scale, hooks, entry points --------------------------------------------------------------


def test_a_million_record_portal_builds_only_the_requested_page() -> None:
    with start_portal(size=1_000_000, seed=7) as big:
        calls = big.data.calls
        points = big.entry_points()
        count = big.data.epoint_award_count
        last = (count - 1) // 20
        url = str(points["epoint_awards"]).replace("pageIndex=0", f"pageIndex={last}")
        custom = fetch_json(url)["custom"]
        assert custom["count"] == 1_000_002
        assert len(custom["infodata"]) == count - 20 * last
        assert calls["tender:epoint"] == len(custom["infodata"])
        last_cases = fetch_json(f"{big.url}/approvals/api/cases?page=40000&pageSize=50")
        assert len(last_cases["data"]) == 50 and last_cases["total"] == 2_000_000
        assert calls["approval_case"] == 50
        assert calls["power_item"] <= 50  # each case reads its one list item
        fetch_json(f"{big.url}/ocds/releases.json?page=20000")
        assert calls["tender:ocds"] == 25
        assert set(calls) <= {"tender:epoint", "approval_case", "power_item", "tender:ocds"}


def test_rate_limited_paths_answer_429_once_then_serve(portal: Portal) -> None:
    target = f"{portal.url}/ratelimited/lists/api/items?kind=power&page=1&pageSize=5"
    status, headers, _ = fetch(target)
    assert status == 429 and headers["Retry-After"] == "1"
    status, _, body = fetch(target)
    assert status == 200 and len(json.loads(body)["items"]) == 5
    assert fetch(target.replace("page=1", "page=2"))[0] == 429  # counted per path


def test_index_links_every_entry_point_and_robots_keeps_out_of_private(portal: Portal) -> None:
    status, _, body = fetch(portal.url + "/")
    assert status == 200
    index = body.decode("utf-8")
    points = entry_points(portal.url)
    assert set(points) == {"epoint_awards", "epoint_candidates", "ccgp", "ocds", "lists_power",
                           "lists_responsibility", "lists_negative", "approvals"}
    for url in points.values():
        assert f'href="{str(url).replace("&", "&amp;")}"' in index
        assert fetch(str(url))[0] == 200
    assert fetch(portal.url + "/robots.txt")[2] == b"User-agent: *\nDisallow: /private/\n"
    assert fetch(portal.url + "/nowhere")[0] == 404
    assert fetch(portal.url + "/lists/api/items?kind=secret")[0] == 400
    assert any(r.target == "/robots.txt" for r in portal.requests)
