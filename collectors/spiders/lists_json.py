"""JSON APIs of the three lists (权力清单, 责任清单, 负面清单)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import Response

from collectors.spiders.base import JsonApiSpider, Output


class ListsJsonSpider(JsonApiSpider):
    """Items of one of the three lists from a paginated JSON API.

    Collects:
        list_item items: one per list entry, `{"list_kind", "row"}` with the row exactly as sent
        (Chinese keys such as 事项编码, 事项名称, 实施部门, 法定时限).
    From:
        `/lists/api/items?kind=power&page=1&pageSize=50`, answering
        `{"total", "page", "pageSize", "items": [...]}` (the sample portal's layout, which
        follows the 政务服务网 catalogue exports).
    Arguments:
        url/urls: the API url(s) of one list.
        list_kind: power, responsibility or negative; defaults to the url's `kind` parameter.
        page_size: sets `pageSize`. label_synonyms: extra labels for the row's keys.
    Caveats:
        A list is a snapshot: when every page came back and no item was rejected, items of this
        source and kind that were not listed any more stop being current. A failed page
        leaves the previous snapshot alone. On a re-run, pages unchanged since the last
        finished collect are not read again; their items still count as listed.
    """

    format = "lists_json"
    # Read by JsonApiSpider.
    page_param = "page"
    first_page = 1
    page_size_param = "pageSize"
    records_path = ("items",)
    total_path = ("total",)
    page_kind = "list_item"
    # Read by SourceSpider: a snapshot needs every page, but an unchanged one is not re-read.
    unchanged_pages = "skip"

    def parse_record(self, response: Response, record: Any) -> Iterable[Output]:
        yield self.item(response, "list_item", {"list_kind": self.source.list_kind, "row": record})
