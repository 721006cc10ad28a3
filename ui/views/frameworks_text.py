"""The framework lens in words: each code of `pooling_core.frameworks` (an expression's
verdict, an issue, a difference's reason, a semantics rule) as one sentence in the user's
language. Framework names are the core's labels (proper names, the same in every language);
code is data and is never translated.

Pure functions of the core's dataclasses; no Streamlit import.
"""

from __future__ import annotations

from collections.abc import Mapping

from pooling_core.frameworks import RULES, Differences, Expression, Issue
from ui.i18n import t

AXES = ("height", "width")


def label(framework: str) -> str:
    """The framework's display name ("TensorFlow / Keras"): a proper name, not translated."""
    return RULES[framework].label


def _value(value: object) -> str:
    """A parameter of an issue as text: a pair "3 × 2", pads "(0, 1), (0, 1)", a word."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and all(isinstance(v, (tuple, list)) for v in value):
            return ", ".join(f"({a}, {b})" for a, b in value)  # type: ignore[misc]
        return " × ".join(str(v) for v in value)
    if isinstance(value, str) and value in AXES:
        return t(f"frameworks.axis.{value}")
    return str(value)


def issue_text(issue: Issue) -> str:
    """One issue (why a framework cannot write the layer natively or exactly) as a sentence."""
    params: Mapping[str, object] = issue.params or {}
    return t(f"frameworks.issue.{issue.code}", **{k: _value(v) for k, v in params.items()})


def verdict_key(expression: Expression) -> str:
    """"native", "exact", "nearest" or "none": how well the framework writes the layer."""
    if not expression.calls:
        return "none"
    if expression.native and expression.exact:
        return "native"
    return "exact" if expression.exact else "nearest"


def verdict_text(expression: Expression) -> str:
    """The verdict as a sentence ("Expressible: one pooling call with these numbers.")."""
    return t(f"frameworks.verdict.{verdict_key(expression)}")


def reason_text(reason: str) -> str:
    """One reason a cell differs from PyTorch (`DIFF_REASONS`) as a sentence."""
    return t(f"frameworks.reason.{reason}")


def reasons_lines(diffs: Differences) -> list[str]:
    """One line per reason: how many cells it explains, and the sentence."""
    return [t("frameworks.reason_line", n=n, reason=reason_text(reason))
            for reason, n in diffs.counts().items()]


def summary_line(diffs: Differences) -> str:
    """The Explorer panel's line for one framework: its name, whether it can write the layer,
    and whether its numbers equal PyTorch's (or how many cells differ and why)."""
    expression = diffs.result.expression
    verdict = t(f"frameworks.panel.{verdict_key(expression)}")
    n = len(diffs.cells)
    if diffs.result.output is None:
        numbers = t("frameworks.panel.no_numbers")
    elif n == 0:
        numbers = t("frameworks.panel.same")
    else:
        reasons = "; ".join(_lower_first(reason_text(r).rstrip(".。")) for r in diffs.counts())
        numbers = t("frameworks.panel.differ", n=n, reasons=reasons)
    return t("frameworks.panel.line", name=label(diffs.framework), verdict=verdict,
             numbers=numbers)


def _lower_first(text: str) -> str:
    """A sentence continued inside another: its first letter in lower case (a no-op for
    Chinese)."""
    return text[:1].lower() + text[1:]
