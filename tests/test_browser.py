"""The built site in a real headless Chromium: navigation, Chinese search, no other host.

Debian's Chromium (/usr/bin/chromium) is driven through Playwright; `make test` installs it.
A missing browser fails these tests rather than skipping them: an untested site is not a pass.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from chromium import CHROMIUM, MISSING
from playwright.sync_api import Browser, ConsoleMessage, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sitedata import SEARCH_SUPPLIER, SEARCH_SUPPLIER_ID, build_sample_site

from disclosures.publish import url_path
from disclosures.serve import make_server

pytestmark = pytest.mark.browser

def test_chromium_is_installed() -> None:
    assert CHROMIUM.exists(), MISSING


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = build_sample_site(tmp_path_factory.mktemp("browser"))
    server = make_server(site.output, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_server_keeps_a_connection_open_between_requests(site_url: str) -> None:
    """`sunlit serve` answers in HTTP/1.1 and keeps the connection, as static hosts do: the
    search page fetches many small index files, each on a new connection otherwise. (An error
    closes it, as Python's server does.)"""
    address = urlsplit(site_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        sockets = []
        for path, status in (("/", 200), ("/search", 301), ("/robots.txt", 200),
                             ("/no-such-page/", 404)):
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            assert (response.status, response.version) == (status, 11), path
            assert len(body) == int(response.headers["Content-Length"]), path
            assert response.will_close == (status == 404), path
            sockets.append(connection.sock)
        assert sockets[0] is not None and all(s is sockets[0] for s in sockets[:3])
    finally:
        connection.close()


@dataclass
class Tab:
    page: Page
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    problems: list[str] = field(default_factory=list)  # failed requests, script errors

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = Tab(context.new_page())
    context.on("request", lambda request: tab.requests.append(request.url))
    tab.page.on("requestfailed", lambda r: tab.problems.append(f"failed: {r.url} {r.failure}"))
    tab.page.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
    tab.page.on("console", tab.on_console)
    yield tab
    context.close()


def assert_only_local(requests: list[str]) -> None:
    assert requests
    elsewhere = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert elsewhere == []


def test_home_page_leads_to_a_tender(site_url: str, tab: Tab) -> None:
    page = tab.page
    page.goto(site_url + "/")
    first = page.locator("main ol.records a.record-title").first
    title = first.inner_text()
    first.click()
    page.wait_for_url("**/tenders/**")
    assert page.locator("h1").inner_text() == title
    assert page.title().startswith(title)
    assert_only_local(tab.requests)


def test_searching_a_supplier_name_finds_its_record(site_url: str, tab: Tab) -> None:
    page = tab.page
    page.goto(site_url + "/")
    page.locator("#site-search").fill(SEARCH_SUPPLIER)
    page.locator("#site-search").press("Enter")
    page.wait_for_url("**/search/**")
    results = page.locator(".pagefind-ui__result-link")
    try:
        results.filter(has_text=SEARCH_SUPPLIER).first.wait_for(timeout=30_000)
    except PlaywrightTimeoutError:
        shown = page.locator("#search").inner_text()
        pytest.fail(f"no result for {SEARCH_SUPPLIER}; the page shows {shown!r}; "
                    f"problems: {tab.problems}")
    org_page = "/" + url_path("organisation", SEARCH_SUPPLIER_ID)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert org_page in hrefs
    page.locator(f'.pagefind-ui__result-link[href="{org_page}"]').click()
    page.wait_for_url(f"**{org_page}")
    assert page.locator("h1").inner_text() == SEARCH_SUPPLIER
    assert any("/pagefind/" in url for url in tab.requests)  # the index was fetched, locally
    assert_only_local(tab.requests)
