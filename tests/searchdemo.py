"""The demo data set search tests share: the sample portal collected by `sunlit collect` in a
subprocess (default seed and size), the site built from it, and the Whoosh index. Built once per
test session under pytest's base temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from disclosures.serve import make_server

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Demo:
    db: Path
    output: Path
    index: Path


def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.getbasetemp() / "search-demo"
    built = Demo(db=root / "sunlit.duckdb", output=root / "output", index=root / "index")
    if (root / "done").exists():
        return built
    root.mkdir(parents=True, exist_ok=True)
    cli = [sys.executable, "-m", "disclosures.cli"]
    # This checkout's code, not whichever one the environment has installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    subprocess.run([*cli, "collect", "--sources", str(REPO / "sources.toml"), "--db",
                    str(built.db), "--archive", str(root / "archive")],
                   cwd=root, env=env, capture_output=True, check=False, timeout=300)
    assert built.db.exists(), "collect wrote no database"
    subprocess.run([*cli, "build", "--db", str(built.db), "--output", str(built.output)],
                   cwd=root, env=env, capture_output=True, check=True, timeout=300)
    subprocess.run([*cli, "search", "--db", str(built.db), "--index", str(built.index),
                    "--reindex"], cwd=root, env=env, capture_output=True, check=True,
                   timeout=300)
    (root / "done").touch()
    return built


@contextmanager
def serve(output: Path) -> Iterator[str]:
    server = make_server(output, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
