"""How each framework writes the app's layer: its calls with this layer's numbers, whether
they compute it natively or exactly, why not (`Issue`), and the `FrameworkLayer` they run."""

from __future__ import annotations

from ..adaptive import AdaptiveSpec
from ..spec import PoolSpec
from .layer import Expression


def express(framework: str, spec: PoolSpec | AdaptiveSpec, input_hw: tuple[int, int]
            ) -> Expression:
    """How `framework` writes `spec` on an (H, W) input.

    Parameters
    ----------
    framework : str         one of `FRAMEWORKS`
    spec : PoolSpec or AdaptiveSpec   the app's layer (PyTorch's rules; `spec.ties` is not part
                            of a framework's layer: each framework has its own tie rule)
    input_hw : (H, W)       needed for 'same' padding and Caffe's rounding

    Returns
    -------
    Expression
        native/exact flags, issues (codes of `ISSUE_CODES`), the calls (exact composite or
        nearest layer) and the `FrameworkLayer` they run.

    Raises
    ------
    PoolingError  ``unknown_framework`` for a name not in `FRAMEWORKS`.
    """
    raise NotImplementedError
