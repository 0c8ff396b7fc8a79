"""Incremental page writing: render only the pages whose inputs changed since the last build.

A build is written into a tree of its own beside the published one. That tree is usually the
build before last (recycled by `disclosures.build`): it already holds most pages, and its manifest
(moved to `HELD_PATH` while it is being changed) says which. A page whose hash equals the held one
is left as it is (no file operation at all); one whose hash equals the published build's is
hard-linked from it; only the rest are rendered. Pages the tree held that the build no longer
has are deleted. A rebuild's file operations are thus proportional to what changed, not to the
size of the site; on a disk where each costs 0.1 ms that is the difference between seconds and
most of a minute at a quarter of a million pages.

Each page is a job: its path, its template and the values it is rendered with. Before rendering,
a page's content hash is computed from what the output is made of — the theme's hash (templates
and the code behind their filters) and the page's values, serialised deterministically, or, for
a page given a key, that key: a small stand-in for the values (the hashes of the database rows
they are made from), far cheaper to hash. A build records every page's hash in its manifest
(`MANIFEST_PATH`); a page whose hash equals the one the previous build recorded is hard-linked
from that build instead of being rendered again. A page whose hash is known before its values
are (the tender and organisation pages, planned in the database) is settled first
(`PageWriter.settle`): kept or linked when unchanged, so that only the values of the pages left
to render are ever read.

Pages are rendered in worker processes forked from the build (they inherit the jobs and the
compiled templates, so nothing but a range of job numbers crosses a pipe) when there is more
than one core to use.

A file is never written in place: a rendered or linked page goes to a temporary name and is
renamed over its path, so a hard link shared with the published build is never changed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from time import time_ns
from typing import Any

import orjson

log = logging.getLogger(__name__)

# Where a build records its pages' hashes, and the search index's, for the next build to read.
MANIFEST_PATH = ".sunlit/manifest.json"
# The manifest of a recycled tree while a build changes it: no longer a promise of what the tree
# holds (a build killed midway leaves it there, and the next build discards the tree).
HELD_PATH = ".sunlit/held.json"
# What the build did (pages rendered and reused): read by `disclosures.build`, never compared.
REPORT_PATH = ".sunlit/build.json"
# Bump when the way pages are rendered changes outside the templates, so every page is redone.
FORMAT_VERSION = 5
CHUNK = 256  # pages a worker takes at a time

Render = Callable[[str, str, dict[str, Any]], str]


class Unhashable(TypeError):
    """A value has no deterministic serialisation; its page is always rendered."""


def _plain(value: Any) -> Any:
    """json.dumps `default`: the values records and pages carry, in a stable spelling."""
    if isinstance(value, datetime | date | time):
        return {"@t": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {"@d": str(value)}
    if is_dataclass(value) and not isinstance(value, type):
        return {"@c": type(value).__qualname__,
                **{f.name: getattr(value, f.name) for f in fields(value)}}
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, Path):
        return {"@p": str(value)}
    if isinstance(value, bytes):
        return {"@b": value.hex()}
    raise Unhashable(f"cannot hash a value of type {type(value).__name__}")


def fingerprint(value: Any) -> str:
    """sha256 of a deterministic JSON serialisation of `value` (dict keys sorted)."""
    try:
        text = json.dumps(value, default=_plain, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise Unhashable(str(error)) from error
    return hashlib.sha256(text.encode()).hexdigest()


def files_hash(paths: Iterable[Path], *extra: str) -> str:
    """sha256 of the contents of `paths` (with their names) and of `extra` strings."""
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for part in extra:
        digest.update(b"\0" + part.encode())
    for path in sorted(paths):
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_manifest(build: Path | None, path: str = MANIFEST_PATH,
                  version: int | None = FORMAT_VERSION) -> dict[str, Any]:
    """The manifest an earlier build recorded at `path` ({} when there is none, it is
    unreadable, or its `format` is not `version`; None checks no format)."""
    if build is None:
        return {}
    try:
        # orjson: a manifest lists every page, some 20 MB of JSON at a hundred thousand tenders.
        manifest = orjson.loads((build / path).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict):
        return {}
    if version is not None and manifest.get("format") != version:
        return {}
    return manifest


def page_digest(theme_hash: str, page: Page) -> str:
    """sha256 of a page's inputs pickled: the theme, its path, template and values.

    Far cheaper than `fingerprint`'s JSON for the large values of list pages, and as safe:
    equal pickles unpickle to equal values, so equal digests mean equal inputs. The converse
    need not hold (a set's order, or two equal strings being one object or two, can change the
    bytes), which only renders a page that could have been linked.
    """
    try:
        data = pickle.dumps((theme_hash, page.path, page.template, page.values), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise Unhashable(str(error)) from error
    return hashlib.sha256(data).hexdigest()


def key_digest(theme_hash: str, page: Page) -> str:
    """sha256 of a keyed page's theme, path, template and key, pickled.

    The key stands for the values: it must change whenever they do (see `PageWriter.add`).
    """
    try:
        data = pickle.dumps((theme_hash, page.path, page.template, page.key), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise Unhashable(str(error)) from error
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Page:
    path: str  # site-relative folder: the page is `<path>index.html`
    template: str
    values: dict[str, Any]
    key: Any = None  # what the values are made from, when it is cheaper to hash than they are
    digest: str | None = None  # the page's hash, when known before its values (`PageWriter.settle`)


@dataclass(frozen=True)
class PageStats:
    pages: int
    rendered: int
    reused: int  # linked from the published build, or already in the tree
    kept: int = 0  # of `reused`: already in the tree, untouched
    deleted: int = 0  # pages the tree held that this build no longer has


def temporary_path(target: str | Path) -> str:
    """The name `target` is written under before it is renamed over: hidden, in its folder,
    ending in `.tmp` (what a killed build leaves behind is recognisable)."""
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name}.{os.getpid()}.tmp")


def write_bytes(target: str | Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file renamed over it: never in place, as
    `target` may be a hard link shared with the published build."""
    temporary = temporary_path(target)
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)


def write_text(target: Path, text: str) -> None:
    """`write_bytes` of `text` in UTF-8."""
    write_bytes(target, text.encode("utf-8"))


def write_in_tree(target: str, data: bytes) -> None:
    """Write `data` to `target`, a page of a build tree not yet published, which may hold an
    older version of it.

    A file of the tree's own (one link) is overwritten in place; one shared with another build
    (hard-linked) is unlinked and written anew, never written through. Renaming a new file over
    the old one, as `write_bytes` does, allocates its blocks and frees the old ones: about ten
    times an overwrite here (0.3 to 0.5 ms against 0.03), and a rebuild rewrites thousands of
    pages. A build killed meanwhile leaves a tree that is never published or recycled.
    """
    older = False
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        fd = os.open(target, os.O_WRONLY | os.O_NOFOLLOW)
        older = os.fstat(fd).st_nlink == 1
        if not older:
            os.close(fd)
            os.unlink(target)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if older:
            os.ftruncate(fd, len(data))  # an older, longer version's tail
    finally:
        os.close(fd)


def link_over(source: str | Path, target: str | Path) -> None:
    """Make `target` a hard link to `source`, replacing whatever `target` was in one rename.

    Raises OSError (FileNotFoundError when `source` is not there) and leaves `target` as it was.
    """
    temporary = temporary_path(target)
    try:
        os.link(source, temporary)
    except FileExistsError:
        os.unlink(temporary)
        os.link(source, temporary)
    os.replace(temporary, target)


def link_tree(source: Path, target: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Hard-link every file of `source` into a new tree at `target` (copy across devices).

    Files named in `skip` are left out, in every folder.
    """

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link,
                    ignore=shutil.ignore_patterns(*skip) if skip else None)


class PageWriter:
    """Collects a build's pages, then writes them: kept or linked when unchanged, else rendered.

    `held` is what `output` already holds (path -> hash, from its manifest at `HELD_PATH`),
    `previous` the published build to link unchanged pages from (`published`: its manifest,
    when the caller has read it already).
    """

    def __init__(self, output: Path, previous: Path | None, theme_hash: str, render: Render,
                 processes: int = 1, held: dict[str, str] | None = None,
                 published: dict[str, Any] | None = None) -> None:
        self.output = output
        self.previous = previous
        self.theme_hash = theme_hash
        self.render = render
        self.processes = max(1, processes)
        if published is None:
            published = read_manifest(previous)
        self.old: dict[str, str] = published.get("pages", {})
        self.held: dict[str, str] = held or {}
        self._output = str(output)
        self._previous = str(previous) if previous is not None else ""
        self.pages: dict[str, Page] = {}  # by path: a page written twice keeps the last values
        self._jobs: list[Page] = []
        self.hashes: dict[str, str] = {}  # path -> hash of every page written
        self._settled: dict[str, tuple[str, int]] = {}  # path -> (hash, KEPT or LINKED)
        self._pool: Any = None  # the workers `start` forked, and the results they will give
        self._started: Any = None
        self._trash = trash_for(output)
        self._aside: tuple[int, str] | None = None  # (pid, folder) older pages are set aside in
        self._set_aside = 0

    def add(self, path: str, template: str, values: dict[str, Any], key: Any = None, *,
            digest: str | None = None) -> None:
        """Queue a page. With a `key`, the page is hashed by it instead of by its values; with a
        `digest` (of `digest`, for a page `settle` found to be rendered), not hashed at all.

        A key must determine the values given the path and template: every input the page
        shows feeds it (rows by their `row_hash`), or the page goes stale.
        """
        self.pages.pop(path, None)  # keep the order of the last write
        self.pages[path] = Page(path, template, values, key, digest)

    def digest(self, path: str, template: str, key: str) -> str:
        """The hash of a page known by a `key` string before its values are read."""
        return hashlib.sha256(
            f"{self.theme_hash}\0{path}\0{template}\0{key}".encode()).hexdigest()

    def settle(self, path: str, digest: str) -> bool:
        """Whether the page of this hash (`digest`) needs no rendering: True when it is in place,
        kept as the tree holds it or linked from the published build; False when it must be
        rendered (`add` it, with the digest).

        Planning pages this way, the build reads the rows of only the pages it renders.
        """
        if self.held.get(path) == digest:
            self._settled[path] = (digest, KEPT)
            return True
        if not self._previous or self.old.get(path) != digest:
            return False
        folder = f"{self._output}/{path}"
        try:
            _make_folder(folder)
            self._link(f"{self._previous}/{path}index.html", f"{folder}index.html")
        except OSError:
            return False  # gone, or another device: render it
        self._settled[path] = (digest, LINKED)
        return True

    def _link(self, source: str, target: str) -> None:
        """Make `target` a hard link to `source`; raises OSError when it cannot be made.

        An older page at `target` is moved into the site's trash, deleted once the build is
        published, rather than removed now: removing a file no other build shares frees its
        blocks, which on a disk that discards freed blocks costs several times the link (a
        rebuild links back every page its recycled tree holds stale). Outside a site's builds it
        is replaced.
        """
        try:
            os.link(source, target)  # a new tree: nothing there to replace
            return
        except FileExistsError:
            pass
        aside = self._aside_path()
        if aside is None:
            link_over(source, target)
            return
        try:
            os.rename(target, aside)
        except OSError:  # the trash is being emptied meanwhile
            link_over(source, target)
            return
        os.link(source, target)

    def _aside_path(self) -> str | None:
        """A new name in this process's folder of the trash for an older page, if there is a
        trash."""
        if self._trash is None:
            return None
        pid = os.getpid()  # the forked workers set pages aside too
        if self._aside is None or self._aside[0] != pid:
            folder = self._trash / f"{os.path.basename(self._output)}.pages.{pid}.{time_ns()}"
            folder.mkdir(parents=True, exist_ok=True)
            self._aside, self._set_aside = (pid, str(folder)), 0
        self._set_aside += 1
        return f"{self._aside[1]}/{self._set_aside}"

    def page_hash(self, page: Page) -> str | None:
        """sha256 of the page's key, else its pickled inputs; None when they cannot be pickled."""
        if page.digest is not None:
            return page.digest
        try:
            if page.key is not None:
                return key_digest(self.theme_hash, page)
            return page_digest(self.theme_hash, page)
        except Unhashable as error:
            log.warning("page %s is rendered on every build: %s", page.path, error)
            return None

    def _write_one(self, page: Page) -> tuple[str, str | None, int]:
        """Write one page; return its path, its hash and what was done (KEPT, LINKED, RENDERED)."""
        digest = self.page_hash(page)
        # Plain strings and os calls: this runs once a page, hundreds of thousands of times.
        if digest is not None and self.held.get(page.path) == digest:
            return page.path, digest, KEPT
        folder = f"{self._output}/{page.path}"
        _make_folder(folder)
        target = f"{folder}index.html"
        if digest is not None and self._previous and self.old.get(page.path) == digest:
            try:
                self._link(f"{self._previous}/{page.path}index.html", target)
                return page.path, digest, LINKED
            except OSError:
                pass  # gone, or another device: render it
        write_in_tree(target, self.render(page.path, page.template, page.values).encode())
        return page.path, digest, RENDERED

    def _write_range(self, bounds: tuple[int, int]) -> list[tuple[str, str | None, int]]:
        jobs = self._jobs[bounds[0]:bounds[1]]
        return [self._write_one(page) for page in jobs]

    def _ranges(self) -> list[tuple[int, int]]:
        """Take the queued pages as the jobs to write; return their ranges, CHUNK at a time."""
        self._jobs = list(self.pages.values())
        self.pages.clear()
        return [(first, min(first + CHUNK, len(self._jobs)))
                for first in range(0, len(self._jobs), CHUNK)]

    def _forks(self, ranges: list[tuple[int, int]]) -> bool:
        return self.processes > 1 and len(ranges) > 1 and (
            "fork" in multiprocessing.get_all_start_methods())

    def _fork_pool(self) -> Any:
        # Forked workers inherit this writer (jobs, templates); only job ranges and results
        # cross the pipes.
        global _ACTIVE
        _ACTIVE = self
        try:
            # A build may run with the cyclic collector off (`disclosures.build`); a worker
            # renders many pages and collects as usual.
            return multiprocessing.get_context("fork").Pool(self.processes, initializer=gc.enable)
        finally:
            _ACTIVE = None

    def start(self) -> None:
        """Start writing the pages queued so far on forked workers and return at once.

        The build goes on meanwhile (feeds, the downloads); `write` waits for the workers and
        writes any page queued after this call. Nothing starts with one process to use.
        """
        ranges = self._ranges()
        if not self._forks(ranges):
            self.pages = {page.path: page for page in self._jobs}  # for `write`
            self._jobs = []
            return
        self._pool = self._fork_pool()
        self._started = self._pool.map_async(_write_range, ranges)

    def _results(self) -> Iterator[tuple[str, str | None, int]]:
        started: set[str] = set()
        if self._started is not None:
            started = {page.path for page in self._jobs}
            try:
                for results in self._started.get():
                    yield from results
            finally:
                self._pool.close()
                self._pool.join()
                self._pool = self._started = None
        ranges = self._ranges()
        if started.intersection(page.path for page in self._jobs):
            raise ValueError("a page was queued again after `start`")
        if not self._forks(ranges):
            for bounds in ranges:
                yield from self._write_range(bounds)
            return
        with self._fork_pool() as pool:
            for results in pool.imap_unordered(_write_range, ranges):
                yield from results

    def write(self) -> PageStats:
        """Write every page collected and delete those the tree held but this build has not;
        return what was rendered, reused and deleted."""
        hashes: dict[str, str] = {}
        done = [0, 0, 0]
        for path, (settled, action) in self._settled.items():
            hashes[path] = settled
            done[action] += 1
        for path, digest, action in self._results():
            # "" for a page that could not be hashed: listed (sitemap, page count), never reused.
            hashes[path] = digest or ""
            done[action] += 1
        self.hashes = hashes
        deleted = self._delete_gone(hashes)
        return PageStats(pages=len(hashes), rendered=done[RENDERED],
                         reused=done[KEPT] + done[LINKED], kept=done[KEPT], deleted=deleted)

    def _delete_gone(self, hashes: dict[str, str]) -> int:
        """Delete the pages the tree held that are not in `hashes` (and their emptied folders)."""
        deleted = 0
        for path in self.held.keys() - hashes.keys():
            folder = f"{self._output}/{path}"
            try:
                os.unlink(f"{folder}index.html")
                deleted += 1
            except FileNotFoundError:
                continue
            with contextlib.suppress(OSError):  # holds other pages' folders or files: it stays
                os.rmdir(folder)
        return deleted


KEPT, LINKED, RENDERED = 0, 1, 2


def _make_folder(folder: str) -> None:
    """`os.makedirs(folder, exist_ok=True)` in one system call when its parent exists (a file
    operation costs about a tenth of a millisecond here, and a build makes one a page)."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
_ACTIVE: PageWriter | None = None


def _write_range(bounds: tuple[int, int]) -> list[tuple[str, str | None, int]]:
    assert _ACTIVE is not None
    return _ACTIVE._write_range(bounds)


def reuse_search_index(previous: Path | None, output: Path, digest: str,
                       held: dict[str, Any] | None = None,
                       published: dict[str, Any] | None = None) -> bool:
    """Keep or link a `pagefind/` bundle whose documents' hash is `digest`; False when the
    bundle must be built.

    The bundle `output` already holds (its `held` manifest says for which documents) is kept
    when it matches; else the published build's is linked when it does; else the held bundle,
    now stale, is moved out of the tree (`discard`). Pagefind cannot update an index, so an
    unchanged set of documents is the only case where indexing can be skipped. `published` is
    the published build's manifest, when the caller has read it already.
    """
    bundle = output / "pagefind"
    if held is not None and held.get("search") == digest and bundle.is_dir():
        return True
    if bundle.exists():
        discard(bundle)
    if published is None:
        published = read_manifest(previous)
    if previous is None or published.get("search") != digest:
        return False
    if not (previous / "pagefind").is_dir():
        return False
    link_tree(previous / "pagefind", bundle)
    return True


def discard(path: Path) -> None:
    """Take the folder `path` (a build, or a folder in one) out of the site at once; its files
    are deleted later.

    Moved into the site's trash (`<site>.trash/`, beside `<site>.builds/`) when the build lives
    there, which `disclosures.build` empties; else deleted now.
    """
    trash = trash_for(path)
    if trash is not None:
        trash.mkdir(exist_ok=True)
        os.rename(path, trash / f"{path.name}.{os.getpid()}.{time_ns()}")
    else:
        shutil.rmtree(path)


def trash_for(path: Path) -> Path | None:
    """The site's trash (`<site>.trash/`) when `path` is in one of its builds (in
    `<site>.builds/`); else None."""
    builds = path
    while builds.parent != builds and not builds.name.endswith(".builds"):
        builds = builds.parent
    if builds.name.endswith(".builds"):
        return builds.parent / (builds.name.removesuffix(".builds") + ".trash")
    return None


def save_manifest(output: Path, theme: str, pages: dict[str, str], search: str | None,
                  report: dict[str, Any], *, data: str | None = None) -> None:
    """Record the build's hashes (for the next build) and what it did (for `sunlit build`).

    `data` is the key of the `/data/` downloads (the database file's hash), None when unknown.
    """
    manifest = {"format": FORMAT_VERSION, "theme": theme, "pages": pages, "search": search,
                "data": data}
    (output / MANIFEST_PATH).parent.mkdir(parents=True, exist_ok=True)
    write_bytes(output / MANIFEST_PATH, orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS))
    write_text(output / REPORT_PATH, json.dumps({**report, "format": FORMAT_VERSION},
                                                sort_keys=True))
    (output / HELD_PATH).unlink(missing_ok=True)  # the manifest now says what the tree holds


def holds_build(tree: Path) -> bool:
    """Whether `tree` is a finished build of this format, its manifest true to what it holds."""
    return (tree / MANIFEST_PATH).is_file() and read_report(tree).get("format") == FORMAT_VERSION


def read_report(output: Path) -> dict[str, Any]:
    try:
        report = json.loads((output / REPORT_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}
