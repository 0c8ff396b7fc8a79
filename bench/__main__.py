"""Run every benchmark in turn with its default arguments."""

from __future__ import annotations

from bench import collect, feeds, pagefind_memory, search, site

BENCHMARKS = {"collect": collect.main, "feeds": feeds.main, "search": search.main,
              "pagefind_memory": pagefind_memory.main, "site": site.main}


def main() -> None:
    for name, run in BENCHMARKS.items():
        print(f"== {name}")
        run([])


if __name__ == "__main__":
    main()
