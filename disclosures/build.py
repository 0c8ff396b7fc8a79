"""`sunlit build`: run Pelican in-process on the database and publish the result atomically.

Each build goes into a directory of its own beside the published site,
`<output>.builds/<timestamp>/`. Only when Pelican finished and the build holds its home page and
feeds does `output` change: it is a symlink, and a new symlink is renamed over it, which readers
see as one step. The previous build is kept (to roll back by hand, and for the next build to link
its unchanged pages from).

The build before that is recycled: renamed to the new build's directory, it already holds most
of the site, so the build only writes what differs from it (`disclosures.incremental`) instead
of a new file or link for every page. Its manifest is set aside first (`HELD_PATH`), so a build
killed midway leaves a tree no later build trusts; such trees, and any other older ones, are
moved to `<output>.trash/` and deleted on a background thread, or by the next build when the
process ends first. A failed build leaves the published site as it was and raises `BuildError`.
Builds of one site take turns: a build holds `<output>.lock` while it runs, and another build of
the same site meanwhile fails at once with a `BuildError` that says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import disclosures
from disclosures import feeds, incremental
from disclosures.errors import BuildError as BuildError  # raised from here, caught by the CLI
from disclosures.store import DatabaseLocked

# pelicanconf.py sits at the repository root, beside the disclosures package.
PELICANCONF = Path(disclosures.__file__).resolve().parent.parent / "pelicanconf.py"
PLUGIN = "sunlit_pages"
# Files a build must hold before it may be published.
REQUIRED = ("index.html", "tenders/index.html", feeds.ATOM_PATH, feeds.RSS_PATH)

log = logging.getLogger(__name__)




@dataclass(frozen=True)
class BuildResult:
    pages: int  # HTML pages written
    seconds: float
    output: Path  # the published path (a symlink to the build directory)
    rendered: int = 0  # record and list pages rendered by this build
    reused: int = 0  # pages unchanged: kept in the recycled tree or linked from the previous
    kept: int = 0  # of `reused`, pages the recycled tree already held: no file operation
    deleted: int = 0  # pages the recycled tree held that this build no longer has
    search_reused: bool = False  # the search index was linked, not rebuilt


def builds_dir(output: Path) -> Path:
    return output.parent / f"{output.name}.builds"


@contextlib.contextmanager
def build_lock(output: Path) -> Iterator[None]:
    """Hold `<output>.lock` for one build: two builds of a site at once would recycle the same
    tree. A POSIX record lock: the build's forked workers do not inherit it, and it goes with
    the process, so a killed build leaves none behind."""
    path = output.parent / f"{output.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BuildError(f"another `sunlit build` of {output} is running (it holds {path}); "
                             f"{output} is unchanged") from None
        yield


def trash_dir(output: Path) -> Path:
    """Old builds waiting to be deleted."""
    return output.parent / f"{output.name}.trash"


def build_site(
    db: Path,
    output: Path,
    site_url: str = "",
    *,
    settings_file: Path | None = None,
    search_index: bool = True,
    processes: int | None = None,
) -> BuildResult:
    """Build the site from `db` (opened read-only) and publish it at `output`.

    Pages are rendered by `processes` worker processes (default: one per core; 1 renders in
    this process).
    """
    started = time.monotonic()
    output = Path(os.path.abspath(output))  # absolute, but a symlink is not followed
    db = Path(db).absolute()
    if not db.is_file():
        raise BuildError(f"cannot build: database {db} does not exist; {output} is unchanged")
    with build_lock(output):
        return _build_site(db, output, site_url, settings_file, search_index, processes, started)


def _build_site(db: Path, output: Path, site_url: str, settings_file: Path | None,
                search_index: bool, processes: int | None, started: float) -> BuildResult:
    target = builds_dir(output) / datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    recycle_build(output, target)
    empty_trash(output)
    try:
        written, folders = _run_pelican(db, target, site_url, settings_file or PELICANCONF,
                                        search_index, processes)
        pages = html_pages(target, written, folders)
        write_sitemap(target, site_url, pages)
        missing = [name for name in REQUIRED if not (target / name).is_file()]
        if missing:
            raise BuildError(f"the build is missing {', '.join(missing)}")
    except DatabaseLocked:
        _throw_away(output, target)
        raise  # its message already says what to do
    except Exception as error:
        _throw_away(output, target)
        reason = error if isinstance(error, BuildError) else f"{type(error).__name__}: {error}"
        raise BuildError(f"site build failed ({reason}); {output} is unchanged") from error
    previous = publish_build(target, output)
    prune_builds(output, keep={target, *([previous] if previous else [])})
    report = incremental.read_report(target)
    return BuildResult(
        pages=len(pages),
        seconds=time.monotonic() - started,
        output=output,
        rendered=int(report.get("rendered", 0)),
        reused=int(report.get("reused", 0)),
        kept=int(report.get("kept", 0)),
        deleted=int(report.get("deleted", 0)),
        search_reused=bool(report.get("search_reused", False)),
    )


def recycle_build(output: Path, target: Path) -> bool:
    """Make `target` the build before last, renamed, when there is a finished one; else empty.

    Every other build but the published one goes to the trash. Returns whether a build was
    recycled.
    """
    builds = builds_dir(output)
    builds.mkdir(parents=True, exist_ok=True)
    published = Path(os.path.realpath(output)) if output.is_symlink() else None
    others = sorted((b for b in builds.iterdir() if b != published and b.is_dir()),
                    key=lambda b: b.name, reverse=True)
    recycled = next((b for b in others if incremental.holds_build(b)), None)
    for build in others:
        if build != recycled:
            incremental.discard(build)
    if recycled is None:
        target.mkdir()
        return False
    os.rename(recycled, target)
    # From here until the build's own manifest is saved, the tree's is only a record of what it
    # held: a build killed meanwhile leaves a tree that `holds_build` refuses.
    os.replace(target / incremental.MANIFEST_PATH, target / incremental.HELD_PATH)
    return True


def _throw_away(output: Path, target: Path) -> None:
    """A failed build's tree goes to the trash (a recycled tree is large: deleted later)."""
    try:
        incremental.discard(target)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
    empty_trash(output)


def html_pages(target: Path, written: list[str],
               folders: Iterable[str] | None = None) -> list[str]:
    """Every HTML page of the build (`<folder>/index.html`, sorted), without the search bundle.

    Taken from the plugin's pages (their `folders`, else the build's manifest) and the files
    Pelican's writer wrote (its own pages, the feeds directory), not from a walk of the whole tree.
    """
    if folders is None:
        folders = incremental.read_manifest(target).get("pages", {})
    pages = {f"{folder}index.html" for folder in folders}
    pages.update(path for path in written
                 if (path == "index.html" or path.endswith("/index.html"))
                 and not path.startswith("pagefind/"))
    return sorted(pages)


def _run_pelican(
    db: Path, target: Path, site_url: str, settings_file: Path, search_index: bool,
    processes: int | None = None,
) -> tuple[list[str], Iterable[str] | None]:
    """Run Pelican into `target`; return the files its writer wrote (relative paths) and the
    folders of the pages plugin's pages (None when it did not say)."""
    # Imported here: the core's other commands must not pay for Pelican's import.
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(
        str(settings_file),
        override={
            "OUTPUT_PATH": str(target),
            "SUNLIT_DB": str(db),
            "SITEURL": site_url.rstrip("/"),
            "SUNLIT_SEARCH_INDEX": search_index,
            "SUNLIT_BUILD_PROCESSES": processes,
            # What the plugins hold for a whole build (the database reader), released however
            # the build ends.
            "SUNLIT_AT_EXIT": contextlib.ExitStack(),
            # Where the pages plugin puts its pages' folders ("pages"), for the sitemap.
            "SUNLIT_PAGES": {},
        },
    )
    from pelican import signals

    written: list[str] = []

    def record(path: str, **_: object) -> None:
        written.append(Path(os.path.relpath(path, target)).as_posix())

    pelican = Pelican(settings)
    # Pelican logs a plugin that fails to load and carries on; a site without it is no site.
    if PLUGIN not in pelican.settings["PLUGINS"]:
        raise BuildError(f"the Pelican plugin {PLUGIN!r} did not load (see the log above)")
    signals.content_written.connect(record)
    # The build holds every row and page of the site in memory at once, and allocates fast:
    # Python's cyclic collector would scan that growing heap again and again (a tenth of a
    # rebuild's time at 20k tenders). The rows and pages hold no cycles; reference counting
    # frees them. The page workers collect as usual (`incremental.PageWriter`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with settings["SUNLIT_AT_EXIT"]:
            pelican.run()
    finally:
        signals.content_written.disconnect(record)
        if collecting:
            gc.enable()
    return written, settings["SUNLIT_PAGES"].get("pages")


def write_sitemap(target: Path, site_url: str, pages: list[str]) -> None:
    """Write `sitemap.xml` (`pages`: every HTML page of the build, sorted) and `robots.txt`.

    URLs are absolute when the build knows its `site_url`, as the sitemap protocol asks; a build
    without one lists paths from the site's root.
    """
    from xml.sax.saxutils import escape

    base = site_url.rstrip("/")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in pages:
        location = base + "/" + page.removesuffix("index.html")
        if "&" in location or "<" in location or ">" in location:  # only a site URL may have them
            location = escape(location)
        lines.append(f"<url><loc>{location}</loc></url>")
    lines.append("</urlset>")
    (target / "sitemap.xml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    robots = ["User-agent: *", "Allow: /", f"Sitemap: {base}/sitemap.xml"]
    (target / "robots.txt").write_text("\n".join(robots) + "\n", encoding="utf-8")


def publish_build(target: Path, output: Path) -> Path | None:
    """Point `output` at `target` atomically; return the build it pointed at before, if any.

    An `output` that is a plain directory (from before builds were published this way) is moved
    into the builds directory once, becoming the previous build.
    """
    previous: Path | None = None
    if output.is_symlink():
        previous = Path(os.path.realpath(output))
    elif output.exists():
        previous = target.parent / f"{target.name}-before"
        os.rename(output, previous)
    link = output.parent / f".{output.name}.{target.name}.tmp"
    # Relative, so the site and its builds can move together.
    os.symlink(os.path.relpath(target, output.parent), link)
    os.replace(link, output)
    return previous


def prune_builds(output: Path, keep: set[Path], *, wait: bool = False) -> None:
    """Move every build directory except those in `keep` to the trash, then empty it.

    A rename is one step whatever the size of the build; deleting a large build's files takes
    longer than the build itself, so it runs on a daemon thread (`wait=False`): what a process
    ending first leaves in the trash, the next build deletes.
    """
    keep_real = {Path(os.path.realpath(p)) for p in keep}
    for build in builds_dir(output).iterdir():
        if Path(os.path.realpath(build)) not in keep_real:
            incremental.discard(build)
    empty_trash(output, wait=wait)


def empty_trash(output: Path, *, wait: bool = False) -> threading.Thread | None:
    """Delete the old builds in the trash, on a daemon thread unless `wait`."""
    trash = trash_dir(output)
    if not trash.is_dir():
        return None
    if wait:
        _delete_entries(trash)
        return None
    thread = threading.Thread(target=_delete_entries, args=(trash,), name="sunlit-trash",
                              daemon=True)
    thread.start()
    return thread


def _delete_entries(trash: Path) -> None:
    # The trash folder itself stays: another prune may be moving a build into it.
    for entry in list(trash.iterdir()):
        shutil.rmtree(entry, ignore_errors=True)
