"""benchmarks/school_failover.py: the HAProxy configuration it runs is docs/serving.md's, and
(marked slow, run on purpose) a small school survives the loss of a replica.

The fast tests read the configuration the script builds from the documentation (so the
documented backend is the one measured) and, when Debian's haproxy is installed, have haproxy
itself check it (`haproxy -c`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.school_failover import docs_backend, haproxy_config

ROOT = Path(__file__).resolve().parents[1]


def test_the_measured_backend_is_the_documented_one() -> None:
    documented = (ROOT / "docs" / "serving.md").read_text(encoding="utf-8")
    backend = docs_backend()
    assert backend[0] == "backend explorer"
    assert all(line in documented for line in backend)
    cfg = haproxy_config(9000, {"app1": 9001, "app2": 9002, "app3": 9003}).splitlines()
    # Every documented line but the example servers is in the configuration, as written.
    for line in backend:
        if not line.strip().startswith("server "):
            assert line in cfg, line
    servers = [line.split() for line in cfg if line.strip().startswith("server ")]
    assert servers == [["server", f"app{i}", f"127.0.0.1:900{i}", "check", "cookie", f"app{i}"]
                       for i in (1, 2, 3)]
    assert "    bind 127.0.0.1:9000" in cfg
    assert any("cookie EXPLORER insert" in line for line in cfg)


def test_extra_backend_lines_are_added_to_the_backend() -> None:
    cfg = haproxy_config(9000, {"app1": 9001}, ["option redispatch"]).splitlines()
    backend_at = cfg.index("backend explorer")
    assert "    option redispatch" in cfg[backend_at:]


@pytest.mark.skipif(shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
                    reason="Debian's haproxy is not installed (the slow run installs it)")
def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(haproxy_config(9000, {"app1": 9001, "app2": 9002}), encoding="utf-8")
    done = subprocess.run([haproxy, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_a_small_school_survives_the_loss_of_a_replica(tmp_path: Path) -> None:
    """6 students on 3 replicas; one replica killed: no error, its students back with their
    view, nobody else disturbed (the script's exit status says all three)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "school_failover.py"), "--students", "6",
         "--interactions", "6", "--kill-after", "6", "--ramp", "2",
         "--json", str(tmp_path / "school.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
