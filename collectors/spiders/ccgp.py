"""中国政府采购网 (CCGP) style HTML portals: list pages and notice pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response
from scrapy.selector import Selector

from collectors.encoding import decode_page
from collectors.spiders.base import HtmlListSpider, Output

# A date as list pages print it next to a notice: 2025-03-24, 2025.03.24 or 2025年3月24日,
# optionally with a time. Kept as text: disclosures.records parses it.
DATE_TEXT = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)


class CcgpSpider(HtmlListSpider):
    """Award notices (中标/成交公告) from a CCGP-style HTML list with "下一页" paging.

    Collects:
        award_notice items: one per notice page, with the page's decoded HTML, the title and
        date shown in the list, and the region when the list row names one.
    From:
        list pages such as `/ccgp/cggg/zbgg/index.htm`, `index_1.htm`, ... (the layout of
        www.ccgp.gov.cn and of provincial 政府采购网 sites): `<li><a href=notice>title</a>
        <em>date</em><em>region</em>...</li>`, and the notice pages they link to.
    Arguments:
        url/urls: the first list page of each section.
    Caveats:
        Notice pages may be GBK and may declare the wrong charset; they are decoded by
        `disclosures.extract.decode_html`; its verdict is documents.encoding. The
        notice id is the notice page's file name (t20250324_123.htm -> t20250324_123), stable
        as long as the portal keeps its urls. On a re-run, list pages are read newest first
        down to one unchanged since the last finished collect.
    """

    format = "ccgp"
    # Read by HtmlListSpider.
    # (www.ccgp.gov.cn: ul.c_list_bid on channel lists, ul.vT-srch-result-list-bid in search;
    # navigation lists such as ul.vT_nav_list must not match.)
    list_row_xpath = (
        "//ul[contains(@class, 'c_list')]/li[.//a[@href]]"
        " | //ul[contains(@class, 'result-list')]/li[.//a[@href]]"
    )
    page_kind = "award_notice"
    # Read by SourceSpider: list pages are newest first.
    unchanged_pages = "stop"

    def list_entry(self, row: Selector) -> dict[str, Any] | None:
        link = row.xpath(".//a[@href][1]")
        href = link.xpath("@href").get()
        if not href or href.startswith(("javascript:", "#")):
            return None
        title = link.xpath("@title").get() or " ".join(link.xpath(".//text()").getall())
        texts = row.xpath("./em//text() | ./td[not(.//a)]//text() | ./span//text()").getall()
        cells = [" ".join(t.split()) for t in texts if t.strip()]
        published = next((m.group(0) for c in cells if (m := DATE_TEXT.search(c))), None)
        others = [c for c in cells if not DATE_TEXT.search(c)]
        return {
            "href": href.strip(),
            "title": " ".join(title.split()) or None,
            "published": published,
            "region": others[0] if others else None,
        }

    def parse_detail(self, response: Response, entry: dict[str, Any]) -> Iterator[Output]:
        html, _encoding = decode_page(response)
        payload = {
            "source_format": "ccgp",
            "title": entry["title"],
            "published": entry["published"],
            "region": entry["region"],
            "region_code": None,
            "notice_id": PurePosixPath(urlsplit(response.url).path).stem or None,
            "html": html,
        }
        yield self.item(response, "award_notice", payload)
