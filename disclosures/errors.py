"""Errors the command line turns into one-line messages.

Kept apart from the store so that importing them does not import DuckDB and Arrow: every
`sunlit` command pays for what the CLI module imports at start-up.
"""

from __future__ import annotations


class DatabaseLocked(RuntimeError):
    """Another process holds the database's write lock."""


class BuildError(RuntimeError):
    """The site could not be built; the published site is unchanged."""
