"""`sunlit build`: a real Pelican build of a real DuckDB file, asserted on the files it wrote."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html
from sitedata import (
    APPROVAL_ITEM_CODE,
    HOSTILE_TENDER_ID,
    LIST_ITEM_ID,
    SEARCH_SUPPLIER,
    SEARCH_SUPPLIER_ID,
    SampleSite,
    build_sample_db,
    build_sample_site,
)

from disclosures.build import BuildError, build_site, builds_dir
from disclosures.publish import path_segment, url_path

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SampleSite:
    return build_sample_site(tmp_path_factory.mktemp("site"))


def page(site: SampleSite, path: str) -> html.HtmlElement:
    return html.fromstring((site.output / path / "index.html").read_bytes())


def html_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.html") if "pagefind" not in p.relative_to(root).parts]


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# --- URLs ---------------------------------------------------------------------------------


def test_readable_ids_keep_their_spelling() -> None:
    tender = url_path("tender", "sample-epoint:JSGC-2025-0012")
    assert tender == "tenders/sample-epoint~JSGC-2025-0012/"
    assert url_path("tender", "ocds-sunlit-000123") == "tenders/ocds-sunlit-000123/"
    assert url_path("organisation", "uscc:91420500MA4XXXXXXX") == "orgs/uscc~91420500MA4XXXXXXX/"
    assert url_path("approval_item", "SP2025-000123") == "approvals/SP2025-000123/"
    assert (
        url_path("list_item", "power:11420500MB1234567X4420100001")
        == "lists/power/11420500MB1234567X4420100001/"
    )


def test_non_ascii_ids_are_hashed_stably() -> None:
    # Pinned: a published URL never changes.
    org = url_path("organisation", "name:宜昌某某科技有限公司")
    assert org == "orgs/name~~1e7fefd91d646cc34f2b/"
    assert path_segment("a b") != path_segment("a_b")
    assert path_segment("../etc") != "../etc" and "/" not in path_segment("../etc")


def test_hashed_and_readable_segments_never_meet() -> None:
    hashed = path_segment("name:宜昌某某科技有限公司")
    lookalike = hashed.replace("~~", ":")
    assert path_segment(lookalike) != hashed
    assert path_segment("a::b") != path_segment("a:b")


# --- the built site ---------------------------------------------------------------------------


def test_build_writes_every_page_type(site: SampleSite) -> None:
    out = site.output
    expected = [
        "index.html",
        "tenders/index.html",
        "tenders/page/2/index.html",
        url_path("tender", site.db.tender_ids[0]) + "index.html",
        url_path("organisation", SEARCH_SUPPLIER_ID) + "index.html",
        url_path("list_item", LIST_ITEM_ID) + "index.html",
        url_path("approval_item", APPROVAL_ITEM_CODE) + "index.html",
        "about/index.html",
        "methodology/index.html",
        "search/index.html",
        "feeds/awards.atom",
        "feeds/awards.rss",
        "pagefind/pagefind-ui.js",
        "theme/css/sunlit.css",
    ]
    assert [p for p in expected if not (out / p).is_file()] == []
    assert not (out / "tenders/page/3").exists()  # 60 tenders, 50 a page
    assert out.is_symlink()


def test_tender_list_pages_hold_fifty_and_link_onwards(site: SampleSite) -> None:
    first, second = page(site, "tenders"), page(site, "tenders/page/2")
    assert len(first.cssselect("ol.records > li")) == 50
    assert len(second.cssselect("ol.records > li")) == 10
    assert first.cssselect('a[rel="next"]')[0].get("href") == "/tenders/page/2/"
    assert second.cssselect('a[rel="prev"]')[0].get("href") == "/tenders/"


def test_every_page_links_the_feeds_and_has_landmarks(site: SampleSite) -> None:
    files = html_files(site.output)
    assert len(files) > 80
    for path in files:
        doc = html.fromstring(path.read_bytes())
        alternates = {
            link.get("type"): link.get("href")
            for link in doc.cssselect('link[rel="alternate"]')
            if not link.get("hreflang")  # the page's language versions: tests/test_i18n.py
        }
        assert alternates == {
            "application/atom+xml": "/feeds/awards.atom",
            "application/rss+xml": "/feeds/awards.rss",
        }, path
        subscribe = [a.text for a in doc.cssselect('a[href="/feeds/awards.atom"]')]
        english = path.relative_to(site.output).parts[0] == "en"
        assert ("Feeds" if english else "订阅") in subscribe, path
        assert doc.get("lang") == ("en" if english else "zh-CN")
        for landmark in ("header", "nav", "main", "footer"):
            assert doc.cssselect(landmark), (path, landmark)
        assert doc.cssselect('label[for="site-search"]') and doc.cssselect("#site-search")


def test_pages_load_nothing_from_another_host(site: SampleSite) -> None:
    for path in html_files(site.output):
        doc = html.fromstring(path.read_bytes())
        for element in doc.cssselect("link[href], script[src], img[src], iframe[src]"):
            url = element.get("href") or element.get("src")
            assert url.startswith("/") and not url.startswith("//"), (path, url)


def test_tender_page_shows_awards_bids_and_provenance(site: SampleSite) -> None:
    tender_id = site.db.tender_ids[2]  # JSGC-2025-0003: won by the searched supplier
    doc = page(site, url_path("tender", tender_id))
    text = doc.text_content()
    assert doc.cssselect("h1")[0].text_content().startswith("宜昌市夷陵区人民医院医疗设备采购")
    awards = doc.cssselect("section[aria-labelledby=awards-title]")[0]
    assert SEARCH_SUPPLIER in awards.text_content()
    assert "972,222.50元" in text  # 950,000 + 2 × 11,111 + 0.50
    assert len(doc.cssselect("section[aria-labelledby=bids-title] tbody tr")) == 2
    provenance = doc.cssselect("section.provenance")[0]
    assert provenance.cssselect("a")[0].get("href") == "http://127.0.0.1:8765/jyxx/JSGC-2025-0003.html"
    assert "2025-03-03 13:30" in provenance.text_content()  # fetched two hours after publication
    buyer = doc.xpath("//dt[.='采购人']/following-sibling::dd[1]/a")[0]
    assert buyer.get("href") == "/" + url_path("organisation", "name:宜昌市夷陵区人民医院")


def test_organisation_page_lists_awards_won(site: SampleSite) -> None:
    doc = page(site, url_path("organisation", SEARCH_SUPPLIER_ID))
    assert doc.cssselect("h1")[0].text == SEARCH_SUPPLIER
    won = doc.cssselect("section[aria-labelledby=won-title] li")
    assert len(won) == 15  # every fourth of 60 tenders


def test_approval_page_counts_overdue_cases(site: SampleSite) -> None:
    doc = page(site, url_path("approval_item", APPROVAL_ITEM_CODE))
    figures = {
        d.cssselect("dt")[0].text: d.cssselect("dd")[0].text
        for d in doc.cssselect("dl.figures > div")
    }
    assert figures["办件"] == "6" and figures["已办结"] == "5" and figures["超期"] == "3"
    assert len(doc.cssselect("tr.overdue")) == 3


def test_list_item_page_links_its_approval_cases(site: SampleSite) -> None:
    doc = page(site, url_path("list_item", LIST_ITEM_ID))
    assert doc.cssselect("h1")[0].text == "建设工程规划许可证核发"
    assert doc.xpath("//main//a[contains(., '本事项的办件公示')]/@href") == [
        "/" + url_path("approval_item", APPROVAL_ITEM_CODE)
    ]


def test_hostile_title_is_escaped_and_loses_control_characters(site: SampleSite) -> None:
    raw = (site.output / url_path("tender", HOSTILE_TENDER_ID) / "index.html").read_text("utf-8")
    assert "<script>alert" not in raw
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;宜昌道路工程 &amp; &#34;验收&#34;" in raw
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", raw)
    h1 = html.fromstring(raw).cssselect("h1")[0]
    assert h1.text == '<script>alert("x")</script>宜昌道路工程 & "验收"' and len(h1) == 0

    # The tender lists make their rows in Python (`tender_items`), not in the template.
    link = f"/{url_path('tender', HOSTILE_TENDER_ID)}"
    lists = [path for path in site.output.glob("**/tenders/**/index.html")
             if link in (text := path.read_text("utf-8")) and 'class="records"' in text]
    assert len(lists) >= 2  # all tenders, and its browse pages
    for path in lists:
        raw = path.read_text("utf-8")
        assert "<script>alert" not in raw and not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", raw)
        title = next(a for a in html.fromstring(raw).cssselect("a.record-title")
                     if a.get("href").endswith(link))
        assert title.text == '<script>alert("x")</script>宜昌道路工程 & "验收"' and len(title) == 0


def test_hand_written_pages_are_rendered(site: SampleSite) -> None:
    about = page(site, "about")
    assert about.cssselect("h1")[0].text == "关于阳光公示 About Sunlit"
    assert about.cssselect("article h2")  # Markdown headings became HTML


# --- publishing -------------------------------------------------------------------------------


@pytest.fixture()
def small_site(tmp_path: Path) -> SampleSite:
    return build_sample_site(tmp_path, search_index=False)


def test_missing_database_leaves_the_published_site_unchanged(small_site: SampleSite) -> None:
    before, target = tree_digest(small_site.output), os.readlink(small_site.output)
    with pytest.raises(BuildError, match="unchanged"):
        build_site(small_site.db.path.with_name("absent.duckdb"), small_site.output)
    assert os.readlink(small_site.output) == target
    assert tree_digest(small_site.output) == before


def test_corrupted_database_leaves_the_published_site_unchanged(small_site: SampleSite) -> None:
    before, target = tree_digest(small_site.output), os.readlink(small_site.output)
    broken = small_site.db.path.with_name("broken.duckdb")
    broken.write_bytes(b"this is not a DuckDB file" * 1000)
    with pytest.raises(BuildError, match="site build failed"):
        build_site(broken, small_site.output, search_index=False)
    assert os.readlink(small_site.output) == target
    assert tree_digest(small_site.output) == before
    assert len(list(builds_dir(small_site.output).iterdir())) == 1  # the failed build is gone


def test_a_second_build_of_a_site_waits_its_turn(small_site: SampleSite) -> None:
    before, target = tree_digest(small_site.output), os.readlink(small_site.output)
    holder = subprocess.Popen(  # a build of this site in progress, in another process
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from disclosures.build import build_lock\n"
         "with build_lock(Path(sys.argv[1])):\n print('held', flush=True); time.sleep(600)",
         str(small_site.output)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(BuildError, match=r"another .* is running"):
            build_site(small_site.db.path, small_site.output, search_index=False)
    finally:
        holder.kill()
        holder.wait()
    assert os.readlink(small_site.output) == target
    assert tree_digest(small_site.output) == before
    build_site(small_site.db.path, small_site.output, search_index=False)  # its turn now
    assert os.readlink(small_site.output) != target


def test_rebuild_keeps_the_previous_build_and_prunes_older(small_site: SampleSite) -> None:
    first = Path(os.path.realpath(small_site.output))
    build_site(small_site.db.path, small_site.output, search_index=False)
    second = Path(os.path.realpath(small_site.output))
    build_site(small_site.db.path, small_site.output, search_index=False)
    third = Path(os.path.realpath(small_site.output))
    assert sorted(builds_dir(small_site.output).iterdir()) == [second, third]
    assert not first.exists()
    assert not os.path.isabs(os.readlink(small_site.output))  # the site can move with its builds


def test_a_plain_output_directory_is_moved_aside_once(tmp_path: Path) -> None:
    db = build_sample_db(tmp_path / "sunlit.duckdb")
    output = tmp_path / "output"
    output.mkdir()
    (output / "old.html").write_text("from an older build")
    build_site(db.path, output, search_index=False)
    assert output.is_symlink() and (output / "index.html").is_file()
    kept = [p for p in builds_dir(output).iterdir() if (p / "old.html").is_file()]
    assert len(kept) == 1


def test_site_url_below_a_host_root_prefixes_every_link(tmp_path: Path) -> None:
    built = build_sample_site(tmp_path, search_index=False, site_url="https://example.org/sunlit/")
    doc = html.fromstring((built.output / "index.html").read_bytes())
    assert doc.cssselect("link[rel=stylesheet]")[0].get("href") == "/sunlit/theme/css/sunlit.css"
    hrefs = [a.get("href") for a in doc.cssselect("main a")]
    assert hrefs and all(h.startswith("/sunlit/") for h in hrefs)
    atom = (built.output / "feeds/awards.atom").read_text("utf-8")
    assert '<link href="https://example.org/sunlit/tenders/' in atom


# --- red flags, data and sources ----------------------------------------------------------


def test_flag_pages_show_every_definition_and_hit(site: SampleSite) -> None:
    import duckdb

    from disclosures import flags

    con = duckdb.connect(str(site.db.path), read_only=True)
    try:
        counts = dict(
            con.execute("SELECT flag_code, count(*) FROM flag_hits GROUP BY 1").fetchall()
        )
    finally:
        con.close()
    index = page(site, "flags")
    codes = [a.text_content() for a in index.cssselect("main table a")]
    assert codes == [f["code"] for f in flags.pages()]
    for flag in flags.pages():
        doc = page(site, f"flags/{flag['slug']}")
        assert str(flag["definition"]) in doc.text_content()
        rows = doc.cssselect("section[aria-labelledby=hits-title] tbody tr")
        assert len(rows) == counts.get(flag["code"], 0), flag["code"]


def test_data_page_links_the_exported_downloads(site: SampleSite) -> None:
    doc = page(site, "data")
    links = [a.get("href") for a in doc.cssselect("main a[href^='/data/']")]
    assert "/data/manifest.json" in links and "/data/csv/tenders.csv" in links
    assert all((site.output / link.lstrip("/")).is_file() for link in links)
    assert doc.cssselect("#rel-tenders") and "tender_id" in doc.text_content()


def test_sources_page_counts_rejects_without_their_payload(site: SampleSite) -> None:
    text = page(site, "sources").text_content()
    assert "sample" in text or "test" in text
    import duckdb

    con = duckdb.connect(str(site.db.path), read_only=True)
    try:
        raws = [r for (r,) in con.execute("SELECT raw FROM rejects").fetchall() if r]
        sources = [s for (s,) in con.execute("SELECT DISTINCT source FROM runs").fetchall()]
    finally:
        con.close()
    assert all(source in text for source in sources)
    assert [r for r in raws if str(r) in text] == []
