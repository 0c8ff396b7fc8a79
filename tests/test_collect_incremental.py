"""Re-runs read only what is new or changed: newest-first lists stop paging at a page a finished
collect already read unchanged, servers that send an ETag answer 304, `--full` reads it all.

A killed collect's pages never count as read: tests/test_collect_resume.py."""

from __future__ import annotations

import hashlib
import json
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import Reply, run_collect
from test_collect_resume import table_contents

from disclosures.portal import start_portal
from disclosures.portal.generator import PortalData
from disclosures.portal.render import case_json

REPO = Path(__file__).resolve().parents[1]
SAMPLE = ("--sources", str(REPO / "sources.toml"), "--portal-size", "60")


def pages_of_last_run(collected: Any) -> dict[str, int]:
    return dict(collected.query(
        "SELECT source, pages FROM runs WHERE run_id = (SELECT max(run_id) FROM runs)"))


@pytest.mark.slow
def test_a_second_collect_of_an_unchanged_portal_reads_almost_nothing(tmp_path: Path) -> None:
    first = run_collect(tmp_path, *SAMPLE)
    assert first.process.returncode == 0, first.output
    before = table_contents(first.db)
    first_pages = pages_of_last_run(first)

    second = run_collect(tmp_path, *SAMPLE)
    assert second.process.returncode == 0, second.output
    second_pages = pages_of_last_run(second)
    assert sum(second_pages.values()) * 4 <= sum(first_pages.values()), second_pages
    # Newest-first sources stop at their first page, answered 304 Not Modified.
    for source in ("sample-epoint-awards", "sample-ccgp", "sample-approvals"):
        assert second_pages[source] == 0, source
    assert "unchanged since the last collect" in second.output
    assert set(second.query("SELECT DISTINCT status FROM runs")) == {("ok",)}
    assert table_contents(second.db) == before

    full = run_collect(tmp_path, *SAMPLE, "--full")
    assert full.process.returncode == 0, full.output
    assert pages_of_last_run(full) == first_pages
    assert table_contents(full.db) == before


CASES = [case_json(PortalData(145).approval_case(i)) for i in range(290)]


class GrowingApprovals:
    """An approvals API listing cases newest first; `grow` publishes newer ones on top."""

    def __init__(self, shown: int) -> None:
        self.start = len(CASES) - shown

    def grow(self, count: int) -> None:
        self.start -= count

    def route(self, path: str) -> Reply | None:
        if not path.startswith("/cases?"):
            return None
        query = dict(part.split("=") for part in path.partition("?")[2].split("&"))
        page, size = int(query["page"]), int(query["pageSize"])
        rows = CASES[self.start:]
        body = {"total": len(rows), "data": rows[(page - 1) * size:page * size]}
        return Reply(body=json.dumps(body, ensure_ascii=False).encode("utf-8"))


@pytest.mark.slow
def test_a_grown_list_is_read_for_its_new_records_then_left_alone(tmp_path: Path,
                                                               local_server: Any) -> None:
    portal = GrowingApprovals(shown=240)
    server = local_server(portal.route)
    sources = tmp_path / "sources.toml"
    sources.write_text(textwrap.dedent(f"""
        [[source]]
        name = "growing"
        format = "approvals_json"
        url = "{server.url}/cases?page=1&pageSize=50"
        delay = 0
        autothrottle = false
    """), encoding="utf-8")

    def api_requests() -> list[str]:
        return [path for path in server.requests if path.startswith("/cases?")]

    first = run_collect(tmp_path, "--sources", str(sources))
    assert first.process.returncode == 0, first.output
    assert len(api_requests()) == 5 and first.scalar("SELECT count(*) FROM approval_cases") == 240

    server.requests.clear()
    second = run_collect(tmp_path, "--sources", str(sources))
    assert second.process.returncode == 0, second.output
    assert api_requests() == ["/cases?page=1&pageSize=50"]  # no ETag here: read, same body

    portal.grow(50)
    server.requests.clear()
    third = run_collect(tmp_path, "--sources", str(sources))
    assert third.process.returncode == 0, third.output
    # Every page prints the new total, so none is unchanged: the list is read down again.
    assert len(api_requests()) == 6
    assert third.scalar("SELECT count(*) FROM approval_cases") == 290
    assert third.query(
        "SELECT new, changed, unchanged FROM runs WHERE run_id = (SELECT max(run_id) FROM runs)"
    ) == [(50, 0, 240)]

    server.requests.clear()
    fourth = run_collect(tmp_path, "--sources", str(sources))
    assert fourth.process.returncode == 0, fourth.output
    assert api_requests() == ["/cases?page=1&pageSize=50"]


def test_the_sample_portal_sends_an_etag_and_answers_304_to_it() -> None:
    with start_portal(size=60) as portal:
        url = portal.url + "/approvals/api/cases?page=1&pageSize=50"
        with urllib.request.urlopen(url) as response:
            etag = response.headers["ETag"]
            body = response.read()
        assert etag == f'"{hashlib.sha256(body).hexdigest()}"'
        request = urllib.request.Request(url, headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(request)
        assert answered.value.code == 304 and answered.value.read() == b""
        assert [r.status for r in portal.requests] == [200, 304]
