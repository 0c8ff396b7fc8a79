"""The site's search box in headless Chromium, on the demo site of tests/searchdemo.py: a
supplier's two-character fragment, a full project name and an item code each find their record
on the first page of results, and a type or year filter narrows them. Each test runs on the
site as built (one Pagefind bundle) and on the same site with its index split into shards."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from searchdemo import Demo, demo, serve

from disclosures import store
from disclosures.publish import read_search_rows, url_path
from search import browser
from search.documents import search_documents

pytestmark = pytest.mark.browser

RESULT = ".pagefind-ui__result-link"


def sharded_copy(built: Demo, target: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo site with its search index rewritten as shards of at most 150 records, in
    small index chunks."""
    shutil.copytree(built.output, target, symlinks=True, ignore=shutil.ignore_patterns("pagefind"))
    con = store.connect(built.db, read_only=True)
    try:
        documents = list(search_documents(read_search_rows(con)))
    finally:
        con.close()
    monkeypatch.setattr(browser, "SHARD_RECORDS", 150)
    # Index chunks of 300 bytes, so that each query's words come from many chunks of many shards.
    assert browser.write_browser_index(documents, target / "pagefind",
                                       chunk_bytes=300) == len(documents)
    shards = json.loads((target / "pagefind" / browser.SHARDS_FILE).read_text())["shards"]
    assert len(shards) >= 2 and all((target / "pagefind" / s / "pagefind-entry.json").is_file()
                                    for s in shards)
    return target


@pytest.fixture(scope="module", params=["one bundle", "shards"])
def site(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    built: Demo = demo(tmp_path_factory)
    output = built.output
    if request.param == "shards":
        with pytest.MonkeyPatch.context() as monkeypatch:
            output = sharded_copy(built, tmp_path_factory.mktemp("sharded") / "output",
                                  monkeypatch)
    with serve(output) as url:
        yield url


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def search_from_header(page: Page, site: str, query: str) -> list[str]:
    """Type `query` in the header's search box of the home page; the first page's result paths."""
    page.goto(site + "/")
    page.locator("#site-search").fill(query)
    page.locator("#site-search").press("Enter")
    page.wait_for_url("**/search/**")
    return shown_results(page)


def shown_results(page: Page) -> list[str]:
    page.locator(RESULT).first.wait_for(timeout=30_000)
    links = page.locator(RESULT)
    return [(links.nth(i).get_attribute("href") or "").split("#")[0]
            for i in range(links.count())]


def result_count(page: Page, not_: int | None = None) -> int:
    """The count in the results message, once it shows one (other than `not_`)."""
    page.wait_for_function(
        "(not_) => { const m = document.querySelector('.pagefind-ui__message');"
        " const n = m && m.innerText.match(/\\d+/);"
        " return n !== null && n !== undefined && Number(n[0]) !== not_; }",
        arg=not_, timeout=30_000)
    found = re.search(r"\d+", page.locator(".pagefind-ui__message").inner_text())
    assert found
    return int(found.group())


@pytest.mark.parametrize(("query", "kind", "record_id"), [
    ("恒达", "organisation", "uscc:9142050018902497XL"),  # two characters of a supplier's name
    ("秭归县污水处理厂提标改造工程", "tender", "ocds-sunlit-00000011"),  # a full project name
    ("420582990000081", "approval_item", "420582990000081"),  # an item code
    ("ＦＭ２０２５００００００３", "list_item", "negative:FM20250000003"),  # full-width code
])
def test_the_search_box_finds_the_record(site: str, page: Page, query: str, kind: str,
                                         record_id: str) -> None:
    found = search_from_header(page, site, query)
    assert "/" + url_path(kind, record_id) in found, found
    text = page.locator("#search").inner_text()
    assert "\u00a6" not in text and not re.search(r"\bz[hw][a-z]{8,}", text), text


def test_typing_on_the_search_page_finds_a_fragment(site: str, page: Page) -> None:
    page.goto(site + "/search/")
    page.locator(".pagefind-ui__search-input").fill("恒达")
    assert "/" + url_path("organisation", "uscc:9142050018902497XL") in shown_results(page)
    assert "恒达" in page.locator(".pagefind-ui__result-excerpt mark").first.inner_text()


def choose(page: Page, filter_name: str, value: str) -> None:
    page.locator(".pagefind-ui__filter-name", has_text=filter_name).click()
    page.locator(".pagefind-ui__filter-label", has_text=value).first.click()


def test_a_type_filter_narrows_the_results(site: str, page: Page) -> None:
    search_from_header(page, site, "宜昌")
    before = result_count(page)
    choose(page, "type", "机构")
    after = result_count(page, not_=before)
    assert 0 < after < before
    found = shown_results(page)
    assert found and all(path.startswith("/orgs/") for path in found), found


def test_a_year_filter_narrows_the_results(site: str, page: Page) -> None:
    search_from_header(page, site, "宜昌")
    before = result_count(page)
    choose(page, "year", "2025")
    assert 0 < result_count(page, not_=before) < before


def test_each_shard_is_searched_in_a_worker_of_its_own(site: str, page: Page) -> None:
    page.goto(site + "/search/")
    page.evaluate("async () => { await window.sunlitSearchReady; }")
    shards = page.evaluate("async () => (await (await fetch('/pagefind/sunlit-shards.json'))"
                           ".json()).shards")
    assert len(page.workers) == 1 + len(shards)


def test_results_come_in_the_order_pagefind_merges_its_shards(site: str, page: Page) -> None:
    """The page merges its workers' scores itself: the same order as Pagefind's mergeIndex."""
    page.goto(site + "/search/")
    page.locator(".pagefind-ui__search-input").fill("宜昌")
    shown = shown_results(page)
    merged = page.evaluate(
        "async (q) => { const folders = (await (await fetch('/pagefind/sunlit-shards.json'))"
        ".json()).shards; const pf = await import('/pagefind/pagefind.js');"
        " for (const f of folders) await pf.mergeIndex('/pagefind/' + f);"
        " const r = await pf.search(window.sunlitSearchTerms(q));"
        " const d = await Promise.all(r.results.slice(0, 5).map(x => x.data()));"
        " return d.map(x => x.url.split('#')[0]); }", "宜昌")
    assert len(shown) == 5 and shown == merged


def test_an_index_cut_in_small_chunks_finds_what_pagefinds_own_chunks_find(
        tmp_path_factory: pytest.TempPathFactory, page: Page) -> None:
    """The same records indexed twice, with Pagefind's own index chunks and cut again into
    chunks of 200 bytes (search.browser.rechunk_bundle): every relevance query, and the first
    characters of codes typed as a query's last word (matched as a prefix), find the same
    records with the same scores."""
    built: Demo = demo(tmp_path_factory)
    con = store.connect(built.db, read_only=True)
    try:
        documents = list(search_documents(read_search_rows(con)))
    finally:
        con.close()
    root = tmp_path_factory.mktemp("chunks")
    browser.write_browser_index(documents, root / "whole" / "pagefind", chunk_bytes=None)
    browser.write_browser_index(documents, root / "cut" / "pagefind", chunk_bytes=200)
    indexes = [len(list((root / name / "pagefind" / "index").iterdir()))
               for name in ("whole", "cut")]
    assert indexes[1] > 5 * indexes[0], indexes
    (root / "index.html").write_text("<!doctype html><title>chunks</title>", encoding="utf-8")
    relevance = Path(__file__).parent / "relevance" / "queries.toml"
    queries = [q["q"] for q in tomllib.loads(relevance.read_text(encoding="utf-8"))["query"]]
    codes = [d.code for d in documents if d.code][:6]
    queries += [code[:n] for code in codes for n in (3, 5, 6, 9)]
    with serve(root) as site:
        page.goto(site + "/")
        found = page.evaluate(
            "async (queries) => { const out = {};"
            " for (const name of ['whole', 'cut']) {"
            "  const pf = await import(`/${name}/pagefind/pagefind.js`);"
            "  out[name] = [];"
            "  for (const q of queries) { const r = await pf.search(q);"
            "   const d = await Promise.all(r.results.slice(0, 10).map(x => x.data()));"
            "   out[name].push([r.results.length, r.results.slice(0, 10).map(x => x.score),"
            "                   d.map(x => x.url.slice(name.length + 1))]); } }"
            " return out; }",
            [" ".join(browser.browser_terms(q)) for q in queries])
    assert sum(1 for count, _, _ in found["whole"] if count) > len(queries) * 0.9
    for query, whole, cut in zip(queries, found["whole"], found["cut"], strict=True):
        assert cut == whole, query
