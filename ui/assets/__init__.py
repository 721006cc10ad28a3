"""The JavaScript and CSS of the app's Streamlit v2 components (player, grid editor, chart)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent


@cache
def read_asset(name: str) -> str:
    """The text of one asset file of this folder (read once per process)."""
    return (_HERE / name).read_text(encoding="utf-8")
