"""Speed and load scripts, run on purpose (never by `pytest` without `-m slow`).

Scripts (each runs as `.venv/bin/python benchmarks/<name>.py` from the repository root, and is
importable as `benchmarks.<name>`; they import their helpers as `benchmarks.<module>`):

    core_speed.py       pooling_core against PyTorch CPU and a course loop
    ui_speed.py         the Explorer's answer times in headless Chromium
    classroom.py        a whole class of students against one server
    hostile_visitor.py  a hostile visitor against one fresh server

Their parts, by what a change touches:

    paths.py            the repository root and tests/browser on sys.path
    procstats.py        /proc: a process' RSS, peak, CPU time, descendants; a memory sampler
    pagejs.py           the JavaScript the benchmarks install in the page (watchers, probes)
    percentiles.py      the two percentile rules (nearest rank; linear interpolation)
    classroom_records.py   classroom: what a run records (samples, barrier, interaction kinds)
    classroom_browser.py   classroom: a student in a headless browser (page actions)
    classroom_ws.py        classroom: a student speaking Streamlit's websocket protocol
    classroom_report.py    classroom: summary and printed report
    ui_speed_page.py       ui_speed: meters and measured page actions
    ui_speed_scenarios.py  ui_speed: the default example, the 32 x 32 input, cold starts
    ui_speed_report.py     ui_speed: targets, summary and table
"""
