"""Classroom (benchmarks/classroom.py): the summary of a run (latency percentiles overall and
per kind, the server's memory and CPU per script run, the load) and its printed report."""

from __future__ import annotations

import argparse
import statistics

from benchmarks.classroom_records import Run
from benchmarks.percentiles import nearest_rank as pct


def stats(values: list[float]) -> dict[str, float | int | None]:
    return {"n": len(values), "p50_s": pct(values, 50), "p95_s": pct(values, 95),
            "max_s": max(values) if values else None,
            "mean_s": statistics.fmean(values) if values else None}


def summarise(run: Run, args: argparse.Namespace, baseline: dict, after: dict,
              elapsed_s: float, hard_stopped: bool) -> dict:
    ok = [s.latency_s for s in run.samples if s.latency_s is not None]
    server = [m["server_rss_kb"] for m in run.memory if m["server_rss_kb"]]
    browsers = [m["browsers_rss_kb"] for m in run.memory]
    cpu = [m["server_cpu_s"] for m in run.memory if m["server_cpu_s"] is not None]
    loads = [m["loadavg_1min"] for m in run.memory]
    # Script runs on the server: one per first load, one per interaction except the player's.
    server_runs = len(run.opens) + sum(1 for s in run.samples if s.kind != "player")
    cpu_used = (cpu[-1] - baseline["server_cpu_s"]) if cpu else None
    peak = max(server) if server else None
    reruns = [s for s in run.samples if s.kind != "player" and s.latency_s is not None]
    work_s = run.work[1] - run.work[0] if len(run.work) == 2 else None
    # CPU over the work phase only (first loads excluded), from the samples inside it.
    in_work = [m["server_cpu_s"] for m in run.memory
               if work_s and m["server_cpu_s"] is not None
               and run.work[0] <= m["mono"] <= run.work[1]]
    return {
        "clients": args.clients,
        "sessions": args.sessions, "interactions_per_session": args.interactions,
        "browsers": args.browsers, "think_s": list(args.think), "ramp_s": args.ramp,
        "elapsed_s": round(elapsed_s, 1), "hard_stopped": hard_stopped,
        "interactions_done": len(run.samples),
        "errors": sum(1 for s in run.samples if s.error) + len(run.open_errors),
        "latency": stats(ok),
        "latency_by_kind": {k: stats([s.latency_s for s in run.samples
                                      if s.kind == k and s.latency_s is not None])
                            for k in dict.fromkeys(s.kind for s in run.samples)},
        "until_run": stats([s.until_run_s for s in reruns if s.until_run_s is not None]),
        "run": stats([s.run_s for s in reruns if s.run_s is not None]),
        "open": stats(run.opens),
        "server_rss_mb": {
            "cold": round(baseline["cold_server_rss_kb"] / 1024, 1),
            "baseline": round(baseline["server_rss_kb"] / 1024, 1),
            "peak": round(peak / 1024, 1) if peak else None,
            "after_sessions_closed": round(after["server_rss_kb"] / 1024, 1)
            if after.get("server_rss_kb") else None,
            "after_wait_s": after.get("wait_s"),
            "peak_minus_baseline_per_session": round(
                (peak - baseline["server_rss_kb"]) / 1024 / max(1, args.sessions), 2)
            if peak else None,
        },
        "server_cpu_s": round(cpu_used, 2) if cpu_used is not None else None,
        "server_script_runs": server_runs,
        "work_phase_s": round(work_s, 1) if work_s else None,
        "server_runs_per_s_while_working": round(len(reruns) / work_s, 2) if work_s else None,
        "server_cpu_share_while_working": round((in_work[-1] - in_work[0]) / work_s, 2)
        if work_s and len(in_work) > 1 else None,
        "server_cpu_ms_per_run": round(1000 * cpu_used / server_runs, 1)
        if cpu_used is not None and server_runs else None,
        "browsers_rss_mb_peak": round(max(browsers) / 1024, 1) if browsers else None,
        "loadavg_1min": {"max_during": max(loads) if loads else None},
    }


def fmt_s(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def report(summary: dict, run: Run, machine: dict) -> None:
    print()
    errors = [s for s in run.samples if s.error]
    print(f"errors: {summary['errors']}")
    for e in run.open_errors[:10]:
        print(f"  open  {e}")
    for s in errors[:20]:
        print(f"  s{s.session:02d} #{s.index:02d} {s.kind:7s} {s.error}")
    if len(errors) > 20:
        print(f"  ... and {len(errors) - 20} more")
    lat = summary["latency"]
    print(f"interactions: {summary['interactions_done']} of "
          f"{summary['sessions'] * summary['interactions_per_session']}  "
          f"latency p50 {fmt_s(lat['p50_s'])} s  p95 {fmt_s(lat['p95_s'])} s  "
          f"max {fmt_s(lat['max_s'])} s")
    for kind, st in summary["latency_by_kind"].items():
        print(f"  {kind:7s} n={st['n']:4d}  p50 {fmt_s(st['p50_s'])} s  "
              f"p95 {fmt_s(st['p95_s'])} s  max {fmt_s(st['max_s'])} s")
    for name, label in (("until_run", "commit -> running"), ("run", "running -> done")):
        st = summary[name]
        print(f"  {label:18s} p50 {fmt_s(st['p50_s'])} s  p95 {fmt_s(st['p95_s'])} s "
              "(server round trips, page clock)")
    op = summary["open"]
    print(f"first load: n={op['n']} p50 {fmt_s(op['p50_s'])} s  p95 {fmt_s(op['p95_s'])} s")
    mem = summary["server_rss_mb"]
    print(f"server RSS: {mem['cold']} MB just started, {mem['baseline']} MB warm (no session), "
          f"peak {mem['peak']} MB (+{mem['peak_minus_baseline_per_session']} MB per session), "
          f"{mem['after_sessions_closed']} MB {mem['after_wait_s']} s after the sessions closed")
    print(f"server CPU: {summary['server_cpu_s']} s for {summary['server_script_runs']} script "
          f"runs = {summary['server_cpu_ms_per_run']} ms per run; while the class worked "
          f"({summary['work_phase_s']} s): {summary['server_runs_per_s_while_working']} "
          f"runs/s, {summary['server_cpu_share_while_working']} of a core")
    print(f"browsers' RSS peak: {summary['browsers_rss_mb_peak']} MB")
    print(f"machine: {machine['cpu_count']} cores; load average before "
          f"{machine['loadavg_before']}, max during {summary['loadavg_1min']['max_during']}, "
          f"after {machine['loadavg_after']}; {summary['elapsed_s']} s")

