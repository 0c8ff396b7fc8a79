"""Feeds of the latest awards: valid, reproducible, and safe whatever the scraped text holds."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from lxml import etree
from sitedata import HOSTILE_TENDER_ID, SampleSite, build_sample_site

from disclosures import feeds
from disclosures.build import build_site, builds_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SampleSite:
    return build_sample_site(tmp_path_factory.mktemp("feeds"), search_index=False)


def award_row(n: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "award_id": f"ocds-sunlit-{n:06d}:award-1",
        "tender_id": f"ocds-sunlit-{n:06d}",
        "tender_title": f"宜昌市某某工程（第{n}批）",
        "supplier_name": "宜昌恒泰建设工程有限公司",
        "buyer_name": "宜昌市交通运输局",
        "amount": Decimal("1234567.80"),
        "currency": "CNY",
        "amount_text": "123.45678万元",
        "fetched_at": datetime(2025, 5, 1, tzinfo=UTC) - timedelta(hours=n),
    }
    row.update(changes)
    return row


@pytest.mark.parametrize("name", [feeds.ATOM_PATH, feeds.RSS_PATH])
def test_feed_parses_without_errors(site: SampleSite, name: str) -> None:
    parsed = feedparser.parse((site.output / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 60
    assert all(entry.id.startswith("tag:sunlit-disclosures.github.io,2025:award:")
               for entry in parsed.entries)
    assert parsed.entries[0].link == "/tenders/sample-epoint~JSGC-2025-0060/"


def test_atom_entries_are_newest_first_and_the_feed_dates_from_its_newest(
    site: SampleSite,
) -> None:
    parsed = feedparser.parse((site.output / feeds.ATOM_PATH).read_bytes())
    updated = [entry.updated_parsed for entry in parsed.entries]
    assert updated == sorted(updated, reverse=True)
    assert parsed.feed.updated == parsed.entries[0].updated == "2025-04-29T15:30:00+08:00"


def test_rebuilding_the_same_database_gives_byte_identical_feeds(site: SampleSite) -> None:
    first = Path(os.path.realpath(site.output))
    build_site(site.db.path, site.output, search_index=False)
    second = Path(os.path.realpath(site.output))
    assert first != second and sorted(builds_dir(site.output).iterdir()) == [first, second]
    for name in (feeds.ATOM_PATH, feeds.RSS_PATH):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_hostile_title_is_legal_xml_and_escaped_in_the_feed(site: SampleSite) -> None:
    for name in (feeds.ATOM_PATH, feeds.RSS_PATH):
        raw = (site.output / name).read_bytes()
        etree.fromstring(raw)  # strict XML parser: raises on an illegal character
        assert not any(c in raw for c in (b"\x00", b"\x07", b"\x1b"))
    parsed = feedparser.parse((site.output / feeds.ATOM_PATH).read_bytes())
    (entry,) = [e for e in parsed.entries if HOSTILE_TENDER_ID in e.link.replace("~", ":")]
    assert entry.title.endswith('<script>alert("x")</script>宜昌道路工程 & "验收"')
    content = entry.content[0].value
    assert "<script>" not in content and "&lt;script&gt;" in content


def test_markup_in_scraped_names_never_becomes_markup() -> None:
    rows = [award_row(1, supplier_name='<img src=x onerror="alert(1)">某公司',
                      tender_title="<a href='javascript:alert(1)'>项目</a>")]
    atom = feeds.award_feed(rows, feeds.FeedInfo()).atom_str()
    content = etree.fromstring(atom).findtext("{http://www.w3.org/2005/Atom}entry/"
                                              "{http://www.w3.org/2005/Atom}content")
    fragment = etree.fromstring(f"<div>{content}</div>".encode())
    assert list(fragment.iter("img")) == []
    assert [a.get("href") for a in fragment.iter("a")] == ["/tenders/ocds-sunlit-000001/"]
    assert "<a href='javascript:alert(1)'>项目</a>" in fragment.xpath("string(.)")  # as text


def test_feed_holds_at_most_one_hundred_entries_in_the_order_given() -> None:
    rows = [award_row(n) for n in range(150)]
    feed = feeds.award_feed(rows, feeds.FeedInfo(site_url="https://example.org"))
    parsed = feedparser.parse(feed.rss_str())
    assert len(parsed.entries) == 100
    assert [e.id for e in parsed.entries[:2]] == [
        "tag:sunlit-disclosures.github.io,2025:award:ocds-sunlit-000000:award-1",
        "tag:sunlit-disclosures.github.io,2025:award:ocds-sunlit-000001:award-1",
    ]
    assert parsed.entries[0].link == "https://example.org/tenders/ocds-sunlit-000000/"


def test_an_empty_feed_is_still_reproducible() -> None:
    first = feeds.award_feed([], feeds.FeedInfo()).atom_str()
    second = feeds.award_feed([], feeds.FeedInfo()).atom_str()
    assert first == second and b"<updated>1970-01-01T00:00:00+00:00</updated>" in first


def test_tag_uris_percent_encode_chinese() -> None:
    assert feeds.tag_uri("award", "x:1:name:宜昌") == (
        "tag:sunlit-disclosures.github.io,2025:award:x:1:name:%E5%AE%9C%E6%98%8C"
    )


def test_xml_text_keeps_tabs_and_newlines_and_drops_controls() -> None:
    assert feeds.xml_text("a\tb\nc\x00d\x1be\x85f\ufffe") == "a\tb\ncdef"
    assert feeds.xml_text(None) == ""


def _opml_by_elementtree(title: str, groups: dict[str, list[feeds.FeedLink]],
                         site_url: str) -> bytes:
    root = ElementTree.Element("opml", version="2.0")
    ElementTree.SubElement(ElementTree.SubElement(root, "head"), "title").text = title
    body = ElementTree.SubElement(root, "body")
    for kind, links in groups.items():
        outline = ElementTree.SubElement(body, "outline", text=feeds.KIND_TITLES[kind])
        for link in links:
            ElementTree.SubElement(outline, "outline", type="rss", text=link.title,
                                   title=link.title, xmlUrl=f"{site_url}/{link.rss}")
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


@pytest.mark.parametrize("kinds", [["buyer", "supplier"], []])
def test_opml_is_what_elementtree_writes_hostile_titles_and_all(kinds: list[str]) -> None:
    groups = {kind: [feeds.FeedLink(kind, "a&b", 'T<1> "q"\n\t\r & 中文'),
                     feeds.FeedLink(kind, "x", "y>")] for kind in kinds}
    written = feeds.opml("阳光公示 <&>", groups, "https://example.org/s")
    assert written == _opml_by_elementtree("阳光公示 <&>", groups, "https://example.org/s")
    parsed = ElementTree.fromstring(written)
    assert [o.get("title") for o in parsed.iter("outline") if o.get("type")] == [
        link.title for links in groups.values() for link in links]
