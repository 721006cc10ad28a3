"""Download buttons of the JAX, ONNX and Keras scripts of one configuration (beside the
PyTorch script: the Explorer's Export section and the Frameworks page). Each script prints
this layer's y and dL/dx on this input in its framework (`ui.exports.{jax,onnx,keras}_script`);
it is made when its button is clicked, not on every run."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from pooling_core import AdaptiveSpec, PoolSpec
from ui.exports.arrays import file_stem
from ui.exports.jax_script import jax_script
from ui.exports.keras_script import keras_script
from ui.exports.onnx_script import onnx_script
from ui.i18n import current_language, t
from ui.views.frameworks_text import label

# (framework, its script maker, file-name suffix)
SCRIPTS: tuple[tuple[str, Callable[..., str], str], ...] = (
    ("jax", jax_script, "jax"),
    ("onnx", onnx_script, "onnx"),
    ("tensorflow", keras_script, "keras"),
)


def framework_export_buttons(x: np.ndarray, grad_output: np.ndarray,
                             spec: PoolSpec | AdaptiveSpec, key_prefix: str = "exp") -> None:
    """Three download buttons side by side (keys `<key_prefix>_jax`, `_onnx`, `_keras`)."""
    lang = current_language()
    stem = file_stem(spec)
    cols = st.columns(len(SCRIPTS))
    for col, (fw, make, suffix) in zip(cols, SCRIPTS, strict=True):
        name = f"{stem}_{suffix}.py"

        def script(make: Callable[..., str] = make, name: str = name) -> str:
            return make(x, grad_output, spec, lang=lang, file_name=name)

        col.download_button(
            t(f"frameworks.export.{suffix}"), script, file_name=name, mime="text/x-python",
            key=f"{key_prefix}_{suffix}", wrap=True, width="stretch",
            help=t("frameworks.export.help", name=label(fw)), on_click="ignore",
            icon=":material/code:")
