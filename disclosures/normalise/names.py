"""Organisation names: one spelling per organisation, and consortia split into members."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u3000]+")
# Role notes published after a member's name; they describe the role in this tender, not the
# organisation, so they are kept apart from the name.
_ROLE = re.compile(
    r"[（(]\s*((?:联合体)?(?:牵头人|牵头方|牵头单位|主办方|成员方?|成员单位|协办方)|联合体(?:成员)?)\s*[)）]$"
)
_CONSORTIUM_PREFIX = re.compile(r"^(?:联合体(?:成员|名称|各方)?|中标联合体)[:：]")
_CONSORTIUM_SUFFIX = re.compile(r"[(（]?(?:组成的)?联合体[)）]?$")
_SEPARATORS = set("、,，;；/／\n")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text)


def split_role(text: str) -> tuple[str, str | None]:
    """Split "A公司（联合体牵头人）" into ("A公司", "联合体牵头人"); no note → (text, None)."""
    stripped = _INVISIBLE.sub("", text)
    match = _ROLE.search(stripped)
    if not match:
        return stripped, None
    return stripped[: match.start()], match.group(1)


def normalise_org_name(text: str) -> str:
    """The name under which an organisation is filed when it has no 统一社会信用代码.

    NFKC folds full-width letters and digits to ASCII; brackets then become full-width （）
    because official Chinese names are registered with them, so "世纪杰皓(湖北)" and
    "世纪杰皓（湖北）" meet. Spaces and zero-width characters go, and so does a trailing role
    note such as （联合体牵头人）.
    """
    name, _role = split_role(text)
    name = _fold(name).replace("(", "（").replace(")", "）")
    return name.strip("，,、;；:：。")


def _split_outside_brackets(text: str, separators: set[str]) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "（([【":
            depth += 1
        elif char in "）)]】":
            depth = max(0, depth - 1)
        if char in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in (part.strip() for part in parts) if p]


def split_consortium(text: str) -> list[str]:
    """Members of a winning consortium, each as published (role notes kept, see split_role).

    Handles "A公司（联合体牵头人）、B公司（联合体成员）", "A公司,B公司", "A公司；B公司",
    "联合体：A公司与B公司" and the Yichang form "A公司、B公司联合体". 与/和 separate members
    only where the text says it is a consortium, because they also occur inside names.
    """
    folded = text.replace("\u3000", " ").strip()
    consortium = bool(_CONSORTIUM_PREFIX.search(folded)) or bool(_CONSORTIUM_SUFFIX.search(folded))
    folded = _CONSORTIUM_PREFIX.sub("", folded)
    folded = _CONSORTIUM_SUFFIX.sub("", folded) if not _ROLE.search(_fold(folded)) else folded
    separators = _SEPARATORS | ({"与", "和", "及"} if consortium else set())
    members = _split_outside_brackets(folded, separators)
    return [m for m in members if _fold(m)]
