"""No personal data on the public site: the sample portal plants ID-card and mobile numbers.

The portal is collected by a real `sunlit collect` (a subprocess) and the site built from that
database; every file of the output — pages, feeds, the sitemap, the Pagefind index (its
fragments and index chunks are gzip, decompressed here) — is searched for a valid resident ID
number or a mobile number. The raw archive is searched too: the numbers must be there, or
the test would prove nothing.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, run_collect
from stdnum.cn import ric

from disclosures.build import build_site
from disclosures.portal.generator import planted_defects

pytestmark = pytest.mark.slow

PORTAL_SIZE = 30
PORTAL_SEED = 7  # `sunlit collect`'s sample portal seed

# A resident ID number: 6 region digits, a birth date, 3 sequence digits, a check character.
ID18 = re.compile(rb"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(rb"(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z])")


def planted_numbers() -> list[bytes]:
    numbers: list[bytes] = []
    for defect in planted_defects(PORTAL_SIZE, PORTAL_SEED):
        if defect.code == "personal_id":
            found = re.findall(r"ID-card number (\S+) and mobile (\d+)", defect.description)
            numbers += [n.encode() for pair in found for n in pair]
    return numbers


def readable(path: Path) -> bytes:
    """A file's text as bytes: gzip (Pagefind's fragments and index chunks) decompressed, the
    Parquet and DuckDB downloads read back row by row."""
    if path.suffix in (".parquet", ".duckdb"):
        con = duckdb.connect(str(path), read_only=True) if path.suffix == ".duckdb" else (
            duckdb.connect()
        )
        try:
            if path.suffix == ".parquet":
                sources = [f"read_parquet('{path}')"]
            else:
                sources = [f'"{name}"' for (name,) in con.execute(
                    "SELECT table_name FROM duckdb_tables()").fetchall()]
            rows = [r for source in sources
                    for r in con.execute(f"SELECT * FROM {source}").fetchall()]
        finally:
            con.close()
        return "\n".join("\t".join(map(str, row)) for row in rows).encode()
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return data
    return data


def personal_numbers(data: bytes) -> list[bytes]:
    ids = [m.group() for m in ID18.finditer(data) if ric.is_valid(m.group().decode())]
    return ids + [m.group() for m in MOBILE.finditer(data)]


def test_planted_personal_numbers_never_reach_the_site(tmp_path: Path) -> None:
    planted = planted_numbers()
    assert len(planted) == 6  # three notices, an ID number and a mobile number each
    collected = run_collect(
        tmp_path, "--sources", str(REPO / "sources.toml"), "--portal-size", str(PORTAL_SIZE),
        timeout=180,
    )
    assert collected.process.returncode == 0, collected.output

    archived = b"\n".join(readable(p) for p in collected.archive.rglob("*") if p.is_file())
    assert [n for n in planted if n not in archived] == []  # collected, unmasked, in the archive
    assert len(personal_numbers(archived)) >= 6  # and the detector below sees them

    site = build_site(collected.db, tmp_path / "output").output.resolve()
    files = [p for p in site.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".atom", ".rss", ".pf_fragment", ".pf_index"} <= kinds
    fragments = [p for p in files if p.suffix == ".pf_fragment"]
    assert any(b"\"url\"" in readable(p) for p in fragments)  # decompressed, not opaque bytes

    found = {
        str(p.relative_to(site)): hits
        for p in files
        if (hits := personal_numbers(readable(p)) + [n for n in planted if n in readable(p)])
    }
    assert found == {}
