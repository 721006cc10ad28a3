"""A hostile visitor cannot phish, crash or exhaust a classroom server.

Against a fresh server of its own (so that its memory figure is this visitor's alone), the
visits of benchmarks/hostile_visitor.py: every page opened with link parameters named as
Markdown links, images, HTML, colour directives and LaTeX, and with 500 unknown parameters;
8 distinct worst-case Explorer links (32 x 32, kernel 32, stride 1, padding 16, ceil_mode;
average and max with ties="all"); a CSV with a 150,000-digit field; a 6000 x 6000 WebP.

Asserted: nothing from a link rendered as a link or an image, no request to another host,
no traceback, one note for the unknown parameters, at most 2 MB sent for any visit (the worst
link sent 27 MB before the work budget), server peak memory at most 500 MB. How long each
visit takes is printed, not asserted: the benchmark reports it (docs/serving.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from appserver import start_server, stop_server
from playwright.sync_api import Browser

from benchmarks.hostile_visitor import Visit, print_report, run

pytestmark = pytest.mark.browser

MAX_SENT_BYTES = 2_000_000
MAX_SERVER_MB = 500


def test_a_hostile_visitor_gets_no_link_no_traceback_and_a_bounded_server(
        browser: Browser, tmp_path: Path) -> None:
    proc, base, _ = start_server(tmp_path / "server.log")
    try:
        report = run(browser, base, proc.pid, n_links=8, protocol=False)
    finally:
        stop_server(proc)
    print_report(report)
    visits: dict[str, Visit] = {v.name: v for v in report.visits}
    assert len(visits) == 5 + 8 + 2
    for v in report.visits:
        assert not v.exception, f"{v.name}: the page shows a traceback"
        assert not v.links_out, f"{v.name}: a link from the URL became a link: {v.links_out}"
        assert not v.images_out, f"{v.name}: an image from the URL was drawn: {v.images_out}"
        assert v.ws_bytes <= MAX_SENT_BYTES, f"{v.name}: {v.ws_bytes} bytes sent"
    assert report.third_party == [], report.third_party
    # One note for 500 unknown parameters (there was a box for each).
    notes = [a.split("\n")[-1] for a in visits["500 unknown parameters /"].alerts
             if "parameter" in a]
    assert notes == ["Unknown link parameters ignored: 500."], notes
    # The worst links are answered: the player is there (the visit waited for it) and the
    # uploads gave a message (the visit waited for a new alert).
    assert report.vmhwm_mb <= MAX_SERVER_MB, f"server peak {report.vmhwm_mb:.0f} MB"
