"""The Docker image (Dockerfile, .dockerignore), read as text: Docker itself is not needed.

The app's user must not be able to change the app's code: nothing under /app is handed to it,
and plotly.js is committed in static/, so the running app writes nothing there. Secrets never
go into the image.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from ui.views.charts import PLOTLY_JS

ROOT = Path(__file__).resolve().parents[1]


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments out."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\s*\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _dockerignore() -> list[str]:
    text = (ROOT / ".dockerignore").read_text()
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _ignored(path: str) -> bool:
    """Whether .dockerignore leaves `path` out (its last matching rule wins; `!` re-includes)."""
    ignored = False
    for rule in _dockerignore():
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").strip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatchcase(p, pattern) or fnmatch.fnmatchcase(p, "**/" + pattern)
               or fnmatch.fnmatchcase(p, pattern.removeprefix("**/")) for p in prefixes):
            ignored = not negate
    return ignored


def _runs() -> list[str]:
    return [args for word, args in _instructions() if word == "RUN"]


def test_nothing_under_app_is_given_to_the_apps_user() -> None:
    for run in _runs():
        assert not re.search(r"\bchown\b", run), f"the image hands files to a user: {run}"
        assert not re.search(r"\bchmod\b[^&;]*\b(o\+w|a\+w|777|766|666)\b", run), run
    users = [args for word, args in _instructions() if word == "USER"]
    assert users and users[-1] not in {"root", "0"}, "the app must not run as root"


def test_secrets_and_old_copies_of_plotly_js_stay_out_of_the_image() -> None:
    assert _ignored(".streamlit/secrets.toml")
    assert not _ignored(".streamlit/config.toml")  # the app's settings are needed
    assert _ignored("static/plotly-7.1.0.min.js")  # a full copy an older app made there
    for needed in ("app.py", "ui/views/charts.py", "ui/assets/favicon.png", "requirements.txt",
                   f"static/{PLOTLY_JS}", "static/plotly-cartesian-4.1.1.LICENSE.txt"):
        assert not _ignored(needed), needed
