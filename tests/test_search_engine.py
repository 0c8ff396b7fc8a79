"""The command line's engine on a handful of documents: name fields without positions still
answer fielded fragments and phrases, `department:` finds a tender by its buyer, a search after
a rebuild sees the new index, an update touches only what changed, a large rebuild writes in
parallel, and the writer's own formats write what Whoosh's would. And the browser's bundle: one
that Pagefind wrote wrong is written again."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import cbor2
import pytest
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.formats import Frequency, Positions
from whoosh.writing import SegmentWriter

from search import browser, whoosh_engine
from search.analysis import sunlit_analyzer, term_list, terms
from search.documents import SearchDocument
from search.whoosh_engine import WhooshEngine

TENDER = SearchDocument(
    kind="tender", record_id="t1", url="tenders/t1/", title="宜昌市污水处理厂提标改造工程",
    body="宜昌市污水处理厂提标改造工程 HBCG20250000012 宜昌市水利局 宜昌恒泰建设工程有限公司",
    date="2025-03-01", amount="1,000,000.00元", region="宜昌", department="宜昌市水利局",
    buyer="宜昌市水利局", supplier="宜昌恒泰建设工程有限公司", code="HBCG20250000012",
    amount_value=Decimal(1_000_000))
ITEM = SearchDocument(
    kind="list_item", record_id="power:1", url="lists/power/1/", title="取水许可",
    body="权力清单 取水许可 420500000000001 当阳市水利局", region="当阳",
    department="当阳市水利局", code="420500000000001")


def keys(engine: WhooshEngine, query: str, **kwargs: object) -> list[str]:
    return [h.key for h in engine.search(query, **kwargs).hits]  # type: ignore[arg-type]


def test_the_tokenizer_yields_the_terms_of_the_analysis() -> None:
    text = "宜昌ＨＢＣＧ２０２５ 恒泰建设 市 Water-Works"
    tokens = [(t.text, t.pos) for t in sunlit_analyzer()(text, positions=True)]
    assert [t for t, _ in tokens] == [t for _, t in terms(text)]
    assert tokens == [("宜昌", 0), ("hbcg2025", 1), ("恒泰", 2), ("泰建", 3), ("建设", 4),
                      ("市", 5), ("water", 6), ("works", 7)]
    assert list(enumerate(term_list(text))) == [(pos, t) for t, pos in tokens]


def test_fielded_fragments_phrases_and_departments(tmp_path: Path) -> None:
    engine = WhooshEngine(tmp_path / "index")
    engine.rebuild([TENDER, ITEM])
    assert keys(engine, "supplier:恒泰建设") == ["tender:t1"]
    assert keys(engine, 'supplier:"恒泰建设"') == ["tender:t1"]
    assert keys(engine, "supplier:水利") == []
    assert sorted(keys(engine, "department:水利局")) == ["list_item:power:1", "tender:t1"]
    assert keys(engine, "", fields={"department": "宜昌市水利局"}) == ["tender:t1"]
    assert keys(engine, "", fields={"department": "当阳市水利局"}) == ["list_item:power:1"]
    assert keys(engine, "code:HBCG2025*") == ["tender:t1"]
    assert keys(engine, '"污水处理厂"') == ["tender:t1"]
    assert keys(engine, "amount:[999999.99 TO 1000000]") == ["tender:t1"]
    assert keys(engine, "amount:[1000000.01 TO 5000000]") == []
    assert keys(engine, "amount:[100 TO 999999.99]") == []
    assert keys(engine, '"处理污水"') == []


def test_a_search_after_a_rebuild_sees_the_new_index(tmp_path: Path) -> None:
    engine = WhooshEngine(tmp_path / "index")
    engine.rebuild([TENDER])
    assert keys(engine, "取水") == []
    engine.rebuild([TENDER, ITEM])
    assert keys(engine, "取水") == ["list_item:power:1"]
    engine.update([ITEM])
    assert keys(engine, "恒泰") == []


@pytest.mark.parametrize("text", [
    "宜昌市污水处理厂提标改造工程 HBCG20250000012 宜昌市水利局", "市 水 a.b.c 恒泰恒泰恒泰",
    "ＨＢＣＧ２０２５－００１ 〔2025〕12号 Water-Works 工程工程", "", "한국어 テスト 中",
])
def test_the_writer_formats_write_what_whoosh_own_formats_would(text: str) -> None:
    fast = whoosh_engine.schema()
    for name in ("title", "body", "supplier"):
        field = fast[name]
        own = (Positions if field.format.supports("positions") else Frequency)(
            field_boost=field.format.field_boost)
        assert sorted(field.format.word_values(text, field.analyzer, mode="index")) == sorted(
            own.word_values(text, field.analyzer, mode="index")), name


def test_an_update_adds_changes_and_removes_only_what_changed(tmp_path: Path) -> None:
    engine = WhooshEngine(tmp_path / "index")
    engine.rebuild([TENDER, ITEM])
    renamed = replace(TENDER, title="宜昌市供水管网改造工程", body="宜昌市供水管网改造工程")
    other = replace(ITEM, record_id="power:2", title="排水许可", body="排水许可")
    report = engine.update([renamed, other])
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 0)
    assert keys(engine, "供水") == ["tender:t1"]
    assert keys(engine, "污水") == []
    assert keys(engine, "取水") == []
    assert keys(engine, "排水") == ["list_item:power:2"]
    report = engine.update([renamed, other])
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 0, 0, 2)


def test_a_large_rebuild_writes_in_parallel_and_finds_every_segment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whoosh_engine, "PARALLEL_FROM", 4)
    monkeypatch.setattr(whoosh_engine, "WRITER_PROCS", 2)
    documents = [replace(ITEM, record_id=f"power:{n}", title=f"许可{n:03d}号 取水",
                         code=f"4205{n:011d}") for n in range(250)]
    engine = WhooshEngine(tmp_path / "index")
    assert engine.rebuild(documents).added == 250
    with whoosh_index.open_dir(str(tmp_path / "index")).reader() as reader:
        assert len(list(reader.leaf_readers())) == 2  # one segment a writer process
        # A term of one record is kept in the term table, not in a posting block of its own.
        # (A process may find the job queue empty, the other having taken all three batches of
        # 100: its segment is empty.)
        leaves = [leaf for leaf, _ in reader.leaf_readers() if leaf.doc_count_all()]
        assert [leaf.term_info("code", "420500000000217").is_inlined() for leaf in leaves
                if ("code", "420500000000217") in leaf] == [True]
        assert not any(leaf.term_info("title", "取水").is_inlined() for leaf in leaves)
    assert engine.search("取水", limit=10).total == 250
    assert keys(engine, "420500000000217") == ["list_item:power:217"]


def test_a_phrase_finds_and_scores_what_whoosh_own_phrase_query_does(tmp_path: Path) -> None:
    # Enough records that a common word's postings span several blocks, and texts where a
    # phrase's words are all present but not adjacent, or adjacent only across a gap.
    titles = ["宜昌市污水处理厂提标改造工程", "宜昌 市污水处理厂", "宜昌 X市污水处理厂",
              "污水处理厂宜昌市", "哈哈哈哈 处理厂处理厂", "处理 厂", "宜昌市污水处理"]
    documents = [replace(ITEM, record_id=f"power:{n}", title=titles[n % len(titles)] + f" {n}",
                         body=f"工程 {titles[(n * 3) % len(titles)]}", code=f"4205{n:011d}")
                 for n in range(700)]
    engine = WhooshEngine(tmp_path / "index")
    engine.rebuild(documents)
    searcher, _ = engine._open()
    for text in ("宜昌市污水", "市污水处理厂", "污水处理厂提标改造工程", "哈哈哈", "处理厂处理厂",
                 "宜昌市", "处理 厂", "厂宜昌"):
        for field in ("title", "body"):
            words = [t for _, t in terms(text)]
            own = searcher.search(wq.Phrase(field, words), limit=None)
            ours = searcher.search(whoosh_engine._Phrase(field, words), limit=None)
            assert [(h.docnum, h.score) for h in ours] == [(h.docnum, h.score) for h in own]
            assert len(ours) == len(own)
        assert engine.search(f'"{text}"').total > 0


def test_an_index_of_whoosh_own_posting_blocks_reads_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = [replace(TENDER, record_id=f"t{n}", code=f"HBCG2025{n:07d}",
                         title=f"{'宜昌' if n % 3 else '当阳'}市污水处理厂提标改造工程 {n}")
                 for n in range(400)]
    ours = WhooshEngine(tmp_path / "ours")
    ours.rebuild(documents)
    with monkeypatch.context() as patch:
        patch.setattr(whoosh_engine.SunlitCodec, "postings_writer",
                      lambda _, dbfile, byteids=False: W3PostingsWriter(dbfile, 128, byteids))
        own = WhooshEngine(tmp_path / "own")
        own.rebuild(documents)
    for query in ('"宜昌市污水处理厂"', "当阳", "supplier:恒泰", "HBCG20250000123"):
        found, expected = ours.search(query, limit=500), own.search(query, limit=500)
        assert found.total > 0
        assert [(h.key, h.score) for h in found.hits] == [(h.key, h.score) for h in expected.hits]


def _segment_files(directory: Path) -> list[dict[str, bytes]]:
    """Each segment's files by kind (`.pst`, `_title_len.col`, ...), without its random name."""
    ix = whoosh_index.open_dir(str(directory))
    segments = []
    for segment in ix._segments():
        files = segment.open_compound_file(ix.storage)
        segments.append({name.removeprefix(segment.make_filename("")): files.open_file(name).read()
                         for name in files.list()})
    return segments


def test_the_term_pool_writes_the_segment_whoosh_own_pool_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.search import documents

    docs = documents(1_200)  # common terms over several posting blocks, amounts, org boosts
    monkeypatch.setattr(whoosh_engine, "PARALLEL_FROM", len(docs) + 1)
    WhooshEngine(tmp_path / "ours").rebuild(docs)
    monkeypatch.setattr(whoosh_engine, "_Writer", SegmentWriter)  # Whoosh's pool and add_document
    WhooshEngine(tmp_path / "own").rebuild(docs)
    ours, own = _segment_files(tmp_path / "ours"), _segment_files(tmp_path / "own")
    assert len(ours) == len(own) == 1
    assert ours[0].keys() == own[0].keys()
    assert {name for name in ours[0] if ours[0][name] != own[0][name]} == set()


def test_small_segments_merge_when_updates_pile_them_up(tmp_path: Path) -> None:
    # Whoosh merges its small segments once there are five or more. Its own pool refused the
    # postings of an ID field read back from one (a str value where it asserts bytes).
    docs = [replace(ITEM, record_id=f"power:{n}", title=f"取水许可 {n}") for n in range(20)]
    engine = WhooshEngine(tmp_path / "index")
    engine.rebuild(docs)
    for step in range(7):
        docs[step] = replace(docs[step], title=f"排水许可 {step}", body="排水许可")
        assert engine.update(docs).changed == 1
    with whoosh_index.open_dir(str(tmp_path / "index")).reader() as reader:
        assert len(list(reader.leaf_readers())) < 8
    assert engine.search("排水").total == 7
    assert engine.search("取水").total == 13
    assert keys(engine, "排水许可 3")[0] == "list_item:power:3"


# --- the browser's bundle -------------------------------------------------------------------


def test_a_search_bundle_written_wrong_is_written_again(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    writes = []
    write = browser._write

    async def cut_short(documents: Any, bundle: Path, site_root: str) -> int:
        count = await write(documents, bundle, site_root)
        writes.append(bundle)
        if len(writes) == 1:  # as Pagefind's service sometimes leaves a file it was writing
            (bundle / "pagefind-entry.json").write_bytes(b"")
        return count

    monkeypatch.setattr(browser, "_write", cut_short)
    bundle = tmp_path / "pagefind"
    assert browser.write_browser_index([TENDER, ITEM], bundle) == 2
    assert len(writes) == 2
    assert browser.bundle_problems(bundle) == []
    assert json.loads((bundle / "pagefind-entry.json").read_bytes())["languages"]


def test_bundle_problems_names_an_empty_or_cut_short_file(tmp_path: Path) -> None:
    bundle = tmp_path / "pagefind"
    browser.write_browser_index([TENDER], bundle)
    index = next((bundle / "index").iterdir())
    index.write_bytes(index.read_bytes()[:-8])
    (bundle / "pagefind.js").write_bytes(b"")
    problems = browser.bundle_problems(bundle)
    assert any("pagefind.js is empty" in p for p in problems)
    assert any(f"index/{index.name} is cut short" in p for p in problems)


def test_the_total_counts_every_matching_record(tmp_path: Path) -> None:
    # Enough records that Whoosh's collector, filling its top ten, would drop the sub-queries
    # that can no longer reach them (a term in 8,411 of these records was counted 272).
    from bench.search import documents

    docs = documents(30_000)
    engine = WhooshEngine(tmp_path / "index")
    engine.rebuild(iter(docs))
    fields = ("title", "body", "buyer", "supplier", "code")
    for query in ("工程", "中创"):
        expected = sum(1 for d in docs if any(query in getattr(d, f) for f in fields))
        results = engine.search(query, limit=10)
        assert results.total == expected > 1000
        assert len(results.hits) == 10


def _index_words(bundle: Path) -> tuple[list[list[Any]], dict[str, tuple[int, bytes]]]:
    """A bundle's chunk ranges ([from, to, name]) and each word's chunk and encoded bytes."""
    entry = json.loads((bundle / "pagefind-entry.json").read_bytes())
    meta_name = f"pagefind.{entry['languages'][browser.LANGUAGE]['hash']}.pf_meta"
    assert [p.name for p in bundle.glob("*.pf_meta")] == [meta_name]
    ranges = cbor2.loads(browser._read_index_file(bundle / meta_name))[2]
    assert sorted(p.name for p in (bundle / "index").iterdir()) == sorted(
        f"{name}.pf_index" for _, _, name in ranges)
    words = {}
    for n, (_, _, name) in enumerate(ranges):
        for word, data in browser._cbor_words(
                browser._read_index_file(bundle / "index" / f"{name}.pf_index")):
            words[word[0]] = (n, data)
    return ranges, words


def _chunk_of(ranges: list[list[Any]], term: str) -> int | None:
    """The chunk Pagefind fetches for a query's word: the first whose range holds it."""
    return next((n for n, (low, high, _) in enumerate(ranges) if low <= term <= high), None)


def test_an_index_cut_again_keeps_every_word_of_the_records_content(tmp_path: Path) -> None:
    from bench.search import documents

    docs = documents(400)
    browser.write_browser_index(docs, tmp_path / "whole", chunk_bytes=None)
    shutil.copytree(tmp_path / "whole", tmp_path / "cut")
    counts = browser.rechunk_bundle(tmp_path / "cut", chunk_bytes=300)
    _, before = _index_words(tmp_path / "whole")
    ranges, after = _index_words(tmp_path / "cut")
    content = {w for w, (_, data) in before.items()
               if any(page[1] for page in cbor2.loads(data)[1])}
    # The words of records' meta (Pagefind's own segments of titles, excerpts…) are left out,
    # every word of their content kept byte for byte.
    assert before.keys() - content and any(c >= "\u4e00" for w in before.keys() - content
                                            for c in w)
    assert {w: data for w, (_, data) in after.items()} == {w: before[w][1] for w in content}
    assert counts == {"chunks_before": len({n for n, _ in before.values()}),
                      "chunks": len(ranges), "words_before": len(before),
                      "words": len(content)}
    assert len(ranges) > 10
    # Pagefind finds each word in its chunk, and a code's first characters (a query's last
    # word, matched as a prefix) in the one chunk that holds every piece they start.
    for word, (n, _) in after.items():
        assert _chunk_of(ranges, word) == n, word
        if word.startswith("zw"):
            for cut in range(5, len(word), 2):
                starts = {m for w, (m, _) in after.items() if w.startswith(word[:cut])}
                assert starts == {_chunk_of(ranges, word[:cut])}, word[:cut]
    sizes = [sum(len(data) for n, data in after.values() if n == m) for m in range(len(ranges))]
    assert sorted(sizes)[len(sizes) // 2] < 1000
