"""Every feed of the sample portal's site: valid, stable across builds, linked from its pages.

The portal is collected once (in a subprocess: Twisted's reactor cannot restart) and the site
built twice from the same database; the second build reuses every feed from the first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html
from sitedata import HOSTILE_TENDER_ID, build_sample_db

from disclosures import feeds, publish
from disclosures.build import build_site

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@dataclass
class TwoBuilds:
    first: Path
    second: Path


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> TwoBuilds:
    workdir = tmp_path_factory.mktemp("feeds-site")
    db = workdir / "portal.duckdb"
    subprocess.run(
        [sys.executable, "-m", "disclosures.cli", "collect", "--sources",
         str(REPO / "sources.toml"), "--portal-size", "20", "--db", str(db),
         "--archive", str(workdir / "archive")],
        cwd=workdir, capture_output=True, check=False, timeout=300,
    )
    assert db.is_file()
    output = workdir / "site"
    build_site(db, output, search_index=False)
    first = Path(os.path.realpath(output))
    build_site(db, output, search_index=False)
    return TwoBuilds(first=first, second=Path(os.path.realpath(output)))


def feed_files(build: Path) -> list[Path]:
    return sorted(p for p in (build / "feeds").rglob("*") if p.suffix in (".atom", ".rss"))


def test_every_feed_parses_with_unique_ids(builds: TwoBuilds) -> None:
    files = feed_files(builds.second)
    kinds = {p.relative_to(builds.second / "feeds").parts[0].split(".")[0] for p in files}
    assert kinds == set(feeds.KIND_TITLES)  # the portal has records of every kind
    for path in files:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        ids = [entry.id for entry in parsed.entries]
        assert ids and len(ids) == len(set(ids)), path
        assert all(i.startswith(f"tag:{feeds.TAG_AUTHORITY}:") for i in ids), path
        updated = [entry.updated_parsed for entry in parsed.entries]
        assert updated == sorted(updated, reverse=True), path


def test_rebuilding_unchanged_data_gives_the_same_feeds_linked_not_rewritten(
    builds: TwoBuilds,
) -> None:
    first, second = feed_files(builds.first), feed_files(builds.second)
    assert [p.relative_to(builds.first) for p in first] == [
        p.relative_to(builds.second) for p in second
    ]
    for old, new in zip(first, second, strict=True):
        assert old.read_bytes() == new.read_bytes(), new
        assert old.stat().st_ino == new.stat().st_ino, new  # hard-linked from the first build
    assert (builds.first / "feeds/all.opml").read_bytes() == (
        builds.second / "feeds/all.opml").read_bytes()


def test_pages_link_their_feeds_and_every_feed_is_in_the_directory(builds: TwoBuilds) -> None:
    site = builds.second
    index = (site / "feeds/index.html").read_text("utf-8")
    opml = etree.parse(str(site / "feeds/all.opml"))
    listed = {o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")}
    for path in feed_files(site):
        href = "/" + path.relative_to(site).as_posix()
        assert href in index, href
        if path.suffix == ".rss":
            assert href in listed, href
    pages = [site / "approvals/index.html", *sorted(site.glob("approvals/*/index.html")),
             *sorted(site.glob("orgs/*/index.html")), *sorted(site.glob("lists/*/index.html"))]
    linked = 0
    for page in pages:
        doc = html.fromstring(page.read_bytes())
        alternates = [link.get("href") for link in doc.cssselect('link[rel="alternate"][type]')]
        follow = [a.get("href") for a in doc.cssselect("aside.follow a")]
        for href in alternates:
            assert (site / href.lstrip("/")).is_file(), (page, href)
        own = [h for h in alternates if not h.startswith("/feeds/awards.")]
        assert set(own) == set(follow), page
        linked += bool(own)
    assert linked > 20


def test_every_flag_page_links_its_flag_feed(builds: TwoBuilds) -> None:
    site = builds.second
    flag_feeds = sorted((site / "feeds/flag").glob("*.atom"))
    assert flag_feeds
    for feed in flag_feeds:
        page = site / "flags" / feed.stem.lower() / "index.html"
        doc = html.fromstring(page.read_bytes())
        alternates = {link.get("href") for link in doc.cssselect('link[rel="alternate"]')}
        assert f"/feeds/flag/{feed.name}" in alternates, page
        follow = {a.get("href") for a in doc.cssselect("aside.follow a")}
        assert f"/feeds/flag/{feed.name}" in follow, page


def test_a_hostile_title_yields_a_valid_feed_that_carries_it_safely(tmp_path: Path) -> None:
    db = build_sample_db(tmp_path / "sample.duckdb")
    with publish.open_reader(db.path) as con:
        all_feeds = feeds.read_feeds(con)
    feeds.write_feeds(all_feeds, tmp_path / "out", feeds.FeedInfo())
    # The hostile tender's buyer is the second buyer (index 7 of a 3-buyer rotation).
    buyer = feeds.feed_path("buyer", "uscc:11420500011302657K")
    for ext in (".atom", ".rss"):
        raw = (tmp_path / "out" / f"{buyer}{ext}").read_bytes()
        etree.fromstring(raw)  # strict: an illegal character raises
        parsed = feedparser.parse(raw)
        assert not parsed.bozo
        (entry,) = [e for e in parsed.entries if HOSTILE_TENDER_ID in e.link.replace("~", ":")]
        assert entry.title.endswith('<script>alert("x")</script>宜昌道路工程 & "验收"')
        content = (entry.content[0] if ext == ".atom" else entry.summary_detail).value
        assert "<script>" not in content and "&lt;script&gt;" in content


def test_personal_identifiers_are_masked_in_feeds() -> None:
    row = {"award_id": "x:1", "tender_id": "x", "tender_title": "联系人电话13812345678",
           "supplier_name": "项目经理420521199007151234", "buyer_name": None,
           "amount": None, "currency": None, "amount_text": None,
           "fetched_at": feeds.EPOCH}
    atom = feeds.award_feed([row], feeds.FeedInfo()).atom_str().decode()
    assert "13812345678" not in atom and "138****5678" in atom
    assert "199007151234" not in atom and "420521" in atom


def test_a_changed_feed_is_rendered_again(tmp_path: Path) -> None:
    def feed(title: str) -> feeds.Feed:
        entry = feeds.Entry(feeds.tag_uri("award", "a"), title, "", feeds.EPOCH, ())
        return feeds.Feed("supplier", "name:某公司", "某公司", "", [entry])

    info = feeds.FeedInfo()
    assert feeds.write_feeds([feed("一")], tmp_path / "a", info).rendered == 1
    unchanged = feeds.write_feeds([feed("一")], tmp_path / "b", info, previous=tmp_path / "a")
    changed = feeds.write_feeds([feed("二")], tmp_path / "c", info, previous=tmp_path / "b")
    assert (unchanged.reused, changed.rendered) == (1, 1)
    path = tmp_path / "c" / f"{feeds.feed_path('supplier', 'name:某公司')}.atom"
    assert "二" in path.read_text("utf-8")
