"""The reference frameworks of issue 16 (JAX, ONNX Runtime) are required in CI, as PyTorch is.

scripts/test installs jax (CPU) and onnx + onnxruntime unless POOLING_SKIP_FRAMEWORKS=1. In CI
(CI=true) a live comparison that skips because one of them cannot be imported fails instead,
unless POOLING_SKIP_FRAMEWORKS=1 asks for a run without them (their committed fixtures still
run). PyTorch's rule is tests/conftest.py's.
"""

from __future__ import annotations

import os

import pytest

FRAMEWORKS = ("jax", "onnxruntime", "onnx")
FRAMEWORKS_REQUIRED = (
    os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
    and os.environ.get("POOLING_SKIP_FRAMEWORKS", "0") != "1"
)
SKIP_PREFIXES = tuple(f"could not import '{name}'" for name in FRAMEWORKS)


def pytest_report_header(config: pytest.Config) -> list[str]:
    need = "required (CI)" if FRAMEWORKS_REQUIRED else "optional"
    return [f"live JAX / ONNX Runtime comparisons: {need}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not (FRAMEWORKS_REQUIRED and report.skipped and call.excinfo is not None):
        return
    reason = str(call.excinfo.value)
    if reason.startswith(SKIP_PREFIXES):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid}: {reason}\nCI=true requires jax and onnxruntime for the live "
            "comparisons (scripts/test installs them); set POOLING_SKIP_FRAMEWORKS=1 to run "
            "without them."
        )
