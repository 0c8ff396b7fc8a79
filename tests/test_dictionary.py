"""The data dictionary is complete: every table, view and column of a new database is described."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from disclosures import flags, store
from disclosures.cli import main
from disclosures.dictionary import data_dictionary, render_text


def _fresh(tmp_path: Path) -> Path:
    path = tmp_path / "fresh.duckdb"
    con = store.connect(path, read_only=False)
    store.migrate(con)
    con.close()
    return path


def test_every_relation_and_column_is_documented(tmp_path: Path) -> None:
    relations = data_dictionary(_fresh(tmp_path))
    undocumented = [f"{r.kind} {r.name}" for r in relations if not (r.comment or "").strip()]
    undocumented += [f"column {r.name}.{c.name}" for r in relations for c in r.columns
                     if not (c.comment or "").strip()]
    assert undocumented == []


def test_flag_views_and_tables_are_in_the_dictionary(tmp_path: Path) -> None:
    names = {r.name: r for r in data_dictionary(_fresh(tmp_path))}
    for relation in ("calendar", "flag_thresholds", "flag_definitions", "flag_hits"):
        assert relation in names
    for flag in flags.registry():
        view = names[flag.view]
        assert view.kind == "view" and flag.title_en in (view.comment or "")
        assert [c.name for c in view.columns][5:] == [e.column for e in flag.evidence]


def test_a_missing_comment_is_reported(tmp_path: Path) -> None:
    path = _fresh(tmp_path)
    con = store.connect(path, read_only=False)
    con.execute("CREATE TABLE scratch (x INTEGER)")
    con.close()
    text = render_text(data_dictionary(path))
    assert "scratch (table): UNDOCUMENTED" in text


def test_sunlit_schema_prints_the_dictionary(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--db", str(_fresh(tmp_path))])
    assert result.exit_code == 0
    assert "flag_hits (view): Every red-flag hit" in result.output
    assert "UNDOCUMENTED" not in result.output
