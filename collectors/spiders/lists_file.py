"""Files of the three lists as departments publish them: JSON lines, JSON, XLSX, XLS, CSV, HTML."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import openpyxl
import xlrd
from scrapy.http import Response

from collectors.encoding import declared_charset, decode_page
from collectors.spiders.base import Output, SourceSpider
from disclosures.extract import table_grids

# Suffix of the url's path, then Content-Type fragment -> file format.
SUFFIXES = (".jsonl", ".ndjson", ".json", ".xlsx", ".xls", ".csv", ".html", ".htm")
CONTENT_TYPES = {
    "ndjson": ".jsonl",
    "jsonl": ".jsonl",
    "json": ".json",
    "spreadsheetml": ".xlsx",
    "ms-excel": ".xls",
    "csv": ".csv",
    "html": ".html",
}
# Keys under which JSON APIs and exports put their list of rows.
JSON_ROW_KEYS = ("items", "data", "rows", "list", "records", "result")


class BadFile(ValueError):
    """A file that cannot be cut into rows at all."""


def file_format(url: str, content_type: str) -> str | None:
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    for suffix in SUFFIXES:
        if path.endswith(suffix):
            return ".html" if suffix == ".htm" else ".jsonl" if suffix == ".ndjson" else suffix
    lowered = content_type.lower()
    return next((fmt for part, fmt in CONTENT_TYPES.items() if part in lowered), None)


def decode_text(body: bytes, declared: str | None) -> str:
    """Text of a CSV or JSON file: BOM, then UTF-8, then the declared charset, then GB18030.

    Departments save CSV from Excel in GBK without saying so; a header naming UTF-8 is often
    wrong, so the body's own validity decides first.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    for encoding in ("utf-8", declared, "gb18030"):
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("gb18030", errors="replace")


def _cell(value: Any) -> str:
    """A spreadsheet cell as text: 210973001000.0 (a code typed as a number) is 210973001000."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_from_grid(grid: list[list[str]]) -> list[dict[str, str]]:
    """Rows keyed by the header: the first row with two different non-blank cells.

    Above the header sits at most a title (merged across the sheet, so one value repeated);
    blank rows and repeats of the header (a sheet printed in pages) are skipped.
    """
    header_at = next(
        (i for i, row in enumerate(grid) if len({c for c in row if c.strip()}) >= 2), None
    )
    if header_at is None:
        return []
    header = [c.strip() for c in grid[header_at]]
    rows = []
    for cells in grid[header_at + 1:]:
        if not any(c.strip() for c in cells) or [c.strip() for c in cells] == header:
            continue
        row = {key: (cells[i] if i < len(cells) else "") for i, key in enumerate(header) if key}
        rows.append(row)
    return rows


def xlsx_grid(body: bytes) -> list[list[str]]:
    workbook = openpyxl.load_workbook(io.BytesIO(body), data_only=True)
    sheet = workbook.worksheets[0]
    grid = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    # A merged cell holds its value in the top-left cell only: fill it down and across.
    for merged in sheet.merged_cells.ranges:
        value = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                grid[r][c] = value
    return grid


def xls_grid(body: bytes) -> list[list[str]]:
    # formatting_info: xlrd reads merged ranges of .xls files only with it.
    book = xlrd.open_workbook(file_contents=body, formatting_info=True)
    sheet = book.sheet_by_index(0)
    grid = [[_cell(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
    for top, bottom, left, right in sheet.merged_cells:
        value = grid[top][left]
        for r in range(top, bottom):
            for c in range(left, right):
                grid[r][c] = value
    return grid


def json_rows(text: str) -> list[Any]:
    data = json.loads(text)
    if isinstance(data, dict):
        data = next((data[k] for k in JSON_ROW_KEYS if isinstance(data.get(k), list)), None)
    if not isinstance(data, list):
        raise BadFile(f"no list of rows at the top or under {', '.join(JSON_ROW_KEYS)}")
    return data


class ListsFileSpider(SourceSpider):
    """Items of one of the three lists from a file: .jsonl, .json, .xlsx, .xls, .csv or .html.

    Collects:
        list_item items: one per row, `{"list_kind", "row"}` with the row keyed by the file's
        own header (事项编码, 事项名称, 法定时限 … or TASK_CODE, handle_time …); the header's
        meaning is `disclosures.records`' business, not this spider's.
    From:
        a file a department publishes: JSON lines (one item a line, e.g. a catalogue export),
        JSON (a list of rows, or one under items/data/rows/list/records/result), XLSX and XLS
        (first sheet; merged cells filled into every cell they cover, a title row above the
        header skipped), CSV in UTF-8 or GBK, or an HTML page whose largest table holds the
        items (rowspans and colspans repeated). The format comes from the url's suffix, else
        from the Content-Type.
    Arguments:
        url/urls: the file(s) of one list. list_kind: power, responsibility or negative (a row's
        own 清单类型 column wins). label_synonyms: extra header names.
    Caveats:
        A file is a complete snapshot: when it was fetched and no row was rejected, items of
        this source and kind it no longer lists stop being current. Only the first sheet of a
        workbook is read. A JSON line that is not JSON is a reject of its own; the other lines
        still load.
    """

    format = "lists_file"

    def parse(self, response: Response, **_: Any) -> Iterator[Output]:
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        kind = file_format(response.url, content_type)
        try:
            rows = list(self.file_rows(response, kind))
        except BadFile as error:
            yield self.page_reject(response, "list_item", "bad_page", str(error))
            return
        except Exception as error:  # a corrupt workbook raises whatever its reader raises
            yield self.page_reject(
                response, "list_item", "bad_page",
                f"not a readable {kind or 'list'} file: {type(error).__name__}: {error}",
            )
            return
        if not rows:
            yield self.page_reject(response, "list_item", "bad_page", "a file without rows")
        for row in rows:
            if isinstance(row, Exception):
                yield self.page_reject(response, "list_item", "unparseable", str(row))
            else:
                yield self.item(
                    response, "list_item", {"list_kind": self.source.list_kind, "row": row}
                )

    def file_rows(self, response: Response, kind: str | None) -> Iterable[Any]:
        body = response.body
        if kind == ".jsonl":
            text = decode_text(body, declared_charset(response))
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError as error:
                    yield ValueError(f"line {number} is not JSON: {error}")
        elif kind == ".json":
            yield from json_rows(decode_text(body, declared_charset(response)))
        elif kind == ".xlsx":
            yield from rows_from_grid(xlsx_grid(body))
        elif kind == ".xls":
            yield from rows_from_grid(xls_grid(body))
        elif kind == ".csv":
            text = decode_text(body, declared_charset(response))
            yield from rows_from_grid([list(r) for r in csv.reader(io.StringIO(text))])
        elif kind == ".html":
            grids = table_grids(decode_page(response)[0])
            if not grids:
                raise BadFile("an HTML page without a table")
            yield from rows_from_grid(max(grids, key=len))
        else:
            raise BadFile(f"unknown file format (url suffix or Content-Type {kind!r})")
