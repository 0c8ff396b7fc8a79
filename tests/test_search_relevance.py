"""Relevance you can check: the query set of tests/relevance/queries.toml, scored as mean
reciprocal rank (top 10) for the command line's Whoosh engine and for Pagefind in Chromium, whose
queries go through the search page's own transform (`window.sunlitSearchTerms` of search.js)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import sync_playwright
from searchdemo import Demo, demo, serve

from disclosures import store
from disclosures.publish import read_search_rows
from search.documents import search_documents
from search.whoosh_engine import WhooshEngine

QUERIES = tomllib.loads(
    (Path(__file__).parent / "relevance" / "queries.toml").read_text(encoding="utf-8"))["query"]
TARGET = 0.9


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return demo(tmp_path_factory)


def reciprocal_rank(found: list[str], expected: set[str]) -> float:
    for rank, key in enumerate(found[:10], 1):
        if key in expected:
            return 1 / rank
    return 0.0


def test_the_query_set_is_large_enough() -> None:
    assert len(QUERIES) >= 30
    assert all(q["q"].strip() and ":" in q["expect"] for q in QUERIES)


def test_whoosh_mean_reciprocal_rank(built: Demo) -> None:
    engine = WhooshEngine(built.index)
    ranks = {q["q"]: reciprocal_rank([h.key for h in engine.search(q["q"]).hits],
                                     {q["expect"]}) for q in QUERIES}
    mrr = sum(ranks.values()) / len(ranks)
    print(f"Whoosh MRR over {len(ranks)} queries: {mrr:.3f};"
          f" below first: {({q: round(r, 2) for q, r in ranks.items() if r < 1})}")
    assert mrr >= TARGET, {q: r for q, r in ranks.items() if r < 1}


@pytest.fixture(scope="module")
def urls(built: Demo) -> dict[str, str]:
    con = store.connect(built.db, read_only=True)
    try:
        documents = list(search_documents(read_search_rows(con)))
    finally:
        con.close()
    return {d.key: "/" + d.url for d in documents}


@pytest.mark.browser
def test_pagefind_mean_reciprocal_rank(built: Demo, urls: dict[str, str]) -> None:
    with serve(built.output) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(site + "/search/")
        page.evaluate("async () => { window.pf = await import('/pagefind/pagefind.js');"
                      " await window.pf.init(); }")
        ranks = {}
        for q in QUERIES:
            found = page.evaluate(
                "async (q) => { const r = await window.pf.search(window.sunlitSearchTerms(q));"
                " const d = await Promise.all(r.results.slice(0, 10).map(x => x.data()));"
                " return d.map(x => x.url.split('#')[0]); }", q["q"])
            ranks[q["q"]] = reciprocal_rank(found, {urls[q["expect"]]})
        browser.close()
    mrr = sum(ranks.values()) / len(ranks)
    print(f"Pagefind MRR over {len(ranks)} queries: {mrr:.3f};"
          f" below first: {({q: round(r, 2) for q, r in ranks.items() if r < 1})}")
    assert mrr >= TARGET, {q: r for q, r in ranks.items() if r < 1}


