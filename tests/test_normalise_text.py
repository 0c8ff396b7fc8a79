import json
from pathlib import Path

import pytest

from disclosures.normalise import clean_legal_basis, clean_text

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
LIAONING = CORPUS / "three_lists" / "liaoning" / "power_list.json"


def test_clean_text() -> None:
    assert clean_text("  a\u3000 b\t\tc \r\n\r\n d&amp;e\x07\u200b ") == "a b c\nd&e"
    assert clean_text(None) == ""
    assert clean_text("&yen;80.00") == "¥80.00"


def test_legal_basis_quotes_and_crlf() -> None:
    raw = '"【规章】《某办法》第一条\r\n“引号里的话”照留。 "'
    assert clean_legal_basis(raw) == "【规章】《某办法》第一条\n“引号里的话”照留。"
    assert (
        clean_legal_basis(";1、《军人抚恤优待条例》第三十三条")
        == "1、《军人抚恤优待条例》第三十三条"
    )


@pytest.mark.parametrize("text", [None, "", '"', "“”", ";"])
def test_legal_basis_of_nothing_is_empty(text: str | None) -> None:
    assert clean_legal_basis(text) == ""


def test_liaoning_legal_bases() -> None:
    if not LIAONING.exists():
        pytest.skip(f"corpus not found at {LIAONING} (it sits beside the repository)")
    items = json.loads(LIAONING.read_text(encoding="utf-8"))
    cleaned = [clean_legal_basis(item["依据"]) for item in items]
    assert all(text and text[0] not in "\"';" and text[-1] != '"' for text in cleaned)
    assert not any("\r" in text for text in cleaned)
    wrapped = [c for item, c in zip(items, cleaned, strict=True) if item["依据"].startswith('"')]
    assert wrapped and wrapped[0].startswith("【规章】《医疗技术临床应用管理办法》")
