"""A school behind HAProxy: 3 replicas, a class of 60, and one replica killed mid-lesson.

Run on purpose from the repository root (about 2 minutes; not part of the test suite):

    .venv/bin/python benchmarks/school_failover.py [--students 60] [--replicas 3]
        [--interactions 16] [--kill-after 15] [--think 1.0 3.0] [--json PATH]

1. Debian's `haproxy` (`apt-get install haproxy` when it is missing) is started on a free
   loopback port with docs/serving.md's backend, copied from that file as it stands (its
   `server` lines pointed at the local replicas), behind a minimal frontend;
2. `--replicas` x `streamlit run app.py` on free loopback ports, one cookie secret for all;
3. `--students` students, each as a browser does it: GET / through the proxy (HAProxy's
   affinity cookie comes back), then Streamlit's websocket with that cookie, speaking its
   protocol (benchmarks/classroom_ws.py's WsStudent: kernel, stride, step, cell edits,
   examples, with a think time between actions); the replica a student is on is its cookie;
4. `--kill-after` seconds into the lesson, the replica with the most students is killed
   (SIGKILL). Its students see their websocket close and do what the page does: reconnect,
   here as a reload of the page's own URL (the link of the view on screen): GET / (retried
   every 0.25 s while the proxy answers an error), the websocket with the cookie it got, and
   a run with that URL's query. A student is back when that run finishes without an
   exception AND the URL the app then holds equals the one before the kill (the same view).

Reports: errors (other than the dead replica's dropped websockets), latency p50 / p95 of the
actions (before and after the kill), per student on the dead replica the seconds from the
kill until it is back, and whether any student on the other replicas noticed (an error, a
dropped websocket, or a move to another replica). Writes benchmarks/results/school_failover.json.
The machine's load average is printed: on a shared machine, latencies are the machine's too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

if (_root := str(Path(__file__).resolve().parents[1])) not in sys.path:
    sys.path.insert(0, _root)
from benchmarks.paths import RESULTS, ROOT  # noqa: E402  (also tests/browser on sys.path)

# isort: split
from appserver import free_port, healthy, start_server, stop_server  # noqa: E402

from benchmarks.classroom_records import (  # noqa: E402
    KINDS,
    InteractionError,
)
from benchmarks.classroom_ws import WsStudent, action  # noqa: E402
from benchmarks.percentiles import nearest_rank  # noqa: E402

COOKIE = "EXPLORER"
DOCS = ROOT / "docs" / "serving.md"


# --------------------------------------------------------------------------- haproxy
def docs_backend() -> list[str]:
    """The lines of docs/serving.md's HAProxy example (the code block holding `backend`)."""
    text = DOCS.read_text(encoding="utf-8")
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        if block.lstrip().startswith("backend "):
            return block.rstrip("\n").splitlines()
    raise SystemExit("docs/serving.md has no HAProxy `backend` block")


def haproxy_config(port: int, replicas: dict[str, int], extra: list[str] = ()) -> str:
    """A whole haproxy.cfg: docs/serving.md's backend (its `server` lines replaced by the
    local replicas, same options; `extra` lines added to it) behind a frontend on
    127.0.0.1:port."""
    backend = docs_backend() + [f"    {line}" for line in extra]
    template = next(line for line in backend if line.strip().startswith("server "))
    # "server app1 10.0.0.11:8501 check cookie app1" -> the options after the address
    opts = " ".join(template.split()[3:])
    lines = [line for line in backend if not line.strip().startswith("server ")]
    for name, p in replicas.items():
        lines.append(f"    server {name} 127.0.0.1:{p} " + re.sub(r"cookie \S+", f"cookie {name}",
                                                                     opts))
    return "\n".join([
        "global", "    maxconn 4096", "",
        "defaults", "    mode http", "    timeout connect 5s", "    timeout client 60s",
        "    timeout server 60s", "",
        "frontend school", f"    bind 127.0.0.1:{port}", "    default_backend explorer", "",
        *lines, "",
    ])


def ensure_haproxy() -> str:
    path = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy",
                                                                       os.X_OK) else None)
    if path:
        return path
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "haproxy"], check=True, env=env)
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


# --------------------------------------------------------------------------- a student
@dataclass
class Student:
    sid: int
    replica: str = ""
    samples: list[dict] = field(default_factory=list)  # {t, kind, latency_s, error}
    drops: list[float] = field(default_factory=list)  # monotonic times its websocket closed
    moves: list[dict] = field(default_factory=list)  # {from, to, back_s, same_view, ...}
    errors: list[str] = field(default_factory=list)


def http_get(url: str, cookie: str | None, timeout: float) -> tuple[int, str | None]:
    """GET url (with the affinity cookie if any): (status, the cookie's new value or None)."""
    req = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            status, headers = r.status, r.headers
    except urllib.error.HTTPError as e:
        return e.code, None
    for value in headers.get_all("Set-Cookie") or []:
        m = re.match(rf"{COOKIE}=([^;]+)", value)
        if m:
            return status, m.group(1)
    return status, None


async def open_view(proxy: str, cookie: str | None, query: str, timeout: float):
    """Load the page as a browser does: GET / until it answers 200, then the websocket with
    the cookie, then a run with `query`. Returns (websocket, WsStudent, replica, monotonic
    time the proxy first answered 200, exceptions shown)."""
    import websockets

    while True:
        try:
            status, new = await asyncio.to_thread(http_get, proxy + "/", cookie, 10)
        except OSError:
            status, new = 0, None
        if status == 200:
            break
        await asyncio.sleep(0.25)
    routed = time.monotonic()
    cookie = new or cookie
    ws = await websockets.connect(
        proxy.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
        max_size=None, additional_headers={"Cookie": f"{COOKIE}={cookie}"}, open_timeout=30)
    me = WsStudent(ws)
    me.query = query
    _, shown = await me.rerun([], timeout)
    return ws, me, cookie, routed, shown


async def student(st: Student, proxy: str, args, start: asyncio.Event, killed: dict,
                  t0: float) -> None:
    import websockets

    rng = random.Random(args.seed * 1000 + st.sid)
    await asyncio.sleep(rng.uniform(0, args.ramp))
    ws, me, st.replica, _, shown = await open_view(proxy, None, "lang=en", args.timeout)
    if shown:
        st.errors.append("open: " + " | ".join(shown))
    await start.wait()
    preset = ["overlap_6x6"]
    for i in range(args.interactions):
        # Think, but notice at once if the websocket closes meanwhile (the page would).
        closed = asyncio.ensure_future(ws.wait_closed())
        done, _ = await asyncio.wait([closed], timeout=rng.uniform(*args.think))
        closed.cancel()
        error = None
        if not done:
            kind = KINDS[i % len(KINDS)]
            try:
                kind, w = action(me, st.sid, i, rng, preset)
                latency, shown = await me.rerun([w], args.timeout)
                if shown:
                    error = "exception on page: " + " | ".join(shown)
            except (TimeoutError, InteractionError, websockets.WebSocketException, OSError) as e:
                error = f"{type(e).__name__}: {e}"
                latency = None
            if error is None or "ConnectionClosed" not in error:
                st.samples.append({"t": time.monotonic() - t0, "kind": kind,
                                   "latency_s": None if error else latency, "error": error})
                if error:
                    st.errors.append(error)
                continue
        # The websocket closed: reload the page's own URL, as the browser does.
        dropped = time.monotonic()
        st.drops.append(dropped - t0)
        view, old = me.query, st.replica
        try:
            ws, me, st.replica, routed, shown = await open_view(proxy, old, view, args.timeout)
        except (TimeoutError, websockets.WebSocketException, OSError) as e:
            st.errors.append(f"reconnect: {type(e).__name__}: {e}")
            return
        back = time.monotonic()
        st.moves.append({
            "from": old, "to": st.replica, "same_view": me.query == view and not shown,
            "back_s_after_kill": back - killed["at"] if killed.get("at") else None,
            "back_s_after_drop": back - dropped, "view": view[:200], "shown": shown,
            "routed_s_after_kill": routed - killed["at"] if killed.get("at") else None,
        })
    await ws.close()


# --------------------------------------------------------------------------- the lesson
async def lesson(args, proxy: str, replicas: dict[str, subprocess.Popen]) -> dict:
    t0 = time.monotonic()
    students = [Student(i) for i in range(args.students)]
    start, killed = asyncio.Event(), {}
    tasks = [asyncio.create_task(student(s, proxy, args, start, killed, t0)) for s in students]
    # Everyone has opened the page (their replica is known) before the lesson starts.
    while sum(1 for s in students if s.replica) < args.students:
        if all(t.done() for t in tasks):
            break
        await asyncio.sleep(0.2)
    opened_at = time.monotonic()
    start.set()
    await asyncio.sleep(args.kill_after)
    counts = {name: sum(1 for s in students if s.replica == name) for name in replicas}
    victim = max(counts, key=counts.get)
    on_victim = [s.sid for s in students if s.replica == victim]
    killed["at"] = time.monotonic()
    replicas[victim].send_signal(signal.SIGKILL)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    crashed = [f"student {i}: {type(r).__name__}: {r}" for i, r in enumerate(results)
               if isinstance(r, BaseException)]
    return {"students": students, "victim": victim, "on_victim": on_victim, "counts": counts,
            "kill_t": killed["at"] - t0, "start_t": opened_at - t0, "crashed": crashed}


def summary(out: dict) -> dict:
    students, victim, kill_t = out["students"], out["victim"], out["kill_t"]
    on_victim = set(out["on_victim"])
    lat = [x["latency_s"] for s in students for x in s.samples if x["latency_s"] is not None]
    before = [x["latency_s"] for s in students for x in s.samples
              if x["latency_s"] is not None and x["t"] < kill_t]
    after = [x["latency_s"] for s in students for x in s.samples
             if x["latency_s"] is not None and x["t"] >= kill_t]
    others = [s for s in students if s.sid not in on_victim]
    noticed = [s.sid for s in others if s.errors or s.drops or s.moves]
    back = {s.sid: s.moves[0] for s in students if s.sid in on_victim and s.moves}

    def p(v: list[float], q: float) -> float | None:
        return nearest_rank(v, q)

    backs = [m["back_s_after_kill"] for m in back.values() if m["back_s_after_kill"] is not None]
    routed = [m["routed_s_after_kill"] for m in back.values()
              if m["routed_s_after_kill"] is not None]
    return {
        "replica_students": out["counts"], "killed": victim, "killed_at_s": round(kill_t, 2),
        "actions": len(lat), "errors": sum(len(s.errors) for s in students) + len(out["crashed"]),
        "error_samples": [e for s in students for e in s.errors][:10] + out["crashed"][:5],
        "latency_s": {"p50": p(lat, 50), "p95": p(lat, 95), "max": max(lat, default=None)},
        "latency_before_kill_s": {"p50": p(before, 50), "p95": p(before, 95)},
        "latency_after_kill_s": {"p50": p(after, 50), "p95": p(after, 95)},
        "dead_replica_students": len(on_victim),
        "back_on_a_live_replica": len(back),
        "back_with_the_same_view": sum(1 for m in back.values() if m["same_view"]),
        "back_s_after_kill": {"min": min(backs, default=None), "p50": p(backs, 50),
                              "max": max(backs, default=None)},
        "routed_s_after_kill": {"min": min(routed, default=None), "p50": p(routed, 50),
                                "max": max(routed, default=None)},
        "back_per_student": {sid: {k: m[k] for k in ("to", "same_view", "routed_s_after_kill",
                                                     "back_s_after_kill")}
                             for sid, m in sorted(back.items())},
        "other_students": len(others), "other_students_who_noticed": noticed,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=60)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--interactions", type=int, default=16)
    ap.add_argument("--kill-after", type=float, default=15.0)
    ap.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0))
    ap.add_argument("--ramp", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--backend-line", action="append", default=[], metavar="LINE",
                    help="add a line to the docs' backend, e.g. 'option redispatch' (repeatable)")
    ap.add_argument("--json", type=Path, default=RESULTS / "school_failover.json")
    args = ap.parse_args(argv)
    if not 2 <= args.replicas <= 8 or not 1 <= args.students <= 200:
        ap.error("2-8 replicas, 1-200 students")

    haproxy = ensure_haproxy()
    work = Path(tempfile.mkdtemp(prefix="school_"))
    os.environ.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(16))
    procs: dict[str, subprocess.Popen] = {}
    ports: dict[str, int] = {}
    lb = None
    try:
        for i in range(1, args.replicas + 1):
            proc, url, _ = start_server(work / f"app{i}.log", timeout_s=120)
            procs[f"app{i}"], ports[f"app{i}"] = proc, int(url.rsplit(":", 1)[1])
        port = free_port()
        cfg = work / "haproxy.cfg"
        cfg.write_text(haproxy_config(port, ports, args.backend_line), encoding="utf-8")
        subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], check=True)
        with open(work / "lb.log", "wb") as log:
            lb = subprocess.Popen([haproxy, "-db", "-f", str(cfg)], stdout=log,
                                  stderr=subprocess.STDOUT)
        proxy = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not healthy(proxy):
            if time.monotonic() > deadline or lb.poll() is not None:
                raise SystemExit(f"haproxy did not serve; see {work / 'lb.log'}")
            time.sleep(0.1)
        time.sleep(3)  # every replica seen healthy by the proxy's checks
        load_before = os.getloadavg()
        out = asyncio.run(lesson(args, proxy, procs))
        result = summary(out)
        result.update(load_average_before=load_before, load_average_after=os.getloadavg(),
                      cpus=os.cpu_count(), haproxy=subprocess.run(
                          [haproxy, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
                      config=cfg.read_text(encoding="utf-8"), args=vars(args) | {"json": None})
    finally:
        if lb is not None and lb.poll() is None:
            lb.terminate()
            lb.wait(timeout=10)
        for proc in procs.values():
            stop_server(proc)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    data = {**result, "students": [asdict(s) for s in out["students"]]}
    args.json.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    r = result
    print(f"{args.students} students, {args.replicas} replicas behind {r['haproxy']}")
    print(f"students per replica at the kill: {r['replica_students']}; killed {r['killed']} "
          f"at {r['killed_at_s']} s into the lesson")
    print(f"actions {r['actions']}, errors {r['errors']} {r['error_samples'][:3]}")
    lat = r["latency_s"]
    print(f"latency p50 {lat['p50']:.3f} s, p95 {lat['p95']:.3f} s, max {lat['max']:.3f} s; "
          f"before the kill {r['latency_before_kill_s']}, after {r['latency_after_kill_s']}")
    b = r["back_s_after_kill"]
    print(f"dead replica's students: {r['dead_replica_students']}, back on a live replica "
          f"{r['back_on_a_live_replica']}, with the same view {r['back_with_the_same_view']}; "
          f"seconds from the kill: min {b['min']}, p50 {b['p50']}, max {b['max']}")
    ro = r["routed_s_after_kill"]
    print(f"  of which the proxy answering from a live replica: min {ro['min']}, "
          f"p50 {ro['p50']}, max {ro['max']} (the rest: the view's first run)")
    print(f"other students: {r['other_students']}, of whom noticed anything: "
          f"{r['other_students_who_noticed'] or 'none'}")
    print(f"load average before {load_before}, after {r['load_average_after']} "
          f"({os.cpu_count()} CPUs, shared)")
    print(f"written to {args.json}")
    ok = (r["errors"] == 0 and not r["other_students_who_noticed"]
          and r["back_with_the_same_view"] == r["dead_replica_students"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
