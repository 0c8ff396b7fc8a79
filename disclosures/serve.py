"""A small static file server for previewing the built site."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(SimpleHTTPRequestHandler):
    # Keep connections open between requests, as static hosts do: the search page fetches many
    # small index files, and a connection (and a thread) a request made each wait for the last.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are sent apart: never wait to send either
    extensions_map = {  # noqa: RUF012 - the base class declares it an instance attribute
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/xml; charset=utf-8",
        ".atom": "application/atom+xml; charset=utf-8",
        ".rss": "application/rss+xml; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".json": "application/json",
        ".opml": "text/x-opml; charset=utf-8",
    }

    def log_message(self, format: str, *args: object) -> None:  # quiet by default
        pass


def make_server(root: Path, host: str, port: int) -> ThreadingHTTPServer:
    # The published site may be a symlink swapped atomically by the build; resolve per request.
    handler = functools.partial(_Handler, directory=str(root))
    return ThreadingHTTPServer((host, port), handler)


def serve_directory(root: Path, host: str, port: int) -> None:
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist; run `sunlit build` first.")
    server = make_server(root, host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
