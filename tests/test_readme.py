"""The README documents every command the CLI offers: docs kept true by tests."""

from __future__ import annotations

from pathlib import Path

import click

from disclosures.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    commands = main.list_commands(click.Context(main))
    assert commands, "the CLI lists no command"
    missing = [name for name in commands if f"`sunlit {name}" not in text]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8")[:600]
    assert "make demo" in head and "make test" in head
