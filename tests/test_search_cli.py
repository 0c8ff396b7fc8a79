"""`sunlit search` on the sample portal's database: JSON output, kinds and field filters,
phrases, prefixes, ranges, spelling suggestions, and the index brought up to date after the
database changes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from searchdemo import Demo, demo

from disclosures import store
from search.commands import search

ORG = "三峡中泰建设集团有限公司"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return demo(tmp_path_factory)


def run(built: Demo, *args: str, index: Path | None = None) -> Any:
    result = CliRunner().invoke(search, [*args, "--json", "--db", str(built.db), "--index",
                                         str(index or built.index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_name_comes_first_and_a_kind_filter_keeps_only_that_kind(built: Demo) -> None:
    found = run(built, ORG)
    assert found["hits"][0]["key"] == "organisation:uscc:91420111424991426K"
    assert found["total"] >= 3
    kinds = {h["kind"] for h in run(built, ORG, "--type", "award")["hits"]}
    assert kinds == {"award"}


def test_a_two_character_fragment_and_a_field_filter(built: Demo) -> None:
    wide = run(built, "中泰", "--limit", "1000")
    narrow = run(built, "中泰", "--field", "supplier=三峡中泰", "--limit", "1000")
    assert 0 < narrow["total"] < wide["total"]
    assert {h["key"] for h in narrow["hits"]} <= {h["key"] for h in wide["hits"]}


def test_phrases_prefixes_and_ranges(built: Demo) -> None:
    phrase = run(built, '"污水处理厂"', "--type", "tender", "--limit", "1000")
    assert phrase["total"] and all("污水处理厂" in h["title"] for h in phrase["hits"])
    assert run(built, '"处理厂污水"')["total"] == 0
    codes = run(built, "code:HBCG2025*", "--type", "tender", "--limit", "1000")
    assert codes["total"] and all(h["kind"] == "tender" for h in codes["hits"])
    dated = run(built, "date:[2025-01-01 TO 2025-03-31]", "--limit", "1000")
    assert dated["total"] and all("2025-01-01" <= h["date"] <= "2025-03-31"
                                  for h in dated["hits"])
    amounts = run(built, "amount:[1000000 TO 5000000]", "--limit", "1000")
    values = [float(h["amount"].rstrip("元").replace(",", "")) for h in amounts["hits"]]
    assert values and all(1_000_000 <= v <= 5_000_000 for v in values)


def test_a_misspelt_name_finds_nothing_but_a_suggestion(built: Demo) -> None:
    found = run(built, "三峡中泰建设集团有线工司")
    assert found["total"] == 0
    assert ORG in found["suggestions"]


def test_the_index_follows_the_database(built: Demo, tmp_path: Path) -> None:
    db = tmp_path / "sunlit.duckdb"
    shutil.copy(built.db, db)
    index = tmp_path / "index"
    copy = Demo(db=db, output=built.output, index=index)
    assert run(copy, "污水处理厂提标改造工程", index=index)["total"]
    con = store.connect(db, read_only=False)
    try:
        con.execute("UPDATE tenders SET title = replace(title, '污水处理厂', '净水厂')")
        store.checkpoint(con)
    finally:
        con.close()
    result = CliRunner().invoke(search, ["净水厂", "--db", str(db), "--index", str(index)])
    assert result.exit_code == 0, result.output
    report = re.search(r"search index updated .*: (\d+) added, (\d+) changed, (\d+) removed",
                       result.stderr)
    assert report, result.stderr
    added, changed, removed = map(int, report.groups())
    assert changed > 0 and added == removed == 0
    assert run(copy, '"净水厂"', "--type", "tender", index=index)["total"]
    assert run(copy, '"污水处理厂提标"', "--type", "tender", index=index)["total"] == 0
