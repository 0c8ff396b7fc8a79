"""Open Contracting Data Standard (OCDS) publications."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.http import Response

from collectors.spiders.base import JsonApiSpider, Output


class OcdsSpider(JsonApiSpider):
    """OCDS releases from release packages that link to the next package.

    Collects:
        ocds_release items: one per release, `{"release": {...}}`.
    From:
        release packages (`{"releases": [...], "links": {"next": url}}`), as served by OCDS
        APIs and by the sample portal at `/ocds/releases.json?page=1`; older APIs put
        `"next_page": {"uri": url}` at the top instead (Armenia), which is followed too.
    Arguments:
        url/urls: the first package of each publication.
    Caveats:
        Record packages yield each record's `compiledRelease` (records without one are
        rejected as a page problem); a bare release or a JSON list of releases is accepted.
        Releases are not merged here: every release is a version of its tender downstream.
    """

    format = "ocds"
    # Read by JsonApiSpider: packages are linked, not numbered.
    records_path = ("releases",)
    page_kind = "ocds_release"

    def page_records(self, data: Any) -> list[Any] | None:
        if isinstance(data, list):
            return data
        if not isinstance(data, dict):
            return None
        if isinstance(data.get("releases"), list):
            return list(data["releases"])
        if isinstance(data.get("records"), list):
            compiled = [r.get("compiledRelease") for r in data["records"] if isinstance(r, dict)]
            return compiled if compiled and all(isinstance(c, dict) for c in compiled) else None
        if "ocid" in data:
            return [data]
        return None

    def next_link(self, data: Any) -> str | None:
        if not isinstance(data, dict):
            return None
        links = data.get("links")
        if isinstance(links, dict) and isinstance(links.get("next"), str):
            return str(links["next"])
        next_page = data.get("next_page")
        if isinstance(next_page, dict) and isinstance(next_page.get("uri"), str):
            return str(next_page["uri"])
        if isinstance(next_page, str):
            return next_page
        return None

    def parse_record(self, response: Response, record: Any) -> Iterable[Output]:
        yield self.item(response, "ocds_release", {"release": record})
