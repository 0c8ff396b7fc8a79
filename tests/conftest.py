"""Shared fixtures: the real-world corpus, spiders built from a source, a local HTTP server,
and `sunlit collect` run in a subprocess (Twisted's reactor cannot restart in one process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-world corpus is not beside the repository ({CORPUS.name}/ missing)")
    return CORPUS


# --------------------------------------------------------------------------------------------
# Spiders without a crawl: feed them a response built from a fixture file.


def make_spider(fmt: str, url: str = "http://127.0.0.1/", **options: Any) -> Any:
    from collectors.sources import parse_sources
    from collectors.spiders import FORMATS

    table = {"name": f"test-{fmt}".replace("_", "-"), "format": fmt, "url": url, **options}
    (source,) = parse_sources({"source": [table]})
    return FORMATS[fmt](source=source)


def response_for(
    url: str,
    body: bytes,
    *,
    content_type: str = "application/json",
    meta: dict[str, Any] | None = None,
) -> Any:
    from scrapy.http import HtmlResponse, Request, TextResponse

    request = Request(url, meta={"sunlit_first": True, **(meta or {})})
    cls = HtmlResponse if "html" in content_type else TextResponse
    return cls(url=url, body=body, headers={"Content-Type": content_type}, request=request)


@pytest.fixture()
def spider_factory() -> Callable[..., Any]:
    return make_spider


# --------------------------------------------------------------------------------------------
# A tiny HTTP server on 127.0.0.1 answering from a route table.


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] | None = None


Route = Callable[[str], Reply | None]


class LocalServer:
    """Answers GET requests with `route(path_and_query)`; 404 when it returns None."""

    def __init__(self, route: Route) -> None:
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                owner.user_agents.append(self.headers.get("User-Agent", ""))
                reply = route(self.path) or Reply(404, b"not found", "text/plain")
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in (reply.headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def local_server() -> Iterator[Callable[[Route], LocalServer]]:
    servers: list[LocalServer] = []

    def start(route: Route) -> LocalServer:
        server = LocalServer(route)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def json_reply(data: Any, **kwargs: Any) -> Reply:
    return Reply(body=json.dumps(data, ensure_ascii=False).encode("utf-8"), **kwargs)


# --------------------------------------------------------------------------------------------
# `sunlit collect` in a subprocess.


@dataclass
class Collected:
    process: subprocess.CompletedProcess[str]
    db: Path
    archive: Path

    @property
    def output(self) -> str:
        return self.process.stdout + self.process.stderr

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        import duckdb

        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        return self.query(sql, params)[0][0]


def run_collect(workdir: Path, *args: str, timeout: float = 120) -> Collected:
    db, archive = workdir / "sunlit.duckdb", workdir / "archive"
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "disclosures.cli",
            "collect",
            "--db",
            str(db),
            "--archive",
            str(archive),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
        env={**os.environ, "COLUMNS": "200"},
    )
    return Collected(process, db, archive)


@pytest.fixture()
def collect() -> Callable[..., Collected]:
    return run_collect


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for one test module (Playwright's sync API allows one at a time)."""
    from chromium import launched

    with launched() as chromium:
        yield chromium
