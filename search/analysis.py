"""The text analyser for Chinese records: CJK unigrams and bigrams, words for everything else.

A reader types part of a name — 恒泰 for 宜昌恒泰建设工程有限公司 — and expects every record
that contains it. A dictionary word segmenter (jieba's analyser for Whoosh, Pagefind's) cuts a
name where its dictionary says, so a fragment that straddles a cut, or a rare name it has never
seen, is not found. Overlapping bigrams find any fragment of two characters or more with no
dictionary; no maintained library offers that for Whoosh
(its `NgramTokenizer` n-grams Latin words too and loses word boundaries), so it is written here.

Text is NFKC-normalised first, so full-width letters and digits (ＡＢＣ１２３) match their ASCII
forms. Latin words and digits are cut by Whoosh's standard word pattern and lowercased.

A CJK run yields each adjacent pair (a lone character yields itself), at index and at query
time alike, so a query of n characters is n-1 bigrams that a phrase query keeps in order. Unigrams
are not indexed: they would double the postings, and Whoosh writes every posting in Python. A
one-character query is run as a prefix query over the bigrams instead (`search.whoosh_engine`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"  # Han
    "\u3040-\u30ff"  # kana
    "\uac00-\ud7af"  # Hangul syllables
)
# Whoosh's standard word pattern (\w+(\.?\w+)*), minus the CJK characters handled above.
_WORD = rf"[^\W{_CJK}]+(?:\.?[^\W{_CJK}]+)*"
_RUN = re.compile(rf"([{_CJK}]+)|({_WORD})", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC: full-width forms become ASCII, compatibility ideographs their usual form."""
    return unicodedata.normalize("NFKC", text)


class CjkBigramTokenizer(Tokenizer):  # type: ignore[misc]
    """CJK runs as overlapping bigrams (a lone character as itself); other words whole."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CjkBigramTokenizer)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        # One Token for the whole run, as Whoosh's own tokenizers do: the writer reads each
        # token's attributes before the next one is yielded.
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        text = normalise(value)
        if not tokenize:
            token.original = token.text = text.lower()
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in _RUN.finditer(text):
            word = match.group(2)
            if word:
                token.text = word.lower()
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token
                pos += 1
                continue
            cjk = match.group(1)
            start = start_char + match.start()
            if len(cjk) == 1:
                token.text = cjk
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar, token.endchar = start, start + 1
                yield token
                pos += 1
                continue
            for i in range(len(cjk) - 1):
                token.text = cjk[i:i + 2]
                if positions:
                    token.pos = pos + i
                if chars:
                    token.startchar, token.endchar = start + i, start + i + 2
                yield token
            pos += len(cjk) - 1


def sunlit_analyzer() -> Tokenizer:
    """The analyser of every text field: CJK bigrams, lowercase Latin words and digits (the
    tokenizer lowercases itself: a filter stage would be a generator more per token)."""
    return CjkBigramTokenizer()


def cuts(text: str) -> Iterator[tuple[bool, str, int]]:
    """The terms the tokenizer cuts `text` into, in order, each with whether it is CJK and the
    position the tokenizer gives it: CJK bigrams (a lone character as itself) and lowercased
    words, without the tokenizer's Token objects."""
    pos = 0
    for match in _RUN.finditer(normalise(text)):
        cjk, word = match.group(1), match.group(2)
        if word:
            yield False, word.lower(), pos
            pos += 1
        elif len(cjk) == 1:
            yield True, cjk, pos
            pos += 1
        else:
            for i in range(len(cjk) - 1):
                yield True, cjk[i:i + 2], pos + i
            pos += len(cjk) - 1


def term_list(text: str) -> list[str]:
    """The terms of `text` in order, as `cuts` gives them: a term's position is its place in the
    list. Built a run at a time, for the index writer, which cuts every field of every record."""
    out: list[str] = []
    for cjk, word in _RUN.findall(normalise(text)):
        if word:
            out.append(word.lower())
        elif len(cjk) == 1:
            out.append(cjk)
        else:
            out += map(str.__add__, cjk, cjk[1:])
    return out


def terms(text: str) -> Iterator[tuple[bool, str]]:
    """The terms of `text`, each with whether it is CJK (`cuts` without positions)."""
    return ((cjk, term) for cjk, term, _ in cuts(text))
