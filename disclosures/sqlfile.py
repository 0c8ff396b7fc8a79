"""SQL files with a comment header, as flags and named queries are written.

    -- name: supplier_awards
    -- description: a long text
    --   continued on a line indented by two more spaces
    SELECT ...

`read_sql_file` returns the header as (key, value) pairs in order (a key may repeat, as
`param` and `threshold` do) and the statement after it.
"""

from __future__ import annotations

import re

_HEADER_LINE = re.compile(r"^--\s?(\w+):\s*(.*)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")


def read_sql_file(text: str, *, strict: bool = False) -> tuple[list[tuple[str, str]], str]:
    """The header fields and the SQL body; `strict` refuses a header line that is neither."""
    fields: list[tuple[str, str]] = []
    lines = text.splitlines()
    body_start = len(lines)
    for number, line in enumerate(lines):
        if not line.startswith("--"):
            body_start = number
            break
        if (more := _CONTINUATION.match(line)) and fields:
            key, value = fields[-1]
            fields[-1] = (key, f"{value} {more.group(1)}")
        elif header := _HEADER_LINE.match(line):
            fields.append((header.group(1), header.group(2).strip()))
        elif strict and line.strip() != "--":
            raise ValueError(f"unreadable header line: {line!r}")
    return fields, "\n".join(lines[body_start:]).strip().rstrip(";")
