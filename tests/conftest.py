"""Suite-wide settings: Hypothesis profiles, and PyTorch required in CI.

Hypothesis profiles (HYPOTHESIS_PROFILE=<name> picks one; otherwise CI=true picks "ci"):

    dev   the default: random examples, a new set every run (finds new bugs over time).
    ci    derandomized: the same examples on every run and machine, so a red CI run is red
          again on a rerun and on a laptop; a failure prints its reproduction blob. It does
          not raise any test's max_examples.

Parallel workers: scripts/test runs pytest-xdist with `-n auto`, which this file turns into one
worker per CPU, at most `MAX_WORKERS` (each worker starts its own app server and Chromium for
the browser tests it runs). Nothing here lists test files: new tests are spread as they come.

PyTorch: the suite compares pooling_core with PyTorch live when torch is importable. In CI
(CI=true) a missing torch is a failure, not a skip, unless POOLING_SKIP_TORCH=1 asks for a
run without it (the committed PyTorch fixtures still run then).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None, database=None)


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


IN_CI = _env_true("CI")
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev")
settings.load_profile(HYPOTHESIS_PROFILE)

# In CI, a test that skips because torch cannot be imported fails instead.
TORCH_REQUIRED = IN_CI and os.environ.get("POOLING_SKIP_TORCH", "0") != "1"
TORCH_SKIP_PREFIX = "could not import 'torch'"  # pytest.importorskip("torch")'s reason


MAX_WORKERS = 4


@pytest.hookimpl(optionalhook=True)  # the hook is pytest-xdist's: fine without it installed
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per CPU this process may run on, at most MAX_WORKERS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def pytest_report_header(config: pytest.Config) -> list[str]:
    torch = "required (CI)" if TORCH_REQUIRED else "optional"
    return [f"hypothesis profile: {HYPOTHESIS_PROFILE}; live PyTorch comparisons: {torch}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not (TORCH_REQUIRED and report.skipped and call.excinfo is not None):
        return
    reason = str(call.excinfo.value)
    if reason.startswith(TORCH_SKIP_PREFIX):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid}: {reason}\nCI=true requires PyTorch for the live comparisons "
            "(scripts/test installs torch==2.13.0); set POOLING_SKIP_TORCH=1 to run without it."
        )
