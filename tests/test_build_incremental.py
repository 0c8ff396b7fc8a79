"""Incremental builds: a rebuild renders only the pages whose inputs changed, links the rest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sitedata import BUYERS, SUPPLIERS, build_sample_db

from disclosures import store
from disclosures.build import BuildResult, build_site, builds_dir, empty_trash, recycle_build
from disclosures.publish import url_path

pytestmark = pytest.mark.slow

# The downloads page lists the build's own DuckDB snapshot, whose bytes differ whenever the
# database changed.
EVERY_BUILD = {"data/", "en/data/"}


def pages(build: Path) -> dict[str, os.stat_result]:
    """Every page of the build by its folder ("" for the home page), outside the search bundle."""
    found = {}
    for path in build.rglob("index.html"):
        folder = path.parent.relative_to(build).as_posix()
        if not folder.startswith("pagefind"):
            found["" if folder == "." else f"{folder}/"] = path.stat()
    return found


def rendered(before: Path, after: Path) -> set[str]:
    """Pages the plugin wrote in `after` that are not hard links to the same page of `before`.

    (Pelican's own pages, about and methodology, and the feeds directory are written anew by
    every build; they are a handful.)
    """
    old = pages(before)
    written = json.loads((after / ".sunlit/manifest.json").read_text(encoding="utf-8"))["pages"]
    return {
        page for page, stat in pages(after).items()
        if page in written and (
            page not in old or (old[page].st_dev, old[page].st_ino) != (stat.st_dev, stat.st_ino))
    }


def rebuild(db: Path, output: Path, search: bool = False) -> tuple[Path, BuildResult, Path]:
    before = Path(os.path.realpath(output))
    result = build_site(db, output, search_index=search)
    return before, result, Path(os.path.realpath(output))


def files(build: Path) -> dict[str, bytes]:
    """Every file of the site but the build's own records and the downloads' pages."""
    return {
        name: path.read_bytes()
        for path in build.rglob("*")
        if path.is_file()
        and not (name := path.relative_to(build).as_posix()).startswith((".sunlit/", "data/"))
        and name.removesuffix("index.html") not in EVERY_BUILD
    }


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    db = build_sample_db(tmp_path / "sunlit.duckdb", tenders=60)
    output = tmp_path / "output"
    first = build_site(db.path, output, search_index=False)
    assert first.rendered > 100 and first.reused == 0
    return db.path, output, db.tender_ids


def test_an_unchanged_rebuild_renders_no_record_page_and_gives_the_same_files(
    sample: tuple[Path, Path, list[str]],
) -> None:
    db, output, _ = sample
    before, result, after = rebuild(db, output)
    # The downloads are linked too (the database file is unchanged), and so is their page.
    assert rendered(before, after) == set()
    assert result.rendered == 0
    assert result.reused >= len(pages(after)) - 10  # Pelican's own pages
    assert files(after) == files(before)
    assert (after / "data/index.html").samefile(before / "data/index.html")


def test_a_changed_tender_renders_its_page_the_lists_showing_it_and_its_organisations(
    sample: tuple[Path, Path, list[str]],
) -> None:
    db, output, tender_ids = sample
    tender_id = tender_ids[30]
    old_page = Path(os.path.realpath(output)) / url_path("tender", tender_id) / "index.html"
    old_bytes = old_page.read_bytes()
    title = "宜昌市某某中学操场改造工程（更正）中标结果公告"
    con = store.connect(db, read_only=False)
    try:
        con.execute("UPDATE tenders SET title = ? WHERE tender_id = ?", [title, tender_id])
        buyer_id = con.execute("SELECT buyer_id FROM tenders WHERE tender_id = ?",
                               [tender_id]).fetchall()[0][0]
        store.checkpoint(con)
    finally:
        con.close()

    before, result, after = rebuild(db, output)
    redone = rendered(before, after)
    assert result.rendered == len(redone)
    assert url_path("tender", tender_id) in redone
    assert url_path("organisation", buyer_id) in redone
    assert buyer_id in dict(BUYERS)
    showing = {page for page in pages(after)
               if title in (after / page / "index.html").read_text(encoding="utf-8")}
    # The tender list page that shows it, and every other page that does, in both languages.
    assert any(page.startswith("tenders/page/") or page == "tenders/" for page in showing)
    assert showing <= redone
    # Nothing else: every page rendered again shows the tender, or changes on every build.
    assert redone - showing <= EVERY_BUILD
    assert len(redone) < len(pages(after)) // 4
    # The previous build is published no more but kept intact: nothing was written in place.
    assert old_page.read_bytes() == old_bytes


def change(db: Path, sql: str, params: list[object]) -> None:
    con = store.connect(db, read_only=False)
    try:
        con.execute(sql, params)
        store.checkpoint(con)
    finally:
        con.close()


def showing(build: Path, *texts: str) -> set[str]:
    """The plugin's pages of `build` (Pelican writes the others anew) that show any of `texts`."""
    written = json.loads((build / ".sunlit/manifest.json").read_text(encoding="utf-8"))["pages"]
    return {page for page in pages(build) if page in written
            and any(text in (build / page / "index.html").read_text(encoding="utf-8")
                   for text in texts)}


def test_a_renamed_organisation_renders_the_pages_that_show_its_name(
    sample: tuple[Path, Path, list[str]],
) -> None:
    db, output, _ = sample
    supplier_id, name = SUPPLIERS[0]
    con = store.connect(db, read_only=True)
    try:
        won = [row[0] for row in con.execute(
            "SELECT DISTINCT tender_id FROM current_awards WHERE supplier_id = ?", [supplier_id]
        ).fetchall()]
    finally:
        con.close()
    assert won
    new_name = name.replace("建设工程", "建设集团")
    change(db, "UPDATE organisations SET name = ? WHERE org_id = ?", [new_name, supplier_id])

    before, result, after = rebuild(db, output)
    redone = rendered(before, after)
    assert result.rendered == len(redone)
    # Its tender pages show the name through their awards, not through the tender row.
    for tender_id in won:
        assert url_path("tender", tender_id) in redone
        assert f"en/{url_path('tender', tender_id)}" in redone
    shown = showing(after, new_name)
    assert url_path("organisation", supplier_id) in shown
    assert shown <= redone
    assert redone - shown <= EVERY_BUILD
    assert not showing(after, name) - showing(before, name) - EVERY_BUILD


def test_a_red_flag_on_a_tender_renders_its_page_and_a_new_flag_title_does_too(
    sample: tuple[Path, Path, list[str]],
) -> None:
    db, output, tender_ids = sample
    tender_id = tender_ids[5]
    # Only one bidder left on an open tender: flag R018 (single bid) names it.
    change(db, "UPDATE tenders SET procurement_method = 'open' WHERE tender_id = ?", [tender_id])
    change(db, "DELETE FROM bids WHERE tender_id = ? AND bid_id <> (SELECT min(bid_id) "
               "FROM bids WHERE tender_id = ?)", [tender_id, tender_id])
    _, _, after = rebuild(db, output)
    assert "R018" in (after / url_path("tender", tender_id) / "index.html").read_text("utf-8")

    # The flag's title is shown on the page through the hit, not through any tender row.
    change(db, "UPDATE flag_definitions SET title_zh = '单一投标（复核）', "
               "title_en = 'Single bid (reviewed)' WHERE code = 'R018'", [])
    before, result, after = rebuild(db, output)
    redone = rendered(before, after)
    assert result.rendered == len(redone)
    assert {url_path("tender", tender_id), f"en/{url_path('tender', tender_id)}"} <= redone
    shown = showing(after, "单一投标（复核）", "Single bid (reviewed)")
    assert url_path("tender", tender_id) in shown
    assert shown <= redone
    assert redone - shown <= EVERY_BUILD


def test_a_removed_tender_loses_its_page(sample: tuple[Path, Path, list[str]]) -> None:
    db, output, tender_ids = sample
    tender_id = tender_ids[12]
    con = store.connect(db, read_only=False)
    try:
        for table in ("bids", "awards", "tenders"):
            con.execute(f"DELETE FROM {table} WHERE tender_id = ?", [tender_id])
        store.checkpoint(con)
    finally:
        con.close()
    _, result, after = rebuild(db, output)
    assert not (after / url_path("tender", tender_id)).exists()
    assert url_path("tender", tender_id) not in pages(after)
    assert 0 < result.rendered < result.reused


def test_an_unchanged_search_index_is_linked_and_a_changed_one_rebuilt(tmp_path: Path) -> None:
    db = build_sample_db(tmp_path / "sunlit.duckdb", tenders=30)
    output = tmp_path / "output"
    assert not build_site(db.path, output).search_reused
    before, result, after = rebuild(db.path, output, search=True)
    assert result.search_reused
    index = sorted(p.relative_to(after) for p in (after / "pagefind").rglob("*") if p.is_file())
    assert index
    for name in index:
        assert os.path.samefile(before / name, after / name)

    con = store.connect(db.path, read_only=False)
    try:
        con.execute("UPDATE tenders SET title = '宜昌市新的标题' WHERE tender_id = ?",
                    [db.tender_ids[3]])
        store.checkpoint(con)
    finally:
        con.close()
    _, result, after = rebuild(db.path, output, search=True)
    assert not result.search_reused
    assert (after / "pagefind" / "pagefind-entry.json").is_file()


def test_old_builds_are_pruned_and_the_previous_one_kept(
    sample: tuple[Path, Path, list[str]],
) -> None:
    db, output, _ = sample
    first = Path(os.path.realpath(output))
    rebuild(db, output)
    second = Path(os.path.realpath(output))
    rebuild(db, output)
    third = Path(os.path.realpath(output))
    empty_trash(output, wait=True)
    kept = set(builds_dir(output).iterdir())
    assert kept == {second, third}
    assert not first.exists()


def test_the_build_before_last_is_recycled_into_a_tree_equal_to_a_fresh_build(
    sample: tuple[Path, Path, list[str]], tmp_path: Path,
) -> None:
    db, output, tender_ids = sample
    first = Path(os.path.realpath(output))
    first_pages = pages(first)
    rebuild(db, output)  # the second build: a new tree, its pages linked from the first
    change(db, "UPDATE tenders SET title = title || '（更正）' WHERE tender_id = ?",
           [tender_ids[5]])
    for table in ("bids", "awards", "tenders"):
        change(db, f"DELETE FROM {table} WHERE tender_id = ?", [tender_ids[40]])

    _, result, third = rebuild(db, output)
    assert not first.exists()  # renamed: the third build is the first's tree, brought up to date
    written = json.loads((third / ".sunlit/manifest.json").read_text(encoding="utf-8"))["pages"]
    kept = {page for page, stat in pages(third).items()
            if page in first_pages and page in written
            and (stat.st_dev, stat.st_ino) == (first_pages[page].st_dev, first_pages[page].st_ino)}
    # Only what changed since the first build was written: the rest was left where it was.
    assert result.kept == len(kept) > len(first_pages) * 3 // 4
    assert result.reused == result.kept  # nothing changed by the second build, nothing to link
    assert result.rendered + result.kept == len(written)
    assert result.deleted == 2  # the removed tender's page, in both languages
    assert not (third / url_path("tender", tender_ids[40])).exists()
    assert "（更正）" in (third / url_path("tender", tender_ids[5]) / "index.html").read_text(
        encoding="utf-8")

    fresh = build_site(db, tmp_path / "fresh", search_index=False)
    assert fresh.reused == 0
    assert files(third) == files(Path(os.path.realpath(tmp_path / "fresh")))


def test_a_tree_left_by_a_killed_build_is_never_recycled(
    sample: tuple[Path, Path, list[str]],
) -> None:
    db, output, _ = sample
    rebuild(db, output)
    # What a build killed after recycling the tree before last leaves: its manifest set aside.
    half_done = builds_dir(output) / "20000101T000000.000000Z"
    assert recycle_build(output, half_done)
    assert not (half_done / ".sunlit/manifest.json").exists()

    before, result, after = rebuild(db, output)
    assert not half_done.exists()
    assert result.kept == 0  # a new tree, its pages linked from the published build
    written = json.loads((after / ".sunlit/manifest.json").read_text(encoding="utf-8"))["pages"]
    assert result.reused + result.rendered == len(written)
    assert files(after) == files(before)


def test_a_page_rewritten_in_a_tree_is_overwritten_only_when_no_other_build_shares_it(
        tmp_path: Path) -> None:
    from disclosures.incremental import write_in_tree

    new = tmp_path / "new.html"
    write_in_tree(str(new), "新页".encode())
    assert new.read_text(encoding="utf-8") == "新页"

    own = tmp_path / "own.html"
    own.write_bytes(b"an older and longer version of the page")
    inode = own.stat().st_ino
    write_in_tree(str(own), b"short")
    assert own.read_bytes() == b"short"  # the older version's tail is cut
    assert own.stat().st_ino == inode  # overwritten in place: the tree's file alone

    published = tmp_path / "published.html"
    published.write_bytes(b"what the published build serves")
    shared = tmp_path / "shared.html"
    os.link(published, shared)
    write_in_tree(str(shared), b"the new build's page")
    assert shared.read_bytes() == b"the new build's page"
    assert published.read_bytes() == b"what the published build serves"  # never written through
    assert shared.stat().st_ino != published.stat().st_ino
    assert published.stat().st_nlink == 1


def test_a_build_evaluates_the_red_flags_once_and_closes_its_reader_however_it_ends(
        sample: tuple[Path, Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    from disclosures import feeds, publish
    from disclosures.build import BuildError

    db, output, tender_ids = sample
    held = []

    def counted(con: object) -> None:
        held.append(con)
        real(con)

    real = publish.hold_flag_hits
    monkeypatch.setattr(publish, "hold_flag_hits", counted)
    monkeypatch.setattr(feeds, "hold_flag_hits", counted)
    # A changed title: pages, the feed catalogue and the changed feeds' entries all read flags.
    change(db, "UPDATE tenders SET title = title || '（更正）' WHERE tender_id = ?",
           [tender_ids[0]])
    result = build_site(db, output, search_index=False)
    assert result.rendered > 0
    assert len(held) == 1
    # The reader is closed: the database opens for writing in this process again.
    change(db, "UPDATE tenders SET title = title || '（二次更正）' WHERE tender_id = ?",
           [tender_ids[0]])

    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("the OPML lists could not be written")

    monkeypatch.setattr(feeds, "write_opml", fail)  # after the pages plugin's generate_output
    with pytest.raises(BuildError, match="OPML"):
        build_site(db, output, search_index=False)
    change(db, "UPDATE tenders SET title = title || '（三次更正）' WHERE tender_id = ?",
           [tender_ids[0]])


def test_an_older_page_linked_over_is_set_aside_in_the_trash_not_deleted_during_the_build(
        tmp_path: Path) -> None:
    from disclosures.incremental import PageWriter

    builds = tmp_path / "site.builds"
    published, tree = builds / "published", builds / "recycled"
    for build in (published, tree):
        (build / "a").mkdir(parents=True)
    (published / "a" / "index.html").write_text("the page as published", encoding="utf-8")
    (tree / "a" / "index.html").write_text("the same page two builds ago", encoding="utf-8")
    older = (tree / "a" / "index.html").stat().st_ino

    def render(*_: object) -> str:
        raise AssertionError("an unchanged page is linked, not rendered")

    digest = PageWriter(tree, None, "theme", render).digest("a/", "page", "key")
    writer = PageWriter(tree, published, "theme", render, held={"a/": "stale"},
                        published={"pages": {"a/": digest}})
    assert writer.settle("a/", digest)
    linked = (tree / "a" / "index.html").stat().st_ino
    assert linked == (published / "a" / "index.html").stat().st_ino
    set_aside = [path for path in (tmp_path / "site.trash").rglob("*") if path.is_file()]
    assert [path.stat().st_ino for path in set_aside] == [older]
    assert set_aside[0].read_text(encoding="utf-8") == "the same page two builds ago"
