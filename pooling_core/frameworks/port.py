"""Port a layer: a source framework's layer (its own parameters) to the target's closest
exact equivalent, or "none exists" and the cells that will differ on an input."""

from __future__ import annotations

from collections.abc import Mapping

from .layer import Port

PORT_PARAMS: Mapping[str, Mapping[str, object]] = {}
"""Per framework: its layer parameters, name -> allowed values (a tuple of choices, "pair"
for (h, w) ints >= 1, "pair0" for ints >= 0, "pads" for ((t, b), (l, r)), "bool", "int")."""


def port_layer(source: str, params: Mapping[str, object], target: str,
               x: object | None = None, grad_output: object | None = None) -> Port:
    """The target's closest equivalent of the source layer `params` (`PORT_PARAMS[source]`).

    Parameters
    ----------
    source, target : str    frameworks of `FRAMEWORKS`
    params : mapping        the source layer's parameters, in its own words
    x : array_like (H, W) or None   an input (also needed for 'same' padding)
    grad_output : array_like or None   dL/dy for the source's output shape (None: ones)

    Raises
    ------
    PoolingError  ``unknown_framework``, ``port_param`` (a missing or invalid parameter).
    """
    raise NotImplementedError
