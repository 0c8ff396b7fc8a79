"""History: an OCDS release that changes between two collects becomes version 2 of its
award and tender; version 1 is kept, no longer current."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import LocalServer, Reply, json_reply, run_collect

pytestmark = pytest.mark.slow

RELEASE_A: dict[str, Any] = {
    "ocid": "ocds-hist-0001", "id": "ocds-hist-0001-award", "date": "2025-03-01T10:00:00+08:00",
    "tag": ["award"], "initiationType": "tender", "language": "zh",
    "parties": [
        {"id": "CN-B", "name": "宜昌市城建项目管理中心", "roles": ["buyer"]},
        {"id": "CN-S", "name": "湖北文龙景观园艺有限公司", "roles": ["supplier"]},
    ],
    "buyer": {"id": "CN-B", "name": "宜昌市城建项目管理中心"},
    "tender": {"id": "T-1", "title": "花溪路绿化工程", "procurementMethod": "open",
               "value": {"amount": 9000000, "currency": "CNY"}},
    "awards": [{"id": "A-1", "status": "active", "date": "2025-03-01T10:00:00+08:00",
                "value": {"amount": 8458088.96, "currency": "CNY"},
                "suppliers": [{"id": "CN-S", "name": "湖北文龙景观园艺有限公司"}]}],
}


def package(release: dict[str, Any]) -> dict[str, Any]:
    return {"uri": "http://example.invalid/p.json", "version": "1.1",
            "publishedDate": release["date"], "releases": [release]}


def test_a_changed_release_makes_version_two_and_keeps_version_one(tmp_path: Path) -> None:
    served = {"release": RELEASE_A}

    def route(path: str) -> Reply | None:
        return json_reply(package(served["release"])) if path == "/releases.json" else None

    server = LocalServer(route)
    sources = tmp_path / "sources.toml"
    sources.write_text(textwrap.dedent(f"""
        [[source]]
        name = "hist"
        format = "ocds"
        url = "{server.url}/releases.json"
        delay = 0
        autothrottle = false
        """), encoding="utf-8")
    try:
        first = run_collect(tmp_path, "--sources", str(sources))
        assert first.process.returncode == 0, first.output
        changed = copy.deepcopy(RELEASE_A)
        changed["awards"][0]["value"]["amount"] = 8200000.00  # a corrected award amount
        changed["tender"]["value"]["amount"] = 8800000  # and a corrected budget
        served["release"] = changed
        second = run_collect(tmp_path, "--sources", str(sources))
        assert second.process.returncode == 0, second.output
    finally:
        server.stop()

    awards = second.query(
        "SELECT version, is_current, amount, first_run FROM awards ORDER BY version")
    assert [(v, c, str(a)) for v, c, a, _ in awards] == [
        (1, False, "8458088.96"), (2, True, "8200000.00")]
    assert awards[0][3] != awards[1][3]  # each version names the run that first stored it
    tenders = second.query("SELECT version, is_current, budget_amount FROM tenders ORDER BY 1")
    assert [(v, c, str(b)) for v, c, b in tenders] == [
        (1, False, "9000000.00"), (2, True, "8800000.00")]
    runs = second.query("SELECT new, changed FROM runs ORDER BY started_at")
    assert runs == [(1, 0), (0, 1)]
    # Both bodies are kept: each version points to the document it was read from.
    documents = second.scalar("SELECT count(DISTINCT sha256) FROM documents")
    assert documents == 2
