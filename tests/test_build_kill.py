"""A build killed with SIGKILL half-way leaves the published site exactly as it was, and served."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sitedata import build_sample_db

from disclosures import store
from disclosures.build import build_site, builds_dir
from disclosures.serve import make_server

pytestmark = pytest.mark.slow


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def written_pages(build: Path) -> int:
    return sum(1 for _ in build.glob("tenders/*/index.html"))


def test_sigkill_mid_build_leaves_the_published_site_unchanged(tmp_path: Path) -> None:
    db = build_sample_db(tmp_path / "sunlit.duckdb", tenders=400)
    output = tmp_path / "output"
    build_site(db.path, output, search_index=False)
    published = Path(os.path.realpath(output))
    before = tree_digest(output)
    link_before = os.readlink(output)

    process = subprocess.Popen(
        [sys.executable, "-m", "disclosures.cli", "build", "--db", str(db.path),
         "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        partial: list[Path] = []
        while time.monotonic() < deadline and process.poll() is None:
            partial = [b for b in builds_dir(output).iterdir() if b != published]
            if partial and written_pages(partial[0]) >= 20:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the build ended before it could be killed"
        assert partial and written_pages(partial[0]) >= 20  # killed with pages half written
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL

    assert os.readlink(output) == link_before
    assert tree_digest(output) == before

    server = make_server(output, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert response.read() == (output / "index.html").read_bytes()
    finally:
        server.shutdown()
        server.server_close()

    # The next build publishes normally and clears away the killed build's leftovers.
    build_site(db.path, output, search_index=False)
    assert not partial[0].exists()
    assert os.readlink(output) != link_before and (output / "index.html").is_file()


def site_files(build: Path) -> dict[str, bytes]:
    """Every file of a build but its own records and the downloads (their bytes vary)."""
    return {name: path.read_bytes() for path in build.rglob("*") if path.is_file()
            and not (name := path.relative_to(build).as_posix()).startswith((".sunlit/", "data/"))
            and name not in ("en/data/index.html",)}


def test_sigkill_while_a_recycled_tree_is_updated_leaves_the_site_and_the_next_build_right(
    tmp_path: Path,
) -> None:
    db = build_sample_db(tmp_path / "sunlit.duckdb", tenders=400)
    output = tmp_path / "output"
    build_site(db.path, output, search_index=False)
    build_site(db.path, output, search_index=False)  # the next build recycles the first's tree
    before, link_before = tree_digest(output), os.readlink(output)
    con = store.connect(db.path, read_only=False)
    try:  # every tender page must be written again
        con.execute("UPDATE tenders SET title = title || '（更正）'")
        store.checkpoint(con)
    finally:
        con.close()

    started = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "disclosures.cli", "build", "--db", str(db.path),
         "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        recycled: list[Path] = []
        while time.monotonic() < deadline and process.poll() is None:
            recycled = [b for b in builds_dir(output).iterdir()
                        if (b / ".sunlit/held.json").is_file()]
            if recycled and sum(1 for page in recycled[0].glob("tenders/*/index.html")
                                if page.stat().st_mtime > started) >= 20:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the build ended before it could be killed"
        assert recycled  # killed while updating the recycled tree
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()

    assert os.readlink(output) == link_before
    assert tree_digest(output) == before
    result = build_site(db.path, output, search_index=False)
    assert not recycled[0].exists() and result.kept == 0  # the half-updated tree is not trusted
    fresh = build_site(db.path, tmp_path / "fresh", search_index=False)
    assert site_files(output) == site_files(fresh.output)
