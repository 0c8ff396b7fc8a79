"""Every OCDS file of the corpus, collected by `sunlit collect` from a server on 127.0.0.1.

The expected award counts and value sums are computed here from the raw JSON with a small
reader of its own, not with Sunlit's code: an award row per supplier of each award that is
not cancelled or unsuccessful, its value (to the cent) summed per currency.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Collected, LocalServer, Reply, run_collect

pytestmark = pytest.mark.slow

PUBLISHERS = ("armenia", "canada", "mexico", "ocdskit_realdata", "paraguay", "taiwan", "ukraine")


def read_documents(body: bytes) -> list[Any]:
    """Every JSON document in a file: UTF-8 or else Latin-1, one or several back to back."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    decoder, position, found = json.JSONDecoder(), 0, []
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return found
        value, position = decoder.raw_decode(text, position)
        found.append(value)


def deep_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_update(merged[key], value)
        else:
            merged[key] = value
    return merged


def keep_newest(compiled: dict[str, dict[str, Any]], release: dict[str, Any]) -> None:
    """Of two compiled releases of one ocid, the later dated stands for the record."""
    old = compiled.get(release["ocid"])
    if old is None or (release.get("date") or "") > (old.get("date") or ""):
        compiled[release["ocid"]] = release


def expected_awards(files: list[Path]) -> tuple[int, dict[str, Decimal]]:
    releases: dict[str, list[dict[str, Any]]] = defaultdict(list)
    compiled: dict[str, dict[str, Any]] = {}
    for path in files:
        for document in read_documents(path.read_bytes()):
            if isinstance(document, dict) and "records" in document:
                records = document["records"]
            elif isinstance(document, dict) and "compiledRelease" in document:
                records = [document]
            else:
                records = []
            for record in records:
                for release in record.get("releases", []):
                    if "ocid" in release:
                        releases[release["ocid"]].append(release)
                if "compiledRelease" in record:
                    keep_newest(compiled, record["compiledRelease"])
            if isinstance(document, dict) and "releases" in document and not records:
                for release in document["releases"]:
                    releases[release["ocid"]].append(release)
            elif isinstance(document, dict) and "ocid" in document and not records:
                if "compiled" in (document.get("tag") or []):
                    keep_newest(compiled, document)
                else:
                    releases[document["ocid"]].append(document)
    count, sums = 0, Counter[str]()
    for ocid in set(releases) | set(compiled):
        if releases[ocid]:
            awards: dict[str, dict[str, Any]] = {}
            for release in sorted(releases[ocid], key=lambda r: r.get("date") or ""):
                found = release.get("awards") or []
                for award in [found] if isinstance(found, dict) else found:
                    key = str(award.get("id"))
                    awards[key] = deep_update(awards.get(key, {}), award)
            listed = list(awards.values())
        else:
            listed = compiled[ocid].get("awards") or []
        for award in listed:
            if award.get("status") in ("cancelled", "unsuccessful"):
                continue
            # Taiwan names its suppliers under items, each with its awardValue.
            suppliers = list(award.get("suppliers") or []) + [
                s for item in award.get("items") or [] for s in item.get("suppliers") or []
            ]
            named = {
                json.dumps(s.get("name") or s.get("id") or s.get("identifier"), sort_keys=True):
                s for s in suppliers if isinstance(s, dict)
            }
            for supplier in named.values():
                value = award.get("value") or supplier.get("awardValue") or {}
                count += 1
                if value.get("amount") is not None and value.get("currency"):
                    # Stored to the cent (awards.amount is DECIMAL(18,2)).
                    amount = Decimal(str(value["amount"])).quantize(Decimal("0.01"))
                    sums[value["currency"].upper()] += amount
    return count, dict(sums)


@pytest.fixture(scope="module")
def ocds_collect(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Any]:
    root = corpus / "ocds"
    files = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*.json"))}
    extra: dict[str, bytes] = {}
    # The same files compressed, as bulk downloads come: a gzip and a zip of two releases.
    taiwan = sorted(p for k, p in files.items() if k.startswith("taiwan/"))
    extra["bulk/taiwan-0.json.gz"] = gzip.compress(taiwan[0].read_bytes())
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for path in taiwan[1:3]:
            archive.writestr(path.name, path.read_bytes())
    extra["bulk/taiwan-1-2.zip"] = packed.getvalue()

    def route(path: str) -> Reply | None:
        name = path.lstrip("/").split("?")[0]
        if name in extra:
            return Reply(body=extra[name], content_type="application/octet-stream")
        if name in files:
            return Reply(body=files[name].read_bytes(), content_type="application/json")
        return None

    server = LocalServer(route)
    workdir = tmp_path_factory.mktemp("ocds")
    blocks = []
    for publisher in PUBLISHERS:
        urls = [f"{server.url}/{k}" for k in files if k.startswith(publisher + "/")]
        if publisher == "taiwan":
            # Three of its files come only compressed.
            urls = [u for u in urls if not any(u.endswith(p.name) for p in taiwan[:3])]
            urls += [f"{server.url}/{k}" for k in extra]
        blocks.append(
            f'[[source]]\nname = "{publisher.replace("_", "-")}"\nformat = "ocds"\n'
            f"urls = {json.dumps(urls)}\ndelay = 0\nautothrottle = false\n"
            "max_reject_rate = 0.5\n"
        )
    (workdir / "sources.toml").write_text("\n".join(blocks), encoding="utf-8")
    try:
        collected = run_collect(workdir, "--sources", str(workdir / "sources.toml"), timeout=240)
    finally:
        server.stop()
    expected = {
        publisher.replace("_", "-"): expected_awards(
            [p for k, p in files.items() if k.startswith(publisher + "/")]
        )
        for publisher in PUBLISHERS
    }
    return {"collected": collected, "expected": expected}


def test_the_corpus_collects_without_a_crash(ocds_collect) -> None:
    collected: Collected = ocds_collect["collected"]
    assert "Traceback" not in collected.output, collected.output
    statuses = dict(collected.query("SELECT source, status FROM runs"))
    assert statuses == {p.replace("_", "-"): "ok" for p in PUBLISHERS}, collected.output


@pytest.mark.parametrize("publisher", [p.replace("_", "-") for p in PUBLISHERS])
def test_award_counts_and_sums_per_currency_match_the_raw_json(ocds_collect, publisher) -> None:
    collected: Collected = ocds_collect["collected"]
    count, sums = ocds_collect["expected"][publisher]
    assert collected.scalar(
        "SELECT count(*) FROM awards WHERE is_current AND source = ?", [publisher]) == count
    found = dict(collected.query(
        "SELECT currency, sum(amount) FROM awards WHERE is_current AND source = ? "
        "AND amount IS NOT NULL GROUP BY currency", [publisher]))
    assert found == sums


def test_quirks_are_loaded_or_rejected_with_a_reason(ocds_collect) -> None:
    collected: Collected = ocds_collect["collected"]
    rejects = collected.query(
        "SELECT source, reason_code, url FROM rejects WHERE reason_code = 'empty_file'")
    assert len(rejects) == 3 and {r[0] for r in rejects} == {"paraguay"}
    # Latin-1: read, and its accented names survive.
    latin = collected.scalar(
        "SELECT count(*) FROM tenders WHERE url LIKE '%encoding-iso-8859-1%'")
    assert latin >= 1
    # Taiwan's object-shaped awards, including the ones that came zipped and gzipped.
    assert collected.scalar("SELECT count(*) FROM tenders WHERE source = 'taiwan'") == 11
    # The file holding two concatenated packages gave tenders from both.
    assert collected.scalar(
        "SELECT count(*) FROM documents WHERE url LIKE '%release-package_split%'") == 1


def test_every_record_points_to_a_document_that_was_archived(ocds_collect) -> None:
    collected: Collected = ocds_collect["collected"]
    for table in ("tenders", "awards", "bids"):
        orphans = collected.scalar(
            f"SELECT count(*) FROM {table} r ANTI JOIN documents d "
            "ON d.sha256 = r.document_sha256 AND d.url = r.url")
        assert orphans == 0, table
    paths = [row[0] for row in collected.query("SELECT archive_path FROM documents")]
    assert paths and all((collected.archive / p).is_file() for p in paths)
