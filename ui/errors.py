"""Errors a visitor can cause, and their texts in the visitor's language.

One exception type for input the app refuses (`InputError`: a link value, a CSV file, a
picture), and the functions that word the core's `PoolingError`, a refused input and a grid
cell that is not a number. Nothing a visitor typed is ever rendered as Markdown: their text
goes through `ui.format.literal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pooling_core import PoolingError
from ui.format import MAX_CELL_CHARS, literal
from ui.i18n import t


@dataclass(frozen=True)
class CellError:
    """A cell whose text is not a number: (row, col) and what was typed (cut after
    MAX_CELL_CHARS + 1 characters: longer than MAX_CELL_CHARS means too long)."""

    row: int
    col: int
    text: str

    @property
    def too_long(self) -> bool:
        return len(self.text) > MAX_CELL_CHARS


class InputError(ValueError):
    """Input that cannot be used: `code` names the problem, `params` fill its message.

    The code's first word names its catalogue section: ``url_number`` is translated by the key
    ``url.url_number``, ``csv_ragged`` by ``csv.csv_ragged``, ``image_too_big`` by
    ``image.image_too_big`` (`key`).
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def key(self) -> str:
        """The translation key of the message (see the class docstring)."""
        return f"{self.code.split('_', 1)[0]}.{self.code}"


# Counted messages whose count is not the parameter `n` (or `count`): the parameter that counts.
_COUNTED_BY = {"csv.csv_ragged": "got", "csv.csv_field_too_long": "limit",
               "url.url_cell_too_long": "limit", "error.output_empty": "span",
               "error.bins_too_large": "value"}


def input_error_text(e: InputError) -> str:
    """A refused input's message in the user's language; text taken from the input (a CSV
    value, a file name) is shown literally."""
    params = {k: literal(v) if isinstance(v, str) else v for k, v in e.params.items()}
    if _COUNTED_BY.get(e.key) in params and "count" not in params:
        params["count"] = params[_COUNTED_BY[e.key]]
    return t(e.key, **params)


_AXIS_KEYS = {"height": "param.h", "width": "param.w"}
_NAME_KEYS = {"kernel_size": "param.kernel", "stride": "param.stride", "padding": "param.padding",
              "dilation": "param.dilation"}


def error_text(e: PoolingError) -> str:
    """A core error in the user's language (English text of the core as the fallback).

    The core names axes and parameters in English ("height", "kernel_size"); they are
    translated here before they are put into the message.
    """
    params = dict(e.params)
    if params.get("axis") in _AXIS_KEYS:
        params["axis"] = t(_AXIS_KEYS[params["axis"]])
    if params.get("name") in _NAME_KEYS:
        params["name"] = t(_NAME_KEYS[params["name"]])
    if _COUNTED_BY.get(f"error.{e.code}") in params:
        params["count"] = params[_COUNTED_BY[f"error.{e.code}"]]
    text = t(f"error.{e.code}", **params)
    return str(e) if text == f"error.{e.code}" else text


def cell_error_text(e: CellError, blank_key: str = "grid.blank") -> str:
    """One cell that is not a number, e.g. `(0,1) “abc”`: what was typed is shown literally
    (ui.format.literal), a blank or an overlong cell is described instead."""
    if e.too_long:
        return f"({e.row},{e.col}) {t('grid.too_long', limit=MAX_CELL_CHARS, count=MAX_CELL_CHARS)}"
    if not e.text:
        return f"({e.row},{e.col}) {t(blank_key)}"
    return f"({e.row},{e.col}) “{literal(e.text)}”"


def cell_errors_text(errors: Sequence[CellError]) -> str:
    """The cells of a grid that are not numbers: the first six named, the rest counted."""
    shown = ", ".join(cell_error_text(e) for e in errors[:6])
    more = t("grid.more", n=len(errors) - 6) if len(errors) > 6 else ""
    return t("grid.not_numbers", cells=shown + more)
