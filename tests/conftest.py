"""Suite-wide settings: Hypothesis profiles, and PyTorch required in CI.

Hypothesis profiles (HYPOTHESIS_PROFILE=<name> picks one; otherwise CI=true picks "ci"):

    dev   the default: random examples, a new set every run (finds new bugs over time).
    ci    derandomized: the same examples on every run and machine, so a red CI run is red
          again on a rerun and on a laptop; a failure prints its reproduction blob. It does
          not raise any test's max_examples.

Parallel workers: scripts/test runs pytest-xdist with `-n auto`, which this file turns into one
worker per CPU, at most `MAX_WORKERS` (each worker starts its own app server and Chromium for
the browser tests it runs). Nothing here lists test files: new tests are spread as they come.

Reference libraries: the suite compares pooling_core live with PyTorch, and (issue 16) with
JAX and ONNX Runtime, when they are importable. In CI (CI=true) a live comparison that skips
because one of them cannot be imported fails instead, unless its switch asks for a run without
it: POOLING_SKIP_TORCH=1 for torch, POOLING_SKIP_FRAMEWORKS=1 for jax / onnx / onnxruntime
(the committed fixtures still run then). One hook, one table (`REFERENCES`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import settings

settings.register_profile("dev", print_blob=True)
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None, database=None)


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


IN_CI = _env_true("CI")
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev")
settings.load_profile(HYPOTHESIS_PROFILE)


@dataclass(frozen=True)
class Reference:
    """Reference libraries of the live comparisons, required in CI unless `skip_env` is "1"."""

    label: str  # as the failure names them
    modules: tuple[str, ...]  # pytest.importorskip(name) skips with "could not import 'name'"
    skip_env: str
    hint: str  # how scripts/test installs them

    @property
    def required(self) -> bool:
        return IN_CI and os.environ.get(self.skip_env, "0") != "1"

    def claims(self, reason: str) -> bool:
        """A skip for want of one of these modules, while they are required."""
        prefixes = tuple(f"could not import '{name}'" for name in self.modules)
        return self.required and reason.startswith(prefixes)


REFERENCES = (
    Reference("PyTorch", ("torch",), "POOLING_SKIP_TORCH", "scripts/test installs torch==2.13.0"),
    Reference("jax and onnxruntime", ("jax", "onnxruntime", "onnx"), "POOLING_SKIP_FRAMEWORKS",
              "scripts/test installs them"),
)


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
    needs = "; ".join(f"{r.label}: {'required (CI)' if r.required else 'optional'}"
                      for r in REFERENCES)
    return [f"hypothesis profile: {HYPOTHESIS_PROFILE}; live comparisons: {needs}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and call.excinfo is not None):
        return
    reason = str(call.excinfo.value)
    for ref in REFERENCES:
        if ref.claims(reason):
            report.outcome = "failed"
            report.longrepr = (
                f"{item.nodeid}: {reason}\nCI=true requires {ref.label} for the live "
                f"comparisons ({ref.hint}); set {ref.skip_env}=1 to run without it."
            )
            return
