"""JSON APIs of approval cases (办件公示)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import Response

from collectors.spiders.base import JsonApiSpider, Output


class ApprovalsJsonSpider(JsonApiSpider):
    """Approval cases (办件公示) from a paginated JSON API.

    Collects:
        approval_case items: one per case, `{"row"}` with the case exactly as sent (办件编号,
        事项名称, 受理时间, 办结时间, ...).
    From:
        `/approvals/api/cases?page=1&pageSize=50`, answering `{"total", "data": [...]}`, the
        layout of the 办件公示 APIs of provincial 政务服务网 portals.
    Arguments:
        url/urls: the API url(s). page_size: sets `pageSize`.
        label_synonyms: extra labels for the row's keys.
    Caveats:
        Portals publish only recent cases; older ones disappear from the API but stay in the
        database with their last seen version. Applicants who are natural persons are masked
        downstream, not here. On a re-run the list is read newest first down to a page
        unchanged since the last finished collect; an older case updated further down is met
        by `sunlit collect --full`.
    """

    format = "approvals_json"
    # Read by JsonApiSpider.
    page_param = "page"
    first_page = 1
    page_size_param = "pageSize"
    records_path = ("data",)
    total_path = ("total",)
    page_kind = "approval_case"
    # Read by SourceSpider: the cases are listed newest first.
    unchanged_pages = "stop"

    def parse_record(self, response: Response, record: Any) -> Iterable[Output]:
        yield self.item(response, "approval_case", {"row": record})
