"""Atom and RSS 2.0 feeds of the latest awards, with feedgen.

Feeds are reproducible: every date in them comes from the database (an entry's `updated` is the
time its notice was fetched, the feed's is its newest entry's), entries keep the order they are
given in, and entry ids are `tag:` URIs built from award ids, so rebuilding an unchanged database
gives byte-identical files and a feed reader never sees an entry twice. Scraped text is hostile:
characters XML does not allow are removed and the little HTML in an entry is sanitised with nh3.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nh3
from feedgen.feed import FeedGenerator

from disclosures.publish import url_path

ATOM_PATH = "feeds/awards.atom"
RSS_PATH = "feeds/awards.rss"
FEED_SIZE = 100
# The tag: authority is fixed, not taken from the site URL: moving the site must not give every
# entry a new id. The date is when Sunlit took the name.
TAG_AUTHORITY = "sunlit-disclosures.github.io,2025"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# XML 1.0 allows tab, LF, CR and most of the rest; C0 controls, surrogates and U+FFFE/U+FFFF are
# illegal. C1 controls are legal but "discouraged" and never meant as text in a notice.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """`value` as text holding only characters XML allows (None becomes "")."""
    if value is None:
        return ""
    return _NOT_XML.sub("", str(value))


def tag_uri(kind: str, record_id: str) -> str:
    """A permanent `tag:` URI (RFC 4151) for a record; non-ASCII parts are percent-encoded."""
    return f"tag:{TAG_AUTHORITY}:{kind}:{quote(record_id, safe=':@!$&()*+,;=-._~')}"


def _money(amount: Decimal | None, currency: str | None, text: str | None) -> str:
    if amount is None:
        return xml_text(text) or "未公布"
    unit = "元" if currency in (None, "CNY") else f" {currency}"
    return f"{amount:,.2f}{unit}"


@dataclass(frozen=True)
class FeedInfo:
    title: str = "阳光公示 · 最新中标结果"
    subtitle: str = "Sunlit: the latest public-tender awards collected by Sunlit."
    site_url: str = ""  # absolute URL the site is served from; "" for a local preview


def _absolute(site_url: str, path: str) -> str:
    return f"{site_url.rstrip('/')}/{path}"


def _entry_html(award: dict[str, Any], tender_link: str) -> str:
    parts = [
        ("招标项目", f'<a href="{html.escape(tender_link)}">'
                 f"{html.escape(xml_text(award.get('tender_title')))}</a>"),
        ("中标人", html.escape(xml_text(award.get("supplier_name")))),
        ("中标金额", html.escape(_money(award.get("amount"), award.get("currency"),
                                     award.get("amount_text")))),
        ("采购人", html.escape(xml_text(award.get("buyer_name")) or "未公布")),
    ]
    body = "".join(f"<li>{label}：{value}</li>" for label, value in parts)
    # Built from escaped parts already; nh3 is the last word on what markup a feed may carry.
    return nh3.clean(f"<ul>{body}</ul>", tags={"ul", "li", "a"}, attributes={"a": {"href"}})


def award_feed(awards: Sequence[dict[str, Any]], info: FeedInfo) -> FeedGenerator:
    """The feed of `awards` (rows of `publish.read_latest_awards`), in the order given."""
    feed = FeedGenerator()
    feed.id(tag_uri("feed", "awards"))
    feed.title(info.title)
    feed.subtitle(info.subtitle)
    feed.description(info.subtitle)
    feed.language("zh-CN")
    feed.generator("Sunlit")
    home = _absolute(info.site_url, "")
    feed.link(href=home, rel="alternate")
    feed.link(href=_absolute(info.site_url, ATOM_PATH), rel="self")
    newest = EPOCH
    for award in awards[:FEED_SIZE]:
        fetched: datetime = award["fetched_at"]
        newest = max(newest, fetched)
        link = _absolute(info.site_url, url_path("tender", award["tender_id"]))
        supplier, tender = xml_text(award.get("supplier_name")), xml_text(award.get("tender_title"))
        title = f"{supplier} 中标：{tender}"
        entry = feed.add_entry(order="append")
        entry.id(tag_uri("award", award["award_id"]))
        entry.guid(tag_uri("award", award["award_id"]), permalink=False)
        entry.title(title)
        entry.link(href=link)
        entry.updated(fetched)
        entry.published(fetched)
        entry.pubDate(fetched)
        entry.content(_entry_html(award, link), type="html")
    feed.updated(newest)
    feed.lastBuildDate(newest)
    return feed


def write_award_feeds(awards: Sequence[dict[str, Any]], output: Path, info: FeedInfo) -> list[Path]:
    """Write the Atom and RSS feeds under `output`; return their paths."""
    feed = award_feed(awards, info)
    atom, rss = output / ATOM_PATH, output / RSS_PATH
    atom.parent.mkdir(parents=True, exist_ok=True)
    atom.write_bytes(feed.atom_str(pretty=True))
    # The RSS channel's self link is its own file.
    feed.link(href=_absolute(info.site_url, RSS_PATH), rel="self", replace=True)
    feed.link(href=_absolute(info.site_url, ""), rel="alternate")
    rss.write_bytes(feed.rss_str(pretty=True))
    return [atom, rss]
