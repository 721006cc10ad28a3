"""The UI's shape (issue 15): small modules, pages that are one short page() function, and no
branch on a tie-policy name (the rule of each policy lives in pooling_core/ties.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_PAGE_LINES = 250
# A comparison with a policy name, as in tests/core/test_core_layout.py: `ties == "split"`,
# `in ("first", "last")`, `"all" !=` ...
POLICY_BRANCH = re.compile(
    r"""(==|!=|\bin\b)\s*\(?\s*["'](first|last|split|all)["']"""
    r"""|["'](first|last|split|all)["']\s*(==|!=|\bin\b)"""
)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_no_ui_module_over_400_lines():
    sizes = {str(p.relative_to(ROOT)): len(_lines(p)) for p in (ROOT / "ui").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_pages_are_one_short_page_function():
    for path in sorted((ROOT / "app_pages").glob("*.py")):
        lines = _lines(path)
        assert len(lines) <= MAX_PAGE_LINES, (path.name, len(lines))
        assert "def page() -> None:" in lines, path.name
        assert lines[-1] == "page()", path.name


def test_no_branch_on_a_policy_name_in_the_ui_or_the_pages():
    files = [*(ROOT / "ui").rglob("*.py"), *(ROOT / "app_pages").glob("*.py")]
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in files
            for n, line in enumerate(_lines(p), 1)
            if POLICY_BRANCH.search(line)]
    assert hits == []
