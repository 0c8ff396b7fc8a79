"""The built site is valid HTML (the Nu HTML Checker), accessible (axe-core in headless Chromium),
keeps to its Content-Security-Policy and asks nothing of any host but its own.

The checkers are pinned in package.json and installed by `make test` (`npm ci` into
node_modules/); the Nu checker is a jar run with java. Missing tools fail these tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree, html
from playwright.sync_api import Browser
from sitedata import APPROVAL_ITEM_CODE, LIST_ITEM_ID, SEARCH_SUPPLIER_ID, build_sample_site

from disclosures.publish import url_path
from disclosures.serve import make_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
NEED = "run `make checkers` (npm ci; java) before the site checks"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = build_sample_site(tmp_path_factory.mktemp("checks"), site_url="https://sunlit.example")
    return built.output


def page_paths(site: Path) -> list[str]:
    """One page of every type (paths from the site's root, ending in "/")."""
    candidates = [
        "",
        "tenders/",
        "tenders/page/2/",
        url_path("tender", "sample-epoint:JSGC-2025-0003"),
        "orgs/",
        url_path("organisation", SEARCH_SUPPLIER_ID),
        "lists/",
        "lists/power/",
        url_path("list_item", LIST_ITEM_ID),
        "approvals/",
        url_path("approval_item", APPROVAL_ITEM_CODE),
        "about/",
        "methodology/",
        "search/",
    ]
    # Page types added since (flags, data, sources, departments, projects, English): their first
    # page each, found on disk so a new type is checked as soon as it is built.
    for folder in ("flags", "data", "sources", "departments", "projects", "en"):
        if (site / folder / "index.html").is_file():
            candidates.append(f"{folder}/")
            inner = sorted(p.parent for p in (site / folder).glob("*/index.html"))
            inner = [p for p in inner if p.name != "page"]
            if inner:
                candidates.append(inner[0].relative_to(site).as_posix() + "/")
    missing = [p for p in candidates if not (site / p / "index.html").is_file()]
    assert missing == []
    return candidates


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    server = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_nu_html_checker_finds_no_error(site: Path) -> None:
    java = shutil.which("java")
    assert java and VNU_JAR.is_file(), NEED
    files = [str(site / p / "index.html") for p in page_paths(site)]
    result = subprocess.run(
        [java, "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m.get('url', '').rsplit(str(site), 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []
    # The checker does report errors: a broken page is not a pass.
    broken = site.parent / "broken.html"
    broken.write_text("<!doctype html><html lang=en><title>x</title><p><div></span>")
    check = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(check.stderr or check.stdout)["messages"]


@pytest.fixture(scope="module")
def axe_findings(site: Path, served: str, browser: Browser) -> dict[str, list[str]]:
    """Serious and critical axe-core violations, by page path (pages without any are absent)."""
    assert AXE_JS.is_file(), NEED
    # axe is injected as an inline script, which the site's own CSP forbids: bypass it here.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        for path in page_paths(site):
            page.goto(served + path)
            if path == "search/":
                page.locator(".pagefind-ui__search-input").wait_for(timeout=30_000)
            page.add_script_tag(path=str(AXE_JS))
            result = page.evaluate("async () => await axe.run(document)")
            assert result["passes"], path  # axe ran its rules
            serious = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:100]})"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                found[path] = serious
    finally:
        context.close()
    return found


def test_axe_finds_no_serious_violation(axe_findings: dict[str, list[str]]) -> None:
    assert axe_findings == {}


def test_pages_keep_to_their_csp_and_ask_only_127_0_0_1(
    site: Path, served: str, browser: Browser
) -> None:
    context = browser.new_context()
    requests: list[str] = []
    problems: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        for path in page_paths(site):
            page.goto(served + path)
            page.wait_for_load_state("networkidle")
        # Search loads Pagefind's script and WebAssembly under the CSP.
        page.goto(served + "search/?q=" + "宜昌")
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=30_000)
        csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    finally:
        context.close()
    assert csp and "default-src 'self'" in csp and "'wasm-unsafe-eval'" in csp
    assert problems == []
    assert any("/pagefind/" in url for url in requests)
    assert [url for url in requests if urlsplit(url).hostname != "127.0.0.1"] == []


def test_sitemap_and_robots(site: Path) -> None:
    tree = etree.parse(str(site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = tree.xpath("//s:url/s:loc/text()", namespaces=ns)
    assert "https://sunlit.example/" in locations
    for path in page_paths(site):
        assert f"https://sunlit.example/{path}" in locations
    assert not [loc for loc in locations if "/pagefind/" in loc]
    pages = [p for p in site.rglob("index.html") if "pagefind" not in p.relative_to(site).parts]
    assert len(locations) == len(pages)
    robots = (site / "robots.txt").read_text().splitlines()
    assert "User-agent: *" in robots
    assert "Sitemap: https://sunlit.example/sitemap.xml" in robots
    assert html.fromstring((site / "index.html").read_bytes()).get("lang") == "zh-CN"
