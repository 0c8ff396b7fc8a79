"""`sunlit collect` end to end: real Scrapy, real HTTP on 127.0.0.1, a real DuckDB file.

Each collect runs in a subprocess: Twisted's reactor cannot be restarted within one process.
"""

from __future__ import annotations

import json
import socket
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import Collected, LocalServer, Reply, json_reply, run_collect

pytestmark = pytest.mark.slow

PORTAL_SIZE = 60
TABLES = ("tenders", "awards", "bids", "organisations", "list_items", "approval_cases",
          "documents", "rejects")
REPO = Path(__file__).resolve().parents[1]


def counts(collected: Collected) -> dict[str, int]:
    return {t: collected.scalar(f"SELECT count(*) FROM {t}") for t in (*TABLES, "runs")}


def write_sources(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sample_twice(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The default sources (the sample portal) collected twice into one database."""
    workdir = tmp_path_factory.mktemp("collect")
    args = ("--sources", str(REPO / "sources.toml"), "--portal-size", str(PORTAL_SIZE))
    first = run_collect(workdir, *args)
    assert "Traceback" not in first.output, first.output
    after_first = counts(first)
    first_runs = first.query("SELECT source, status FROM runs")
    second = run_collect(workdir, *args)
    assert "Traceback" not in second.output, second.output
    return {"first": first, "after_first": after_first, "first_runs": first_runs,
            "second": second, "after_second": counts(second)}


def test_sample_portal_fills_every_table(sample_twice) -> None:
    after = sample_twice["after_first"]
    for table in TABLES:
        assert after[table] > 0, f"{table} is empty after collecting the sample portal"
    assert after["runs"] == 8
    collected = sample_twice["first"]
    kinds = dict(collected.query("SELECT list_kind, count(*) FROM list_items GROUP BY 1"))
    assert set(kinds) == {"power", "responsibility", "negative"}


def test_each_source_has_a_finished_run_with_its_counts(sample_twice) -> None:
    collected = sample_twice["first"]
    rows = collected.query(
        "SELECT source, status, pages, items, new, changed, unchanged, rejected, finished_at "
        "FROM runs WHERE run_id = (SELECT min(run_id) FROM runs) ORDER BY source")
    assert {r[0] for r in rows} == {
        "sample-epoint-awards", "sample-epoint-candidates", "sample-ccgp", "sample-ocds",
        "sample-power-list", "sample-responsibility-list", "sample-negative-list",
        "sample-approvals"}
    for source, _status, pages, items, new, changed, unchanged, rejected, finished in rows:
        assert finished is not None and pages > 0 and items > 0, source
        assert new + changed + unchanged + rejected == items, source
    # The sample portal's planted defects stay well under the reject threshold.
    assert {r[1] for r in rows} == {"ok"}, rows
    assert collected.process.returncode == 0, collected.output


def test_planted_defects_become_rejects_with_readable_reasons(sample_twice) -> None:
    from disclosures.portal.generator import planted_defects

    collected = sample_twice["first"]
    rejects = collected.query(
        "SELECT reason_code, reason, url, raw FROM rejects WHERE source = 'sample-epoint-awards'")
    codes = {r[0] for r in rejects}
    planted = {d.code for d in planted_defects(PORTAL_SIZE, 7) if d.format == "epoint_awards"}
    for code in ("missing_amount", "bad_date", "duplicate"):
        assert code in planted, f"the sample portal no longer plants {code}"
        assert code in codes, f"{code} was not rejected: {codes}"
    for _code, reason, url, raw in rejects:
        assert len(reason) > 10 and url.startswith("http://sample-portal.invalid/")
        assert json.loads(raw)["source_format"] == "epoint"
    (duplicate,) = [r for r in rejects if r[0] == "duplicate"]
    assert "served twice in one run" in duplicate[1]
    by_reason = json.loads(collected.scalar(
        "SELECT rejects_by_reason FROM runs WHERE source = 'sample-epoint-awards'"))
    assert by_reason["duplicate"] == 1 and by_reason["bad_date"] == 1
    # The summary printed them too.
    assert "duplicate" in collected.process.stdout and "served twice" in collected.process.stdout


def test_the_correction_is_version_two_of_its_tender(sample_twice) -> None:
    rows = sample_twice["first"].query(
        "SELECT version, is_current, is_correction, title FROM tenders "
        "WHERE tender_id IN (SELECT tender_id FROM tenders WHERE is_correction) ORDER BY version")
    assert [(v, current, correction) for v, current, correction, _ in rows] == [
        (1, False, False), (2, True, True)]
    assert "更正" in rows[1][3]


def test_candidate_and_result_notices_of_a_section_share_one_tender(sample_twice) -> None:
    collected = sample_twice["first"]
    # Every candidate notice's section has its result notice too (the portal publishes both).
    linked = collected.query(
        "SELECT count(DISTINCT b.tender_id), count(DISTINCT a.tender_id) FROM bids b "
        "LEFT JOIN awards a ON a.tender_id = b.tender_id AND a.is_current "
        "WHERE b.source = 'sample-epoint-candidates' AND b.is_current")
    assert linked == [(PORTAL_SIZE // 2, PORTAL_SIZE // 2)]
    # The tender row is the result notice's: it knows the award; no second version is made.
    sources = collected.query(
        "SELECT DISTINCT t.source FROM tenders t JOIN bids b USING (tender_id) "
        "WHERE b.source = 'sample-epoint-candidates'")
    assert sources == [("sample-epoint-awards",)]


def test_every_document_is_archived_compressed_under_its_sha256(sample_twice) -> None:
    import gzip
    import hashlib

    collected = sample_twice["first"]
    documents = collected.query("SELECT sha256, archive_path, size_bytes FROM documents")
    for sha256, archive_path, size in documents:
        body = gzip.decompress((collected.archive / archive_path).read_bytes())
        assert hashlib.sha256(body).hexdigest() == sha256 and len(body) == size
    assert not list(collected.archive.rglob(".tmp-*")), "a temporary file was left behind"
    first_run = "SELECT min(run_id) FROM runs"
    pages = collected.scalar(f"SELECT sum(pages) FROM runs WHERE run_id = ({first_run})")
    assert len(documents) == pages  # list pages too, and nothing but successful responses
    # Every record points at an archived document.
    orphans = collected.scalar(
        "SELECT count(*) FROM tenders t WHERE NOT EXISTS "
        "(SELECT 1 FROM documents d WHERE d.sha256 = t.document_sha256 AND d.url = t.url)")
    assert orphans == 0


def test_gbk_pages_record_the_encoding_they_were_decoded_with(sample_twice) -> None:
    encodings = dict(sample_twice["first"].query(
        "SELECT encoding, count(*) FROM documents WHERE url LIKE '%/ccgp/%/t%' GROUP BY 1"))
    assert encodings.get("gb18030", 0) > 0 and encodings.get("utf-8", 0) > 0


def test_collecting_twice_stores_nothing_new(sample_twice) -> None:
    first, second = sample_twice["after_first"], sample_twice["after_second"]
    assert {t: second[t] for t in TABLES} == {t: first[t] for t in TABLES}
    assert second["runs"] == 2 * first["runs"]
    latest = sample_twice["second"].query(
        "SELECT source, new, changed, unchanged, items - rejected FROM runs "
        "WHERE run_id = (SELECT max(run_id) FROM runs)")
    assert len(latest) == 8
    for source, new, changed, unchanged, accepted in latest:
        assert (new, changed, unchanged) == (0, 0, accepted), source


@pytest.fixture(scope="module")
def edge_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One collect of sources that each go wrong in their own way (one subprocess: fast)."""
    workdir = tmp_path_factory.mktemp("edges")
    server = LocalServer(_edge_route)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    fast = "delay = 0\nautothrottle = false\n"
    sources = write_sources(workdir / "sources.toml", f"""
[[source]]
name = "limited"
format = "approvals_json"
url = "portal:/ratelimited/approvals/api/cases?page=1&pageSize=50"
{fast}
[[source]]
name = "down"
format = "ocds"
url = "http://127.0.0.1:{closed_port}/releases.json"
{fast}
[[source]]
name = "garbage"
format = "approvals_json"
url = "{server.url}/garbage/cases?page=1"
{fast}
[[source]]
name = "open"
format = "approvals_json"
url = "{server.url}/api/cases?page=1"
{fast}
[[source]]
name = "private"
format = "approvals_json"
url = "{server.url}/private/cases?page=1"
{fast}""")
    try:
        collected = run_collect(workdir, "--sources", str(sources), "--portal-size", "60")
    finally:
        server.stop()
    runs = {
        row[0]: dict(zip(("status", "pages", "items", "rejected", "seconds", "message"), row[1:],
                         strict=True))
        for row in collected.query(
            "SELECT source, status, pages, items, rejected, "
            "epoch(finished_at) - epoch(started_at), message FROM runs")
    }
    return {"collected": collected, "runs": runs, "server": server}


def _edge_route(path: str) -> Reply | None:
    if path == "/robots.txt":
        return Reply(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    if path.startswith("/garbage/"):
        # GBK text where JSON was promised: a page that yields nothing but a reject.
        return Reply(body="<html>正在维护</html>".encode("gbk"))
    if path.startswith("/api/"):
        return json_reply({"total": 0, "data": []})
    return None


def test_a_429_with_retry_after_is_waited_for_and_retried(edge_cases) -> None:
    # The sample portal answers 429 with Retry-After: 1 the first time each /ratelimited/ url
    # is asked for: three pages, each refused once, each waited for, then served.
    limited = edge_cases["runs"]["limited"]
    assert (limited["status"], limited["pages"], limited["items"]) == ("ok", 3, 120)
    assert limited["seconds"] >= 1.0, "the retry did not wait for Retry-After"
    collected = edge_cases["collected"]
    assert collected.scalar("SELECT count(*) FROM approval_cases") == 120
    # The 429 answers are not documents: only the three pages that were served.
    assert collected.scalar("SELECT count(*) FROM documents WHERE source = 'limited'") == 3


def test_a_source_that_cannot_be_reached_fails_the_collect(edge_cases) -> None:
    down = edge_cases["runs"]["down"]
    assert (down["status"], down["pages"]) == ("failed", 0)
    assert "ConnectionRefusedError" in down["message"]
    collected = edge_cases["collected"]
    assert collected.process.returncode == 1
    assert "Traceback" not in collected.output, collected.output


def test_a_garbage_page_is_a_reject_and_too_many_rejects_fail(edge_cases) -> None:
    garbage = edge_cases["runs"]["garbage"]
    assert (garbage["status"], garbage["items"], garbage["rejected"]) == ("too_many_rejects", 1, 1)
    code, reason, raw = edge_cases["collected"].query(
        "SELECT reason_code, reason, raw FROM rejects WHERE source = 'garbage'")[0]
    assert code == "bad_page" and reason.startswith("not JSON") and raw.startswith("<html>")


def test_robots_txt_and_the_user_agent_are_respected(edge_cases) -> None:
    from disclosures.settings import USER_AGENT

    server = edge_cases["server"]
    assert not any(p.startswith("/private/") for p in server.requests), server.requests
    assert "/robots.txt" in server.requests and set(server.user_agents) == {USER_AGENT}
    runs = edge_cases["runs"]
    assert runs["open"]["status"] == "ok"
    assert runs["private"]["status"] == "failed"
    assert "forbidden by robots.txt" in runs["private"]["message"]


def test_the_summary_names_every_source_and_its_status(edge_cases) -> None:
    stdout = edge_cases["collected"].process.stdout
    for source, run in edge_cases["runs"].items():
        assert source in stdout and run["status"] in stdout
    assert "bad_page" in stdout  # the reject reasons table


def test_a_bad_sources_file_is_a_clear_error(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", """
        [[source]]
        name = "x"
        format = "rss"
        url = "https://example.org/feed"
    """)
    collected = run_collect(tmp_path, "--sources", str(sources))
    assert collected.process.returncode != 0
    assert "unknown format 'rss'" in collected.process.stderr
    assert "Traceback" not in collected.output and not collected.db.exists()
