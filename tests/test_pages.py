"""The record pages: charts made at build time, browse pages, departments, projects, changes.

Charts are checked as XML (a title, one bar per number, the same numbers as the table beside
them); pages are read from a real `sunlit build` of the sample database, with a second run that
changes a list item and files two approval cases under one investment project.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree, html
from sitedata import APPROVAL_ITEM_CODE, LIST_ITEM_ID, SOURCE, build_sample_db

from disclosures import charts, store
from disclosures.build import build_site
from disclosures.publish import path_segment, url_path

SVG = "{http://www.w3.org/2000/svg}"
PROJECT = "2025-420500-48-01-000001"
SHANGHAI = timezone(timedelta(hours=8))


def parse_svg(markup: str) -> etree._Element:
    return etree.fromstring(markup.encode("utf-8"))


def test_bar_chart_is_xml_with_a_title_and_one_bar_per_number() -> None:
    svg = parse_svg(charts.bar_chart([("2024", 12.5), ("2025", 40)], title='Spend <"x"> & co'))
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == 'Spend <"x"> & co'
    assert svg.get("aria-labelledby") == title.get("id")
    bars = svg.findall(f"{SVG}rect")
    assert [b.find(f"{SVG}title").text for b in bars] == ["2024: 12.5", "2025: 40"]
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] / heights[0] == pytest.approx(40 / 12.5, rel=0.01)


def test_histogram_bins_cover_the_values_and_the_limit_lines() -> None:
    bins = charts.bins([1, 2, 2, 3, 9], limits=[5, 20])
    assert sum(b.count for b in bins) == 5 and bins[-1].high > 20
    svg = parse_svg(charts.histogram(bins, title="天数", markers=[("承诺", 5), ("法定", 20)]))
    assert svg.find(f"{SVG}title").text == "天数"
    assert len(svg.findall(f"{SVG}line[@class='marker marker-0']")) == 1
    labels = [t.text for t in svg.findall(f"{SVG}text[@class='marker-label']")]
    assert labels == ["承诺 5", "法定 20"]


def test_gantt_draws_one_row_per_span_and_open_spans_to_the_end() -> None:
    start = datetime(2025, 3, 1, tzinfo=SHANGHAI)
    spans = [charts.Span("规划许可", start, start + timedelta(days=10)),
             charts.Span("<b>施工许可</b>", start + timedelta(days=5), None)]
    svg = parse_svg(charts.gantt(spans, title="项目", until=start + timedelta(days=20)))
    rects = svg.findall(f"{SVG}rect")
    assert [r.get("class") for r in rects] == ["bar", "bar open"]
    assert svg.findall(f"{SVG}text[@class='row-label']")[1].text == "<b>施工许可</b>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pages")
    db = build_sample_db(work / "sunlit.duckdb")
    con = store.connect(db.path, read_only=False)
    run = "20250701T000000Z-test"
    store.start_run(con, run, SOURCE)
    item = con.execute("SELECT * FROM current_list_items WHERE item_id = ?",
                       [LIST_ITEM_ID]).fetchall()
    columns = [d[0] for d in con.description]
    changed = dict(zip(columns, item[0], strict=True))
    changed.update(promised_limit=5, fees="按件收取 <10 元>")
    cases = con.execute("SELECT * FROM current_approval_cases ORDER BY case_id LIMIT 2").fetchall()
    case_columns = [d[0] for d in con.description]
    filed = [dict(zip(case_columns, c, strict=True)) | {"project_code": PROJECT} for c in cases]
    keep = set(store_columns(con, "list_items"))
    store.upsert_records(con, "list_items", [record({k: v for k, v in changed.items()
                                                     if k in keep})], run)
    keep = set(store_columns(con, "approval_cases"))
    store.upsert_records(con, "approval_cases",
                         [record({k: v for k, v in c.items() if k in keep}) for c in filed], run)
    store.finish_run(con, run, SOURCE, store.RunCounts(), "ok")
    store.checkpoint(con)
    con.close()
    return build_site(db.path, work / "output", "", search_index=False).output


def store_columns(con: Any, table: str) -> list[str]:
    skip = {"version", "is_current", "content_hash", "first_run"}
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                       [table]).fetchall()
    return [r[0] for r in rows if r[0] not in skip]


def record(row: dict[str, Any]) -> dict[str, Any]:
    from sitedata import _record

    return _record(row)


def page(site: Path, path: str) -> html.HtmlElement:
    return html.fromstring((site / path / "index.html").read_bytes())


def test_tender_list_links_browse_pages_by_year_region_category_and_method(site: Path) -> None:
    doc = page(site, "tenders")
    links = {a.get("href") for a in doc.cssselect("nav.browse a")}
    assert "/tenders/year/2025/" in links
    for href in links:
        assert (site / href.strip("/") / "index.html").is_file(), href
    year = page(site, "tenders/year/2025")
    assert year.cssselect("h1")[0].text_content() == "2025"
    assert year.cssselect("ol.records > li")


def test_tender_page_shows_its_timeline(site: Path) -> None:
    doc = page(site, url_path("tender", "sample-epoint:JSGC-2025-0003"))
    steps = [li.cssselect(".step")[0].text for li in doc.cssselect("ol.timeline li")]
    assert steps and steps[-1] == "结果公告"
    assert all(li.cssselect("time[datetime]") for li in doc.cssselect("ol.timeline li"))


def test_organisation_chart_numbers_match_its_table(site: Path) -> None:
    doc = page(site, url_path("organisation", "uscc:12420500MB1538726X"))  # a buyer
    section = doc.cssselect("section.chart-box")[0]
    svg = parse_svg(etree.tostring(section.cssselect("svg")[0], encoding="unicode"))
    assert svg.find(f"{SVG}title").text
    bars = [r.find(f"{SVG}title").text for r in svg.findall(f"{SVG}rect")]
    rows = [f"{tr.cssselect('th')[0].text}: {tr.cssselect('td')[0].text}"
            for tr in section.cssselect("details tbody tr")]
    assert bars == rows and rows


def test_approval_histogram_counts_every_completed_case(site: Path) -> None:
    doc = page(site, url_path("approval_item", APPROVAL_ITEM_CODE))
    box = doc.cssselect("section.chart-box")[0]
    counts = [int(td.text) for td in box.cssselect("details tbody td")]
    assert sum(counts) == 5  # six cases, one still open
    assert box.cssselect("svg[role=img] > title")


def test_list_item_shows_its_change_as_a_diff(site: Path) -> None:
    doc = page(site, url_path("list_item", LIST_ITEM_ID))
    changes = doc.cssselect("ol.changes li")
    diffs = {c.cssselect("strong")[0].text: c.cssselect(".diff")[0] for c in changes
             if c.cssselect(".diff")}
    assert set(diffs) == {"承诺时限", "收费标准"}
    assert diffs["承诺时限"].cssselect("del")[0].text_content().endswith("10")
    assert diffs["承诺时限"].cssselect("ins")[0].text_content().endswith("5")
    assert diffs["收费标准"].cssselect("ins")[0].text_content().endswith("按件收取 <10 元>")
    assert re.match(r"\d{4}-\d\d-\d\d", changes[0].cssselect("time")[0].text)  # the run's date


def test_department_page_counts_its_items_and_cases(site: Path) -> None:
    key = "name:宜昌市自然资源和规划局"
    doc = page(site, url_path("department", key))
    figures = {d.cssselect("dt")[0].text: d.cssselect("dd")[0].text
               for d in doc.cssselect("dl.figures > div")}
    assert figures["办件数"] == "6" and figures["超期"] == "3" and figures["超期比例"] == "50%"
    assert len(doc.cssselect("section[aria-labelledby=dept-items-title] li")) == 4
    assert doc.cssselect('link[rel=alternate][type="application/atom+xml"]')
    assert path_segment(key) in (site / "departments").joinpath(path_segment(key)).as_posix()


def test_project_page_draws_one_bar_per_case(site: Path) -> None:
    doc = page(site, url_path("project", PROJECT))
    svg = doc.cssselect("svg.chart-gantt")[0]
    assert len(svg.cssselect("rect")) == 2
    assert len(doc.cssselect("section.chart-box tbody tr")) == 2
    assert PROJECT in page(site, "projects").text_content()


def test_a_case_past_its_working_day_limit_is_overdue_as_flag_ap01_counts_it(
    tmp_path: Path,
) -> None:
    """No published deadline, a limit in working days: the site still judges the case."""
    from sitedata import _record

    from disclosures.publish import open_reader, read_approval_cases

    db = build_sample_db(tmp_path / "s.duckdb", tenders=2).path
    accepted = datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)  # before the National Day break
    rows = []
    # 5 working days after 26 Sep 2025 end on 10 Oct (28 Sep and 11 Oct are worked, 1–8 Oct off).
    for case_id, completed in (("WD-LATE", datetime(2025, 10, 11, 9, 0, tzinfo=SHANGHAI)),
                               ("WD-ONTIME", datetime(2025, 10, 10, 16, 0, tzinfo=SHANGHAI))):
        rows.append(_record({
            "case_id": case_id, "item_code": APPROVAL_ITEM_CODE,
            "item_name": "建设工程规划许可证核发",
            "department": "宜昌市自然资源和规划局", "department_id": None, "project_code": None,
            "applicant": "宜昌某某置业有限公司", "accepted_at": accepted, "completed_at": completed,
            "deadline_at": None, "status": "completed", "promised_limit": 5,
            "promised_unit": "workday", "source": SOURCE, "url": "http://example.invalid/",
            "document_sha256": None,
        }))
    con = store.connect(db, read_only=False)
    store.upsert_records(con, "approval_cases", rows, "run-wd")
    con.close()
    with open_reader(db) as reader:
        overdue = {c["case_id"]: c["overdue"] for c in read_approval_cases(reader)}
    assert overdue["WD-LATE"] is True
    assert overdue["WD-ONTIME"] is False
