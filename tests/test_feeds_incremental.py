"""Feeds written incrementally: only what changed is rendered, nothing is written in place, a
write that dies leaves a tree the next write repairs, and the bytes never depend on the route."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import duckdb
import feedparser
import pytest
from sitedata import BUYERS, SampleDb, build_sample_db

from disclosures import feeds, publish, store

pytestmark = pytest.mark.slow
INFO = feeds.FeedInfo(site_url="https://sunlit.example.org")


@pytest.fixture
def sample(tmp_path: Path) -> SampleDb:
    return build_sample_db(tmp_path / "sample.duckdb")


def catalogue(db: Path) -> list[feeds.Feed]:
    with publish.open_reader(db) as con:
        return feeds.read_catalogue(con)


def loader(db: Path, asked: list[tuple[str, str]]) -> Callable[[list[feeds.Feed]], None]:
    """What the plugin passes as `load`, noting which feeds it was asked for."""

    def load(to_render: list[feeds.Feed]) -> None:
        asked.extend((feed.kind, feed.key) for feed in to_render)
        with publish.open_reader(db) as con:
            feeds.read_entries(con, to_render)

    return load


def write(db: Path, output: Path, previous: Path | None = None) -> tuple[feeds.WriteStats,
                                                                         list[tuple[str, str]]]:
    asked: list[tuple[str, str]] = []
    stats = feeds.write_feeds(catalogue(db), output, INFO, previous, load=loader(db, asked))
    return stats, asked


def feed_files(output: Path) -> dict[str, bytes]:
    return {path.relative_to(output).as_posix(): path.read_bytes()
            for path in sorted((output / "feeds").rglob("*"))
            if path.suffix in (".atom", ".rss")}


def inodes(output: Path) -> dict[str, int]:
    return {name: (output / name).stat().st_ino for name in feed_files(output)}


def entries_by_feed(db: Path) -> dict[tuple[str, str], list[feeds.Entry]]:
    with publish.open_reader(db) as con:
        return {(feed.kind, feed.key): feed.entries for feed in feeds.read_feeds(con)}


def execute(db: Path, sql: str) -> None:
    con = store.connect(db, read_only=False)
    try:
        con.execute(sql)
        store.checkpoint(con)
    finally:
        con.close()


def test_catalogue_ranks_entries_as_order_entries_does_even_on_ties(sample: SampleDb) -> None:
    # Every award fetched at the same instant, and ids whose percent-encoded order differs from
    # their own (" " < "!" < "宜", but "!" < "%20" < "%E5"): ties are broken by the tag: URI.
    execute(sample.path, """
        UPDATE documents SET fetched_at = TIMESTAMPTZ '2025-05-01 00:00:00+08';
        UPDATE awards SET award_id = CASE hash(award_id) % 3 WHEN 0 THEN ' ' WHEN 1 THEN '!'
                                     ELSE '宜' END || award_id;
    """)
    with publish.open_reader(sample.path) as con:
        rows = feeds._rows(con, feeds.AWARDS_SQL)
        read = {(feed.kind, feed.key): feed for feed in feeds.read_feeds(con)}
    assert len({row["award_id"][0] for row in rows}) == 3
    assert read[("awards", "")].entries == feeds.order_entries(feeds.award_entry(r) for r in rows)
    for buyer_id, name in BUYERS:
        feed = read[("buyer", buyer_id)]
        assert feed.title == f"阳光公示 · 采购人：{name}"
        assert feed.entries == feeds.order_entries(
            feeds.award_entry(r) for r in rows if r["buyer_id"] == buyer_id)


def test_tag_uris_are_percent_encoded_in_sql_as_in_python() -> None:
    texts = ["".join(chr(random.Random(n).randrange(1, 0x3000)) for _ in range(12))
             for n in range(200)]
    texts += ["".join(chr(c) for c in range(1, 128)), "name:宜昌 某某(公司)", "a&b=c;d@e"]
    con = duckdb.connect()
    quoted = con.execute(f"SELECT {feeds.quote_sql('t')} FROM unnest(?::VARCHAR[]) u(t)",
                         [texts]).fetchall()
    assert [q for (q,) in quoted] == [quote(t, safe=feeds._TAG_SAFE) for t in texts]


def test_a_rewrite_renders_only_the_feeds_whose_entries_changed(
    sample: SampleDb, tmp_path: Path,
) -> None:
    output = tmp_path / "out"
    first, _ = write(sample.path, output)
    assert (first.rendered, first.untouched) == (first.feeds, 0)
    before, was = entries_by_feed(sample.path), inodes(output)

    tender_id = sample.tender_ids[3]
    execute(sample.path, f"UPDATE tenders SET title = title || '（更正）' "
                         f"WHERE tender_id = '{tender_id}'")
    after = entries_by_feed(sample.path)
    changed = {key for key in after if after[key] != before[key]}
    assert ("awards", "") in changed and len(changed) >= 6  # and its buyer, supplier, agency…

    stats, asked = write(sample.path, output)
    assert set(asked) == changed
    assert (stats.rendered, stats.untouched, stats.reused, stats.deleted) == (
        len(changed), stats.feeds - len(changed), 0, 0)
    now = inodes(output)
    moved = {name for name in now if now[name] != was[name]}
    assert moved == {f"{feeds.feed_path(kind, key)}{ext}" for kind, key in changed
                     for ext in (".atom", ".rss")}
    atom = (output / f"{feeds.feed_path('awards', '')}.atom").read_bytes()
    assert any(e.title.endswith("（更正）") for e in feedparser.parse(atom).entries)

    again, asked = write(sample.path, output)  # nothing changed since: not a file touched
    assert (again.rendered, again.untouched, asked) == (0, again.feeds, [])
    assert inodes(output) == now

    scratch, _ = write(sample.path, tmp_path / "scratch")
    assert scratch.rendered == scratch.feeds
    assert feed_files(output) == feed_files(tmp_path / "scratch")


def test_a_fresh_output_links_from_the_previous_build_and_renders_the_rest(
    sample: SampleDb, tmp_path: Path,
) -> None:
    write(sample.path, tmp_path / "one")
    execute(sample.path, f"UPDATE tenders SET title = '新标题' "
                         f"WHERE tender_id = '{sample.tender_ids[0]}'")
    stats, asked = write(sample.path, tmp_path / "two", previous=tmp_path / "one")
    assert stats.rendered == len(asked) > 0 and stats.reused == stats.feeds - len(asked)
    assert stats.untouched == stats.deleted == 0
    old, new = inodes(tmp_path / "one"), inodes(tmp_path / "two")
    linked = {name for name in new if new[name] == old.get(name)}
    assert len(linked) == 2 * stats.reused
    write(sample.path, tmp_path / "scratch")
    assert feed_files(tmp_path / "two") == feed_files(tmp_path / "scratch")


def test_a_vanished_feed_loses_its_files(sample: SampleDb, tmp_path: Path) -> None:
    output = tmp_path / "out"
    write(sample.path, output)
    (gone_id, _), (kept_id, _) = BUYERS[1], BUYERS[0]
    gone = feeds.feed_path("buyer", gone_id)
    assert (output / f"{gone}.atom").is_file()
    execute(sample.path, f"UPDATE tenders SET buyer_id = '{kept_id}' "
                         f"WHERE buyer_id = '{gone_id}'")

    stats, _ = write(sample.path, output)
    assert stats.deleted == 1
    assert not (output / f"{gone}.atom").exists() and not (output / f"{gone}.rss").exists()
    assert gone not in feeds.recorded_feeds(output)
    write(sample.path, tmp_path / "scratch")
    assert feed_files(output) == feed_files(tmp_path / "scratch")


def test_a_write_killed_midway_leaves_no_manifest_and_the_next_write_repairs_the_tree(
    sample: SampleDb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = tmp_path / "out"
    write(sample.path, output)
    assert feeds.recorded_feeds(output)
    # A change touching several feeds, and one feed that vanishes.
    execute(sample.path, f"""
        UPDATE tenders SET title = title || '（更正）';
        UPDATE tenders SET buyer_id = '{BUYERS[0][0]}' WHERE buyer_id = '{BUYERS[1][0]}';
    """)
    render = feeds.Renderer.render
    calls = 0

    def dies_on_the_third(self: feeds.Renderer, feed: feeds.Feed) -> tuple[bytes, bytes]:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # as a kill would, after two feeds were replaced
        return render(self, feed)

    monkeypatch.setattr(feeds.Renderer, "render", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        write(sample.path, output)
    assert not (output / feeds.MANIFEST_PATH).exists()
    assert feeds.recorded_feeds(output) == {}
    monkeypatch.setattr(feeds.Renderer, "render", render)
    # A feed the killed write had not got round to deleting: no manifest names it any more.
    stray = output / f"{feeds.feed_path('buyer', 'uscc:gone')}.atom"
    stray.write_bytes(b"<feed/>")

    stats, _ = write(sample.path, output)
    assert (stats.rendered, stats.untouched, stats.deleted) == (stats.feeds, 0, 1)
    assert not stray.exists()
    write(sample.path, tmp_path / "scratch")
    assert feed_files(output) == feed_files(tmp_path / "scratch")
    assert not [p for p in (output / "feeds").rglob("*") if p.suffix == ".tmp"]
    assert feeds.recorded_feeds(output) == feeds.recorded_feeds(tmp_path / "scratch")


def test_rendering_each_entry_once_gives_feedgens_bytes_whatever_the_text() -> None:
    pick = random.Random(7)
    awkward = "<>&\"'\t\n\r]]>\x85\u2028\ufeff宜昌 ©"

    def text() -> str:
        return feeds.safe_text("".join(
            pick.choice(awkward) if pick.random() < 0.5 else chr(pick.randrange(0x20, 0x3000))
            for _ in range(pick.randrange(0, 30))))

    start = datetime(2025, 1, 1, tzinfo=UTC)
    entries = [feeds.Entry(feeds.tag_uri("award", text()), f"{text()}中标", f"tenders/{n}/",
                           start + timedelta(hours=pick.randrange(100)),
                           tuple((text(), text()) for _ in range(pick.randrange(4))))
               for n in range(60)]
    info = feeds.FeedInfo(subtitle=text() or "x", site_url="https://example.org/a&b\"<c>\t")
    renderer = feeds.Renderer(info)
    for n in range(12):  # feeds sharing entries, as an award's feeds do
        feed = feeds.Feed("buyer", text() or "k", text() or "t", f"orgs/{n}/",
                          feeds.order_entries(pick.sample(entries, pick.randrange(0, 40))))
        atom, rss = renderer.render(feed)
        assert (atom, rss) == feeds.render_with_feedgen(feed, info)
        assert not feedparser.parse(atom).bozo and not feedparser.parse(rss).bozo
