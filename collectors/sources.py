"""`sources.toml`: which portals to collect, in which format, how politely.

Each `[[source]]` table names one source. Unknown keys are errors, not ignored: a misspelt
`pagesize` would otherwise silently fall back to the default. See docs/collecting.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FORMATS = ("epoint", "ccgp", "ocds", "lists_json", "approvals_json", "lists_file", "case_log_csv")
LIST_KINDS = ("power", "responsibility", "negative")
# Formats whose sources are one list each: list_kind applies, a complete fetch is a snapshot.
LIST_FORMATS = ("lists_json", "lists_file")
NOTICE_KINDS = ("award_notice", "candidate_notice")
# Epoint WebBuilder category numbers used by many trading centres (宜昌 among them).
EPOINT_CATEGORIES = {"003001005": "award_notice", "003001004": "candidate_notice"}
PORTAL_SCHEME = "portal:"
# Where sample-portal urls point (.invalid never resolves: RFC 2606).
PORTAL_ORIGIN = "http://sample-portal.invalid"
DEFAULT_DELAY = 1.0
# Requests in flight at once per host: government portals are small servers.
DEFAULT_CONCURRENCY = 2

_KEYS = {
    "name", "format", "url", "urls", "categories", "list_kind", "page_size", "delay",
    "autothrottle", "concurrency", "label_synonyms", "max_reject_rate", "since", "until",
}
_URL_PREFIXES = ("http://", "https://", PORTAL_SCHEME + "/")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class SourcesError(ValueError):
    """sources.toml is malformed; the message says where and how to fix it."""


@dataclass(frozen=True)
class SourceConfig:
    """One source: a portal endpoint of a known format, with its options."""

    name: str
    format: str
    urls: tuple[str, ...]
    categories: dict[str, str] = field(default_factory=dict)
    list_kind: str | None = None
    page_size: int | None = None
    delay: float = DEFAULT_DELAY
    autothrottle: bool = True
    concurrency: int = DEFAULT_CONCURRENCY
    label_synonyms: dict[str, str] = field(default_factory=dict)
    max_reject_rate: float | None = None
    # OCDS only: releases dated outside [since, until] are skipped.
    since: date | None = None
    until: date | None = None
    # Set by with_portal: the address the sample portal listens on for this collect.
    portal_base: str | None = None

    @property
    def uses_portal(self) -> bool:
        return any(url.startswith(PORTAL_SCHEME) for url in self.urls)

    def with_portal(self, base_url: str) -> SourceConfig:
        """The same source with `portal:/path` urls on the sample portal's fixed origin.

        The portal listens on a new port every collect. Reached as an HTTP proxy for the
        origin PORTAL_ORIGIN (collectors.middlewares.SamplePortalMiddleware), it serves the
        same bodies at the same urls on every run: a second collect stores nothing new.
        """
        urls = tuple(
            PORTAL_ORIGIN + url[len(PORTAL_SCHEME):] if url.startswith(PORTAL_SCHEME) else url
            for url in self.urls
        )
        return replace(self, urls=urls, portal_base=base_url.rstrip("/"))


def load_sources(path: Path) -> list[SourceConfig]:
    """Read and validate a sources file; raise SourcesError naming the file and the source."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{path}: no such file (pass --sources FILE)") from None
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(f"{path}: not valid TOML: {error}") from None
    return parse_sources(document, where=str(path))


def parse_sources(document: dict[str, Any], *, where: str = "sources.toml") -> list[SourceConfig]:
    extra = set(document) - {"source"}
    if extra:
        raise SourcesError(
            f"{where}: unknown top-level key(s) {sorted(extra)}; use [[source]] tables"
        )
    tables = document.get("source")
    if not isinstance(tables, list) or not tables:
        raise SourcesError(f"{where}: no [[source]] tables")
    sources = [_parse_one(table, f"{where}: source #{n}") for n, table in enumerate(tables, 1)]
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise SourcesError(f"{where}: source name {source.name!r} is used twice")
        seen.add(source.name)
    return sources


def _parse_one(table: Any, where: str) -> SourceConfig:
    if not isinstance(table, dict):
        raise SourcesError(f"{where}: must be a table")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SourcesError(
            f"{where}: 'name' must be lower-case letters, digits, '_' or '-' (got {name!r})"
        )
    where = f"{where} ({name!r})"
    unknown = set(table) - _KEYS
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_KEYS)}")

    fmt = table.get("format")
    if fmt not in FORMATS:
        raise SourcesError(f"{where}: unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")

    urls = _urls(table, where)
    source = SourceConfig(
        name=name,
        format=fmt,
        urls=urls,
        categories=_categories(table, fmt, urls, where),
        list_kind=_list_kind(table, fmt, urls, where),
        page_size=_positive_int(table, "page_size", where),
        delay=_number(table, "delay", where, default=DEFAULT_DELAY, low=0.0, high=None),
        autothrottle=_bool(table, "autothrottle", where, default=True),
        concurrency=_positive_int(table, "concurrency", where) or DEFAULT_CONCURRENCY,
        label_synonyms=_synonyms(table, where),
        max_reject_rate=_optional_rate(table, where),
        since=_date(table, "since", fmt, where),
        until=_date(table, "until", fmt, where),
    )
    if source.since and source.until and source.since > source.until:
        raise SourcesError(f"{where}: 'since' ({source.since}) is after 'until' ({source.until})")
    return source


def _urls(table: dict[str, Any], where: str) -> tuple[str, ...]:
    urls: list[Any] = []
    if "url" in table:
        urls.append(table["url"])
    if "urls" in table:
        if not isinstance(table["urls"], list):
            raise SourcesError(f"{where}: 'urls' must be a list of strings")
        urls.extend(table["urls"])
    if not urls:
        raise SourcesError(f"{where}: missing 'url' (or 'urls')")
    for url in urls:
        if not isinstance(url, str) or not url.startswith(_URL_PREFIXES):
            raise SourcesError(
                f"{where}: url {url!r} must start with http://, https:// or portal:/ "
                "(portal:/ means the bundled sample portal)"
            )
    return tuple(urls)


def _query_values(urls: tuple[str, ...], param: str) -> list[str | None]:
    return [parse_qs(urlsplit(url).query).get(param, [None])[0] for url in urls]


def _categories(
    table: dict[str, Any], fmt: str, urls: tuple[str, ...], where: str
) -> dict[str, str]:
    raw = table.get("categories")
    if fmt != "epoint":
        if raw is not None:
            raise SourcesError(f"{where}: 'categories' applies to the epoint format only")
        return {}
    if raw is None:
        categories: dict[str, str] = {}
        for url, number in zip(urls, _query_values(urls, "categoryNum"), strict=True):
            if number is None:
                raise SourcesError(f"{where}: url {url!r} has no categoryNum; add 'categories'")
            if number not in EPOINT_CATEGORIES:
                raise SourcesError(
                    f"{where}: categoryNum {number!r} is not a known Epoint category; "
                    f"say what it holds with categories = {{ \"{number}\" = \"award_notice\" }}"
                )
            categories[number] = EPOINT_CATEGORIES[number]
        return categories
    if isinstance(raw, list):
        raw = {number: EPOINT_CATEGORIES.get(number) for number in raw}
    if not isinstance(raw, dict) or not raw:
        raise SourcesError(f"{where}: 'categories' must be a table of categoryNum = kind")
    for number, kind in raw.items():
        if kind not in NOTICE_KINDS:
            raise SourcesError(
                f"{where}: category {number!r} must map to one of {NOTICE_KINDS} (got {kind!r})"
            )
    return dict(raw)


def _list_kind(table: dict[str, Any], fmt: str, urls: tuple[str, ...], where: str) -> str | None:
    raw = table.get("list_kind")
    if fmt not in LIST_FORMATS:
        if raw is not None:
            raise SourcesError(
                f"{where}: 'list_kind' applies to the lists_json and lists_file formats only"
            )
        return None
    if raw is None:
        found = set(_query_values(urls, "kind"))
        if len(found) != 1 or None in found:
            raise SourcesError(f"{where}: add list_kind (one of {', '.join(LIST_KINDS)})")
        raw = found.pop()
    if raw not in LIST_KINDS:
        raise SourcesError(
            f"{where}: list_kind must be one of {', '.join(LIST_KINDS)} (got {raw!r})"
        )
    return str(raw)


def _date(table: dict[str, Any], key: str, fmt: str, where: str) -> date | None:
    value = table.get(key)
    if value is None:
        return None
    if fmt != "ocds":
        raise SourcesError(f"{where}: {key!r} applies to the ocds format only")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise SourcesError(f"{where}: {key!r} must be a date like 2024-01-31 (got {value!r})")


def _positive_int(table: dict[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SourcesError(f"{where}: {key!r} must be a positive integer (got {value!r})")
    return value


def _number(
    table: dict[str, Any], key: str, where: str, *, default: float, low: float, high: float | None
) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourcesError(f"{where}: {key!r} must be a number (got {value!r})")
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise SourcesError(f"{where}: {key!r} must be {bounds} (got {value!r})")
    return float(value)


def _bool(table: dict[str, Any], key: str, where: str, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise SourcesError(f"{where}: {key!r} must be true or false (got {value!r})")
    return value


def _optional_rate(table: dict[str, Any], where: str) -> float | None:
    if "max_reject_rate" not in table:
        return None
    return _number(table, "max_reject_rate", where, default=0.0, low=0.0, high=1.0)


def _synonyms(table: dict[str, Any], where: str) -> dict[str, str]:
    raw = table.get("label_synonyms", {})
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise SourcesError(
            f"{where}: 'label_synonyms' must be a table of label = known label, "
            "e.g. { \"成交供应商\" = \"中标人\" }"
        )
    return dict(raw)
