"""Text clean-up shared by every field: whitespace, control characters, entities."""

from __future__ import annotations

import html
import re

# Control characters other than newline and tab; DEL and the C1 block too. Portals paste from
# Word and leak these, and XML (our feeds) refuses most of them.
# Control characters other than newline and tab, DEL and the C1 block, and zero-width
# characters. Portals paste from Word and leak these, and XML (our feeds) refuses most of them.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff]")
_EDGE_QUOTES = "“”\"'‘’「」"


def clean_text(s: str | None) -> str:
    """Unescape entities, drop control and zero-width characters, collapse whitespace.

    Newlines survive (collapsed to one) because legal texts and addresses use them as
    structure; every other run of whitespace, including the ideographic space, becomes one
    ASCII space.
    """
    if not s:
        return ""
    if "&" in s:
        s = html.unescape(s)
    s = _INVISIBLE.sub("", s.replace("\r\n", "\n").replace("\r", "\n"))
    # str.split() is the fast whitespace collapse (it knows the ideographic space too); this
    # runs on every cell of every notice.
    if "\n" not in s:
        return " ".join(s.split())
    lines = (" ".join(line.split()) for line in s.split("\n"))
    return "\n".join(line for line in lines if line)


def clean_legal_basis(s: str | None) -> str:
    """Clean a legal-basis text (设定依据) as exported from spreadsheets.

    The Liaoning power list shows what spreadsheet exports do to long cells: the whole text
    wrapped in straight quotes ("…"), stray leading ";" separators, CRLF line ends and
    ideographic-space indents. The quotes are removed only where they wrap the text, never
    inside it: the law's own quotation marks stay.
    """
    text = clean_text(s)
    while True:
        before = text
        text = text.strip().lstrip(";；,，")
        if len(text) >= 2 and text[0] in _EDGE_QUOTES and text[-1] in _EDGE_QUOTES:
            text = text[1:-1]
        elif text.startswith(('"', "'")) and text.count(text[0]) == 1:
            text = text[1:]  # a lone opening quote whose partner was cut off
        elif text.endswith(('"', "'")) and text.count(text[-1]) == 1:
            text = text[:-1]
        if text == before:
            return text
