"""Default locations, overridable with environment variables."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("SUNLIT_HOME", Path.cwd()))
DEFAULT_DB = Path(os.environ.get("SUNLIT_DB", ROOT / "data" / "sunlit.duckdb"))
DEFAULT_ARCHIVE = Path(os.environ.get("SUNLIT_ARCHIVE", ROOT / "data" / "archive"))
DEFAULT_OUTPUT = Path(os.environ.get("SUNLIT_OUTPUT", ROOT / "output"))
DEFAULT_SOURCES = Path(os.environ.get("SUNLIT_SOURCES", ROOT / "sources.toml"))
USER_AGENT = "Sunlit/0.1 (+https://github.com/sunlit-disclosures/sunlit; open-data collector)"
