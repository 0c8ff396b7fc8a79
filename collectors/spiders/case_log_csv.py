"""Case event logs in CSV: one row per step of an approval case."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from collectors.encoding import declared_charset
from collectors.spiders.base import Output, SourceSpider
from collectors.spiders.lists_file import decode_text
from disclosures.records import case_log_key


class CaseLogCsvSpider(SourceSpider):
    """Approval cases and their steps from an event log in CSV.

    Collects:
        case_log items: one per case, `{"rows": [...]}` with every row of that case exactly as
        in the file, in file order; `disclosures.records` makes the approval_cases row (start,
        deadline, end) and one approval_steps row per event.
    From:
        a CSV event log with a header, as process-mining exports write them (XES attribute
        names: `case:concept:name`, `case:startdate`, `case:deadline`, `case:enddate`,
        `concept:name`, `time:timestamp`, `org:resource` …) or with Chinese headers (办件编号,
        环节名称, 办理时间 …). UTF-8 or GBK.
    Arguments:
        url/urls: the log file(s). label_synonyms: extra header names.
    Caveats:
        The whole file is read at once (logs of a few MB); rows of a case need not be
        adjacent. A file without a case-id column is one bad_page reject.
    """

    format = "case_log_csv"

    def parse(self, response: Response, **_: Any) -> Iterator[Output]:
        text = decode_text(response.body, declared_charset(response))
        reader = csv.DictReader(io.StringIO(text))
        key = case_log_key(reader.fieldnames or [], self.source.label_synonyms or None)
        if key is None:
            yield self.page_reject(
                response, "case_log", "bad_page",
                f"no case id column among {', '.join(reader.fieldnames or [])[:300]}",
            )
            return
        cases: dict[str, list[dict[str, Any]]] = {}
        for row in reader:
            cases.setdefault(row.get(key) or "", []).append(dict(row))
        for rows in cases.values():
            yield self.item(response, "case_log", {"rows": rows})
