"""The core's shape (issue 15): small modules, and a tie policy's rule written only in ties.py."""

from __future__ import annotations

import re
from pathlib import Path

import pooling_core

CORE = Path(pooling_core.__file__).parent
ROOT = CORE.parent
MAX_LINES = 400
# A comparison with a policy name: `ties == "split"`, `in ("first", "last")`, `"all" !=` ...
POLICY_BRANCH = re.compile(
    r"""(==|!=|\bin\b)\s*\(?\s*["'](first|last|split|all)["']"""
    r"""|["'](first|last|split|all)["']\s*(==|!=|\bin\b)"""
)


def test_no_core_module_over_400_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in CORE.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_no_branch_on_a_policy_name_outside_ties():
    files = [p for p in CORE.glob("*.py") if p.name != "ties.py"]
    files.append(ROOT / "ui" / "views" / "narrate.py")
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
            for p in files
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if POLICY_BRANCH.search(line)]
    assert hits == []


def test_the_branch_pattern_catches_the_old_forms():
    for line in ('if spec.ties in ("first", "last"):', 'elif ties == "split":',
                 "if 'all' != policy:", 'last=(ties == "last")'):
        assert POLICY_BRANCH.search(line), line
    for line in ('POLICY_WHO = {"first": "policy.first.who"}', 'ties="all"',
                 'replace(spec, ties="all")'):
        assert not POLICY_BRANCH.search(line), line
