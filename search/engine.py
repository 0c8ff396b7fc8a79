"""The one interface of Sunlit's search: documents in, queries out, whatever engine is behind it.

`sunlit search` and any future API talk to a `SearchEngine`; the engine today is Whoosh
(`search.whoosh_engine`), pinned and unmaintained upstream, so nothing outside `search/` imports
it. Another engine (tantivy, say) is another class with these methods.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from search.documents import SearchDocument

# Fields a query may name (`buyer:恒泰`, `--field department=教育局`).
QUERY_FIELDS = ("title", "body", "buyer", "supplier", "department", "region", "code", "kind",
                "year", "date", "amount")


@dataclass(frozen=True)
class Hit:
    key: str  # "<kind>:<record id>"
    kind: str
    record_id: str
    url: str
    title: str
    date: str
    amount: str
    score: float


@dataclass
class Results:
    query: str
    total: int
    hits: list[Hit]
    suggestions: list[str] = field(default_factory=list)  # organisation names, for a typo


@dataclass(frozen=True)
class UpdateReport:
    added: int
    changed: int
    removed: int
    unchanged: int
    rebuilt: bool

    @property
    def touched(self) -> int:
        return self.added + self.changed + self.removed


class SearchEngine(Protocol):
    def exists(self) -> bool:
        """Whether an index has been built."""
        ...

    def rebuild(self, documents: Iterable[SearchDocument]) -> UpdateReport:
        """Index `documents` from scratch."""
        ...

    def update(self, documents: Iterable[SearchDocument]) -> UpdateReport:
        """Bring the index up to `documents`, touching only what was added, changed or removed."""
        ...

    def search(self, query: str, *, kinds: Sequence[str] = (),
               fields: Mapping[str, str] | None = None, limit: int = 20) -> Results:
        """The best `limit` hits for `query`, optionally of some kinds and with field filters."""
        ...


def document_hash(document: SearchDocument) -> str:
    """A digest of everything an index holds for `document`: equal digests, nothing to redo."""
    # The document's own fields, flat: what `dataclasses.asdict` gives, without its deep copy.
    payload = json.dumps({f.name: getattr(document, f.name) for f in fields(document)},
                         sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
