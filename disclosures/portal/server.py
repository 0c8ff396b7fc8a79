"""The sample portal over HTTP: routes, the rate-limit hook, and a background server."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from disclosures.portal import render
from disclosures.portal.generator import (
    AWARD_CATEGORY,
    CANDIDATE_CATEGORY,
    CCGP_NUMBER,
    CORRECTION_NUMBER,
    CORRECTION_POSITION,
    PortalData,
    ccgp_detail_path,
    ccgp_encoding,
    infoid_number,
)

EPOINT_API = "/EpointWebBuilder/rest/frontAppCustomAction/getPageInfoListNew"
CCGP_LIST = "/ccgp/cggg/zbgg/"
OCDS_PATH = "/ocds/releases.json"
LISTS_PATH = "/lists/api/items"
APPROVALS_PATH = "/approvals/api/cases"
RATE_LIMITED_PREFIX = "/ratelimited"
MAX_PAGE_SIZE = 1000
ROBOTS = "User-agent: *\nDisallow: /private/\n"
JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

_CCGP_INDEX = re.compile(r"^/ccgp/cggg/zbgg/(?:index(?:_(\d+))?\.htm)?$")
_CCGP_DETAIL = re.compile(r"^/ccgp/cggg/zbgg/\d{6}/t\d{8}_(\d+)\.htm$")
_EPOINT_DETAIL = re.compile(r"^/jyxx/003001/(\d{9})/\d{8}/([0-9a-f-]{36})\.html$")


def entry_points(base_url: str) -> dict[str, str | list[str]]:
    """The start URL of each format the portal serves, by source name."""
    base = base_url.rstrip("/")
    api = f"{base}{EPOINT_API}?categoryNum={{}}&pageIndex=0&pageSize=20"
    return {
        "epoint_awards": api.format(AWARD_CATEGORY),
        "epoint_candidates": api.format(CANDIDATE_CATEGORY),
        "ccgp": f"{base}{CCGP_LIST}index.htm",
        "ocds": f"{base}{OCDS_PATH}?page=1",
        "lists_power": f"{base}{LISTS_PATH}?kind=power&page=1&pageSize=50",
        "lists_responsibility": f"{base}{LISTS_PATH}?kind=responsibility&page=1&pageSize=50",
        "lists_negative": f"{base}{LISTS_PATH}?kind=negative&page=1&pageSize=50",
        "approvals": f"{base}{APPROVALS_PATH}?page=1&pageSize=50",
    }


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str | None = HTML_TYPE
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RequestRecord:
    """One request the portal answered, for tests of the collectors' politeness."""

    method: str
    target: str
    status: int
    user_agent: str
    at: float


class BadRequest(ValueError):
    pass


def _not_found(message: str = "not found") -> Response:
    return Response(404, f"<!DOCTYPE html><title>404</title><p>{message}</p>".encode())


def _json_error(status: int, message: str) -> Response:
    return Response(status, render.dumps({"error": message}), JSON_TYPE)


def _integer(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not {raw!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


@dataclass
class PortalApp:
    """Answers requests from the generated data; no sockets here, so tests can call it."""

    data: PortalData
    _limited: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, target: str, host: str, body: bytes = b"") -> Response:
        parts = urlsplit(target)
        path = parts.path
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        prefix = ""
        if path.startswith(RATE_LIMITED_PREFIX + "/"):
            with self._lock:
                first = target not in self._limited
                self._limited.add(target)
            if first:
                return Response(429, b"Too Many Requests", "text/plain; charset=utf-8",
                                (("Retry-After", "1"),))
            prefix, path = RATE_LIMITED_PREFIX, path[len(RATE_LIMITED_PREFIX):]
        if method == "POST":
            params.update(_body_params(body))
        try:
            return self.route(path, params, f"http://{host}", prefix)
        except BadRequest as error:
            return _json_error(400, str(error))

    def route(self, path: str, params: dict[str, str], base_url: str, prefix: str) -> Response:
        data = self.data
        if path == "/":
            return Response(200, render.index_page(data, entry_points(base_url)))
        if path == "/robots.txt":
            return Response(200, ROBOTS.encode(), "text/plain; charset=utf-8")
        if path.startswith("/private/"):
            # A trap for collectors: robots.txt disallows it, so no request should come here.
            return Response(200, b"<!DOCTYPE html><title>private</title><p>Disallowed.</p>")
        if path == EPOINT_API:
            category = params.get("categoryNum", "")
            page_index = _integer(params, "pageIndex", 0, 0, 10**9)
            page_size = _integer(params, "pageSize", 20, 1, MAX_PAGE_SIZE)
            return Response(200, render.epoint_page(data, category, page_index, page_size),
                            JSON_TYPE)
        if match := _EPOINT_DETAIL.match(path):
            return self._epoint_detail(path, match.group(1), match.group(2))
        if match := _CCGP_INDEX.match(path):
            page = int(match.group(1) or 0)
            if match.group(1) == "0":
                return _not_found()
            listing = render.ccgp_list_page(data, page)
            return Response(200, listing) if listing is not None else _not_found()
        if match := _CCGP_DETAIL.match(path):
            return self._ccgp_detail(path, int(match.group(1)) - CCGP_NUMBER)
        if path == OCDS_PATH:
            page = _integer(params, "page", 1, 1, 10**9)
            package = render.ocds_page(data, page, base_url, prefix + OCDS_PATH)
            if package is None:
                return _json_error(404, f"no page {page}")
            return Response(200, package, JSON_TYPE)
        if path == LISTS_PATH:
            kind = params.get("kind", "")
            if kind not in ("power", "responsibility", "negative"):
                raise BadRequest("kind must be power, responsibility or negative")
            page = _integer(params, "page", 1, 1, 10**9)
            page_size = _integer(params, "pageSize", 50, 1, MAX_PAGE_SIZE)
            return Response(200, render.list_page(data, kind, page, page_size), JSON_TYPE)
        if path == APPROVALS_PATH:
            page = _integer(params, "page", 1, 1, 10**9)
            page_size = _integer(params, "pageSize", 50, 1, MAX_PAGE_SIZE)
            return Response(200, render.approvals_page(data, page, page_size), JSON_TYPE)
        return _not_found()

    def _epoint_detail(self, path: str, category: str, infoid: str) -> Response:
        data = self.data
        number = infoid_number(infoid)
        record: dict[str, Any] | None = None
        if number is None:
            return _not_found()
        if category == AWARD_CATEGORY:
            corrected = number - CORRECTION_NUMBER
            if number >= CORRECTION_NUMBER and corrected == data.plan.correction_of:
                record = render.award_record(data, CORRECTION_POSITION)
            elif number < data.size:
                record = render.award_record(data, data.epoint_position_of(number))
        elif category == CANDIDATE_CATEGORY and number < data.candidate_count:
            record = render.candidate_record(data, number)
        if record is None or record["infourl"] != path:
            return _not_found()
        return Response(200, render.epoint_detail(record))

    def _ccgp_detail(self, path: str, index: int) -> Response:
        data = self.data
        if not 0 <= index < data.ccgp_count:
            return _not_found()
        tender = data.tender("ccgp", index)
        if ccgp_detail_path(tender) != path:
            return _not_found()
        encoding, header = ccgp_encoding(data, index)
        meta = "gb2312" if encoding == "gbk" else "utf-8"
        body = render.ccgp_detail(data, tender, meta).encode(encoding)
        return Response(200, body, f"text/html; charset={header}" if header else "text/html")


def _body_params(body: bytes) -> dict[str, str]:
    """POST parameters, as JSON or as a form: the real API accepts both."""
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            raise BadRequest("body is not valid JSON") from None
        if isinstance(loaded, dict):
            return {str(k): str(v) for k, v in loaded.items()}
        raise BadRequest("body must be a JSON object")
    return {k: v[-1] for k, v in parse_qs(text).items()}


def _etags(header: str | None) -> set[str]:
    """The entity tags an If-None-Match header lists (weak ones compared as strong)."""
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real portals allow
    server_version = "SunlitSamplePortal/0.1"
    timeout = 30  # an idle keep-alive connection frees its thread after this
    portal: Portal

    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or urlsplit(self.portal.url).netloc
        response = self.portal.app.handle(method, self.path, host, body)
        # Validators as careful portals send them: the ETag is the body's sha256, and a
        # request naming it (If-None-Match) is answered 304 Not Modified, without a body.
        etag = f'"{hashlib.sha256(response.body).hexdigest()}"' if response.status == 200 else None
        status = response.status
        if etag is not None and etag in _etags(self.headers.get("If-None-Match")):
            status = 304
        self.portal.record(RequestRecord(method, self.path, status,
                                         self.headers.get("User-Agent", ""), time.time()))
        self.send_response(status)
        if etag is not None:
            self.send_header("ETag", etag)
        if status == 304:
            self.end_headers()
            return
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # the request log is kept instead
        pass


class Portal:
    """The sample portal serving in a background thread; use as a context manager."""

    def __init__(self, size: int = 120, seed: int = 7, port: int = 0,
                 host: str = "127.0.0.1") -> None:
        self.data = PortalData(size, seed)
        self.app = PortalApp(self.data)
        self.requests: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        handler = type("PortalHandler", (_Handler,), {"portal": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                         name="sunlit-portal", daemon=True)

    def start(self) -> Portal:
        self._thread.start()
        return self

    def record(self, request: RequestRecord) -> None:
        with self._log_lock:
            self.requests.append(request)

    def entry_points(self) -> dict[str, str | list[str]]:
        return entry_points(self.url)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> Portal:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def start_portal(size: int = 120, seed: int = 7, port: int = 0,
                 host: str = "127.0.0.1") -> Portal:
    """Serve a sample portal of `size` award notices in a background thread."""
    return Portal(size, seed, port, host).start()


@contextlib.contextmanager
def portal_process(size: int | None = None, seed: int = 7) -> Iterator[str]:
    """Serve a sample portal in a child process on a free port of 127.0.0.1; yield its URL.

    `sunlit collect` uses this rather than a thread: the portal stands for a remote server,
    and in a thread of the collecting process its page rendering would compete with the
    crawl for the interpreter lock.
    """
    args = ["--seed", str(seed)] + (["--size", str(size)] if size is not None else [])
    command = [sys.executable, "-c", "import sys; from disclosures.portal.server import main; "
               "main(sys.argv[1:])", *args]
    # The child serves until its stdin closes: even a collect killed with SIGKILL leaves no
    # portal behind.
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the sample portal did not start (exit status {child.wait()})")
        yield url
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: list[str] | None = None) -> None:
    """Serve on a free port until stdin closes, printing the URL once listening."""
    parser = argparse.ArgumentParser(prog="python -m disclosures.portal.server")
    parser.add_argument("--size", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    running = start_portal(size=args.size, seed=args.seed, port=0)
    print(running.url, flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


if __name__ == "__main__":
    main()
