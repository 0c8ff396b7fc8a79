"""Sunlit's spiders: one module per source format, each a thin subclass of a base spider."""

from __future__ import annotations

from collectors.spiders.approvals_json import ApprovalsJsonSpider
from collectors.spiders.base import SourceSpider
from collectors.spiders.case_log_csv import CaseLogCsvSpider
from collectors.spiders.ccgp import CcgpSpider
from collectors.spiders.epoint import EpointSpider
from collectors.spiders.lists_file import ListsFileSpider
from collectors.spiders.lists_json import ListsJsonSpider
from collectors.spiders.ocds import OcdsSpider

# sources.toml `format` -> spider class.
FORMATS: dict[str, type[SourceSpider]] = {
    spider.format: spider
    for spider in (
        EpointSpider, CcgpSpider, OcdsSpider, ListsJsonSpider, ApprovalsJsonSpider,
        ListsFileSpider, CaseLogCsvSpider,
    )
}

__all__ = ["FORMATS", "SourceSpider"]
