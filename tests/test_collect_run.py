"""The load side of a collect, without a crawl: versions, duplicates, organisations, status."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from collectors.items import SourceItem
from collectors.pipelines import Accepted, LoadPipeline
from collectors.run import SourceRun, Writer, merge_organisations
from collectors.sources import parse_sources
from disclosures import ids, store
from disclosures.records import TABLE_COLUMNS


def source(**options: Any) -> Any:
    table = {
        "name": "t",
        "format": "epoint",
        "delay": 0,
        "url": "http://x/api?categoryNum=003001005",
        **options,
    }
    return parse_sources({"source": [table]})[0]


def tender_notice(
    notice_no: str,
    title: str,
    published: str,
    *,
    correction: bool = False,
    url: str = "http://x/api?pageIndex=0",
) -> Accepted:
    row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS["tenders"])
    row.update(
        tender_id=f"t:{notice_no}",
        source="t",
        notice_no=notice_no,
        title=title,
        published_at=datetime.fromisoformat(published).replace(tzinfo=UTC),
        is_correction=correction,
        url=url,
        document_sha256="0" * 64,
    )
    row["content_hash"] = ids.content_hash(row)
    payload = {"source_format": "epoint", "title": title, "published": published}
    item = SourceItem("award_notice", "t", url, payload, datetime.now(UTC), "0" * 64)
    return Accepted(item, {"tenders": [row]})


@pytest.fixture()
def writer(tmp_path: Path):
    con = store.connect(tmp_path / "t.duckdb", read_only=False)
    store.migrate(con)
    yield lambda run_id: Writer(con, tmp_path / "archive", run_id)
    con.close()


def collect(writer_for, run_id: str, items: list[Accepted]) -> SourceRun:
    run = SourceRun(source(), writer_for(run_id))
    pipeline = LoadPipeline(SimpleNamespace(spider=SimpleNamespace(run=run)))
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()
    run.writer.flush()
    return run


def versions(run: SourceRun) -> list[tuple[Any, ...]]:
    return run.writer.con.execute(
        "SELECT version, is_current, title FROM tenders ORDER BY tender_id, version"
    ).fetchall()


@pytest.mark.parametrize("correction_first", [True, False])
def test_a_correction_is_the_newer_version_whatever_the_order_it_arrives_in(
    writer, correction_first: bool
) -> None:
    original = tender_notice("N1", "某项目中标结果公告", "2025-03-01")
    correction = tender_notice("N1", "某项目中标结果更正公告", "2025-03-09", correction=True)
    other = tender_notice("N2", "另一项目中标结果公告", "2025-03-05")
    arrivals = [correction, other, original] if correction_first else [original, other, correction]
    run = collect(writer, "r1", arrivals)
    assert versions(run) == [
        (1, False, "某项目中标结果公告"),
        (2, True, "某项目中标结果更正公告"),
        (1, True, "另一项目中标结果公告"),
    ]
    assert (run.counts.upserts.new, run.counts.upserts.changed) == (2, 1)

    again = collect(writer, "r2", list(reversed(arrivals)))
    assert len(versions(again)) == 3, "a second run stored versions again"
    assert (again.counts.upserts.new, again.counts.upserts.changed) == (0, 0)
    assert again.counts.upserts.unchanged == 3


def test_the_same_notice_served_twice_is_one_record_and_one_duplicate_reject(writer) -> None:
    first = tender_notice("N1", "某项目中标结果公告", "2025-03-01", url="http://x/api?pageIndex=2")
    second = tender_notice("N1", "某项目中标结果公告", "2025-03-01", url="http://x/api?pageIndex=1")
    run = collect(writer, "r1", [first, second])
    assert len(versions(run)) == 1 and run.counts.items == 2 and run.counts.rejected == 1
    ((reason, url, raw),) = run.writer.con.execute(
        "SELECT reason, url, raw FROM rejects"
    ).fetchall()
    assert reason == (
        "served twice in one run: t:N1 with identical content, also at http://x/api?pageIndex=1"
    )
    assert url == "http://x/api?pageIndex=2" and json.loads(raw)["title"] == "某项目中标结果公告"
    # The other arrival order names the same urls: the reject id does not change.
    again = collect(writer, "r2", [second, first])
    assert again.counts.rejected == 1
    assert again.writer.con.execute("SELECT count(*) FROM rejects").fetchone() == (1,)


def org(org_id: str, name: str, region: str | None, source_name: str) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "name": name,
        "uscc": None,
        "uscc_valid": None,
        "aliases": [name],
        "region": region,
        "source": source_name,
        "url": f"http://{source_name}/",
        "document_sha256": None,
        "content_hash": "",
    }


def test_organisations_seen_by_several_sources_merge_the_same_in_any_order() -> None:
    sightings = [
        org("name:甲局", "甲局", None, "list"),
        org("name:甲局", "甲局", "西陵区", "epoint"),
        org("name:甲局", "甲 局", "西陵区", "ccgp"),
        org("name:乙", "乙", None, "list"),
    ]
    merged = merge_organisations(sightings)
    assert merged == merge_organisations(list(reversed(sightings)))
    assert [row["org_id"] for row in merged] == ["name:乙", "name:甲局"]
    first = merged[1]
    assert (first["name"], first["region"], first["source"]) == ("甲局", "西陵区", "epoint")
    assert first["aliases"] == ["甲 局", "甲局"]
    assert first["content_hash"] == ids.content_hash(first)


def test_status_follows_pages_and_the_reject_threshold(writer) -> None:
    run = SourceRun(source(), writer("r1"))
    assert run.status(0.2) == "failed"  # not a single page
    run.counts.pages, run.counts.items, run.counts.rejected = 3, 10, 3
    assert run.status(0.2) == "too_many_rejects" and run.status(0.5) == "ok"
    strict = SourceRun(source(max_reject_rate=0.1), run.writer)
    strict.counts = run.counts
    assert strict.status(0.5) == "too_many_rejects"  # the source's own threshold wins
    run.finish_reason = "shutdown"
    assert run.status(0.5) == "failed" and "crawl ended: shutdown" in (run.message() or "")
