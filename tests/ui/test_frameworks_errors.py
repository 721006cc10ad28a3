"""Every error the framework lens's engine raises reads in the user's language (ui.errors)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from pooling_core import PoolingError, PoolSpec
from pooling_core.frameworks import framework_result, port_layer
from ui.errors import error_text
from ui.i18n import LANGUAGES, catalogue, t

ENGINE = Path(__file__).resolve().parents[2] / "pooling_core" / "frameworks"
CODES = sorted({code for path in ENGINE.glob("*.py")
                for code in re.findall(r'PoolingError\(\s*"([a-z_0-9]+)"', path.read_text())})


def test_engine_raises_the_codes_checked_here() -> None:
    assert {"unknown_framework", "input_shape", "work_budget", "port_param"} <= set(CODES)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_engine_error_has_a_text(lang: str) -> None:
    missing = [c for c in CODES if f"error.{c}" not in catalogue(lang)]
    assert not missing, (lang, missing)


def _raised(call) -> PoolingError:  # type: ignore[no-untyped-def]
    with pytest.raises(PoolingError) as info:
        call()
    return info.value


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_errors_are_translated_with_their_numbers(
        lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ui.errors.t", lambda key, **kw: t(key, lang, **kw))
    x = np.arange(16.0).reshape(4, 4)
    spec = PoolSpec(kernel_size=2, stride=2)
    unknown = _raised(lambda: framework_result("theano", x, None, spec))
    text = error_text(unknown)
    assert "'theano'" in text and text != str(unknown)
    ragged = _raised(lambda: framework_result("pytorch", np.arange(4.0), None, spec))
    assert error_text(ragged) != str(ragged) and "(4,)" in error_text(ragged)
    port = _raised(lambda: port_layer("pytorch", {}, "caffe", x))
    assert error_text(port) != str(port)
