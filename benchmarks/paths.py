"""The repository root and tests/browser (appserver, pw_helpers) on sys.path.

A script run as `python benchmarks/x.py` first puts the repository root on sys.path itself
(to import this package); importing this module adds tests/browser, so the helpers that start
the app and drive the browser resolve the same way for a script and for a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"  # git-ignored

for _p in (ROOT, ROOT / "tests" / "browser"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))
