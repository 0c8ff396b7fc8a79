"""Epoint WebBuilder (新点) trading-centre portals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scrapy.http import Response

from collectors.encoding import decode_page
from collectors.spiders.base import JsonApiSpider, Output, query_param, with_query


class EpointSpider(JsonApiSpider):
    """Award and candidate notices from an Epoint WebBuilder list API (many 公共资源交易中心).

    Collects:
        award_notice (中标结果公告) and candidate_notice (中标候选人公示) items, one per notice,
        with the notice's HTML as the list API returns it in `infocontent`.
    From:
        `/EpointWebBuilder/rest/frontAppCustomAction/getPageInfoListNew?categoryNum=...&pageIndex=0&pageSize=20`,
        which answers `{"custom": {"count": N, "infodata": [...]}}`; e.g. 宜昌市公共资源交易中心.
    Arguments:
        url/urls: list API urls; `categoryNum` names the category of each.
        categories: table of categoryNum = award_notice | candidate_notice; categories missing
        from the urls are added to the first url. Defaults: 003001005 awards, 003001004 candidates.
        page_size: sets `pageSize`.
    Caveats:
        Some sites send `custom` as a JSON string; it is unwrapped. A notice without
        `infocontent` is fetched from its `infourl` page instead. A notice served on two pages
        is yielded twice; the load pipeline rejects the second as a duplicate. On a re-run the
        list is read newest first, one page at a time, down to a page unchanged since the last
        finished collect.
    """

    format = "epoint"
    # Read by JsonApiSpider.
    page_param = "pageIndex"
    first_page = 0
    page_size_param = "pageSize"
    records_path = ("custom", "infodata")
    total_path = ("custom", "count")
    page_kind = "award_notice"
    # Read by SourceSpider: the list is newest first.
    unchanged_pages = "stop"

    def start_urls_for_source(self) -> list[str]:
        urls = super().start_urls_for_source()
        present = {query_param(url, "categoryNum") for url in urls}
        extra = [number for number in self.source.categories if number not in present]
        return urls + [with_query(urls[0], categoryNum=number) for number in extra]

    def kind_of(self, url: str) -> str:
        number = query_param(url, "categoryNum") or ""
        return self.source.categories.get(number, "award_notice")

    def parse_record(self, response: Response, record: Any) -> Iterable[Output]:
        kind = self.kind_of(response.url)
        if not isinstance(record, dict):
            reason = f"a list entry that is not an object: {record!r:.80}"
            yield self.page_reject(response, kind, "bad_record", reason)
            return
        payload = {
            "source_format": "epoint",
            "title": record.get("title") or record.get("customtitle"),
            "published": record.get("infodate") or record.get("pubinwebdate"),
            "region": record.get("xiaquname"),
            "region_code": record.get("xiaqucode"),
            "notice_id": record.get("infoid"),
            "html": record.get("infocontent"),
        }
        detail = record.get("infourl")
        if not payload["html"] and isinstance(detail, str) and detail:
            detail_url = response.urljoin(detail)
            yield self.request(
                detail_url, self.parse_notice_page, conditional=False, kind=kind, payload=payload
            )
            return
        yield self.item(response, kind, payload)

    def parse_notice_page(
        self, response: Response, kind: str, payload: dict[str, Any]
    ) -> Iterator[Output]:
        html, _encoding = decode_page(response)
        yield self.item(response, kind, {**payload, "html": html})
