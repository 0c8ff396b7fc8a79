"""Fields out of notice HTML: label/value pairs, tables as grids, and the text.

Portals lay the same facts out three ways: label and value in neighbouring cells
(`<td>招标人:</td><td>X</td>`), "label：value" lines of prose, and tables whose first row
holds the labels. `notice_fields` reads all three into one ordered list of pairs; meaning is
given to the labels later, by `records`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from lxml import etree

from disclosures.normalise.text import clean_text

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_LABEL_MAX = 24
_WHITESPACE = re.compile(r"\s+")
_FIGURE = re.compile(r"[\d.,%\s/-]+")
# A label is a run without spaces or punctuation after a space or the line's start; at the
# start of a line it may be spaced out for typographic width ("地 址", "联 系人").
_LINE_PAIR = re.compile(
    r"(?:^((?:[\u4e00-\u9fff]{1,2} ){1,3}[\u4e00-\u9fff]{1,2})"
    r"|(?:^|(?<=\s))([^\s:：，。；,;、（）()][^\s:：，。；,;、]{0,23}?))\s*[:：]"
)
# "（招标编号：YNLB201601101）" inside a sentence.
_BRACKETED_PAIR = re.compile(r"[（(]([^\s:：，。；,;、（）()]{1,24})[:：]\s*([^（）()]{1,80})[）)]")
_ENUMERATION = re.compile(r"^(?:\d{1,2}[.、．]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}、)")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn"})


@dataclass
class NoticeFields:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    text: str = ""

    def first(self, *labels: str) -> str | None:
        """The value of the first pair whose label is one of `labels`."""
        wanted = set(labels)
        return next((value for label, value in self.pairs if label in wanted), None)


# ---------------------------------------------------------------------------------------------
# Decoding


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        # gb18030 is a superset of gb2312 and gbk; pages labelled with either routinely contain
        # characters only the superset has (生僻字 in names), which would otherwise be lost.
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(body: bytes, declared: str | None) -> tuple[str, str]:
    """Decode a response body: (text, encoding used).

    Order: a byte-order mark; then the page's own `<meta charset>`; then the charset the HTTP
    header declared; then utf-8. The page's meta comes before the header because Chinese
    government servers are often configured with one default charset for every page while
    each page's generator wrote the right one in its head. A body that fails to decode as
    its label says utf-8 is tried as gb18030 (the commonest mislabelling), and a body
    that fits nothing is decoded with replacement characters rather than refused.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    meta = _META_CHARSET.search(body[:4096])
    candidates = [
        _codec(meta.group(1).decode("ascii", "ignore")) if meta else None,
        _codec(declared),
        "utf-8",
    ]
    chosen = next(c for c in candidates if c)
    tries = [chosen] + (["gb18030"] if chosen == "utf-8" else ["utf-8"])
    for name in tries:
        try:
            return body.decode(name), name
        except UnicodeDecodeError:
            continue
    return body.decode(chosen, errors="replace"), chosen


# ---------------------------------------------------------------------------------------------
# Parsing


_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def _drop(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _parse(html: str) -> etree._Element | None:
    html = _XML_DECLARATION.sub("", html)  # lxml refuses str input that declares an encoding
    if not html.strip():
        return None
    try:
        # A plain etree parser: lxml.html's element classes cost a lookup per element.
        root = etree.fromstring(html, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    for junk in root.xpath("//script|//style|//noscript|//comment()|//template"):
        _drop(junk)
    _mark_blocks(root)
    return root


def _mark_blocks(root: etree._Element) -> None:
    """Put a newline at both ends of every block element, once, so that plain `itertext`
    then keeps lines apart: "12<br>34" must not read as 1234."""
    for element in root.iter(*_BLOCK_TAGS):
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")


def _text_with_breaks(element: etree._Element) -> str:
    return clean_text("".join(element.itertext()))


def _cell_text(cell: etree._Element) -> str:
    # Inline runs join without a space: Word-made pages split "2025" into <span>202</span>
    # <span>5</span>. Block elements inside the cell still separate words.
    return _text_with_breaks(cell).replace("\n", " ")


def _rows(table: etree._Element) -> list[list[etree._Element]]:
    rows = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    return [row.xpath("./td|./th") for row in rows]


def _span(cell: etree._Element, name: str) -> int:
    try:
        return max(1, min(int(cell.get(name, "1")), 1000))
    except ValueError:
        return 1


def _grid(rows: list[list[etree._Element]], texts: list[list[str]]) -> list[list[str]]:
    """Rows of cell text with every rowspan and colspan repeated into the cells it covers."""
    grid: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}  # (row, col) -> text carried down by a rowspan
    for r, cells in enumerate(rows):
        out: list[str] = []
        col = 0
        queue = list(zip(cells, texts[r], strict=True))
        while queue or (r, col) in pending:
            if (r, col) in pending:
                out.append(pending.pop((r, col)))
                col += 1
                continue
            cell, text = queue.pop(0)
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            for c in range(col, col + colspan):
                out.append(text)
                for below in range(r + 1, r + rowspan):
                    pending[(below, c)] = text
            col += colspan
        grid.append(out)
    return grid


def _label(text: str) -> str:
    """A label as matched later: numbering, colon and inner spaces gone ("名 次" → "名次")."""
    return _ENUMERATION.sub("", _WHITESPACE.sub("", text).rstrip(":："))


def _is_label(text: str) -> bool:
    stripped = text.strip()
    if not 0 < len(_label(stripped)) <= _LABEL_MAX or _FIGURE.fullmatch(stripped):
        return False
    # "某局某项目（项目编号：…）" opens a bracket the label never closes: the label is inside it.
    return stripped.count("（") + stripped.count("(") == stripped.count("）") + stripped.count(")")


def _row_pairs(texts: list[str]) -> list[tuple[str, str]] | None:
    """Label/value pairs of one table row laid out as label, value, label, value…"""
    if len(texts) >= 2 and len(texts) % 2 == 0 and all(_is_label(t) for t in texts[::2]):
        has_colon = any(t.rstrip().endswith((":", "：")) for t in texts[::2])
        if has_colon or len(texts) == 2:
            return [(_label(texts[i]), texts[i + 1]) for i in range(0, len(texts), 2)]
    if len(texts) > 2:
        pairs = [
            (_label(texts[i]), texts[i + 1])
            for i in range(len(texts) - 1)
            if texts[i].rstrip().endswith((":", "："))
        ]
        return pairs or None
    return None


def _line_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.split("\n"):
        # "六、中标供应商：…": numbered paragraphs, as 中国政府采购网 notices lay out their facts.
        line = _ENUMERATION.sub("", line.strip())
        matches = list(_LINE_PAIR.finditer(line))
        for i, match in enumerate(matches):
            label = match.group(1) or match.group(2)
            if not _is_label(label):
                continue
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            pairs.append((_label(label), line[match.end() : end].strip()))
        pairs += [(_label(m.group(1)), m.group(2).strip()) for m in _BRACKETED_PAIR.finditer(line)]
    return pairs


def _table_pairs(raw: list[list[str]], grid: list[list[str]]) -> list[tuple[str, str]]:
    row_pairs = [_row_pairs(texts) for texts in raw]
    if sum(1 for p in row_pairs if p) * 2 >= len([t for t in raw if t]):
        pairs: list[tuple[str, str]] = []
        for texts, found in zip(raw, row_pairs, strict=True):
            if found:
                pairs += found
            elif len(texts) == 1:
                pairs += _line_pairs(texts[0])
        return pairs
    # A header row over exactly one row of values is a record; with more rows it is a list,
    # which stays in `tables` for the caller to read row by row.
    if len(grid) == 2 and len(grid[0]) == len(grid[1]) and all(_is_label(t) for t in grid[0]):
        return [(_label(h), v) for h, v in zip(grid[0], grid[1], strict=True) if _label(h)]
    return []


def notice_fields(html: str) -> NoticeFields:
    """Every label/value pair, table and line of text in a notice's HTML, in document order."""
    root = _parse(html)
    if root is None:
        return NoticeFields()
    fields = NoticeFields(text=_text_with_breaks(root))
    tables = root.xpath("//table")
    for table in tables:
        rows = _rows(table)
        texts = [[_cell_text(cell) for cell in cells] for cells in rows]
        grid = _grid(rows, texts)
        fields.tables.append(grid)
        fields.pairs += _table_pairs(texts, grid)
    for table in tables:
        # Prose outside the tables: nested tables were read above with their parents.
        _drop(table)
    fields.pairs += _line_pairs(_text_with_breaks(root))
    return fields


def table_grids(html: str) -> list[list[list[str]]]:
    """Every table of a page as rows of cell text, rowspans and colspans repeated.

    For pages that publish records as one table row each (a list's items); innermost tables
    come too, so a layout table around the data does not hide it.
    """
    root = _parse(html)
    if root is None:
        return []
    grids = []
    for table in root.iter("table"):
        rows = _rows(table)
        texts = [[_cell_text(cell) for cell in cells] for cells in rows]
        grids.append(_grid(rows, texts))
    return grids
