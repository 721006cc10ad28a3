"""Small classroom load runs (benchmarks/classroom.py): a few students, a few interactions.

Marked slow (`pytest -m slow`; scripts/test runs `-m "not slow"`): each starts its own server
(and Chromium), about a minute in all. The full run (20 x 20) is
`.venv/bin/python benchmarks/classroom.py`; docs/serving.md has its numbers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HAS_CHROMIUM = bool(shutil.which("chromium") or Path("/usr/bin/chromium").exists())

pytestmark = pytest.mark.slow


def classroom(tmp_path: Path, *args: str) -> tuple[dict, str]:
    out = tmp_path / "classroom.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "classroom.py"), *args, "--think", "0.2",
         "0.6", "--ramp", "2", "--after-wait", "1", "--hard-stop", "240", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(out.read_text()), proc.stdout


@pytest.mark.skipif(not HAS_CHROMIUM, reason="needs Debian's chromium")
def test_small_class_in_browsers_has_no_errors(tmp_path: Path) -> None:
    result, stdout = classroom(tmp_path, "--sessions", "3", "--interactions", "6",
                               "--browsers", "1")
    summary = result["summary"]
    assert summary["errors"] == 0 and not summary["hard_stopped"]
    assert summary["interactions_done"] == 18 and summary["latency"]["n"] == 18
    assert summary["open"]["n"] == 3
    assert summary["latency_by_kind"]["player"]["n"] == 3
    assert summary["server_rss_mb"]["peak"] > 0 and summary["server_cpu_ms_per_run"] > 0
    assert "p95" in stdout and "cores" in stdout


def test_small_class_over_the_websocket_protocol_has_no_errors(tmp_path: Path) -> None:
    result, _ = classroom(tmp_path, "--clients", "ws", "--sessions", "5",
                          "--interactions", "12")
    summary = result["summary"]
    assert summary["errors"] == 0 and not summary["hard_stopped"]
    assert summary["interactions_done"] == 60 and summary["open"]["n"] == 5
    kinds = summary["latency_by_kind"]
    assert set(kinds) == {"kernel", "step", "stride", "cell", "preset", "load"}
    assert sum(k["n"] for k in kinds.values()) == 60  # every interaction answered
    # One script run per first load and per interaction (none is a player step here): a
    # count of the work done, whatever the machine's speed.
    assert summary["server_script_runs"] == summary["open"]["n"] + summary["interactions_done"]
