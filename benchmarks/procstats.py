"""Process statistics from Linux's /proc: resident memory, its peak, CPU time, the processes
below one, and a sampler of the app server's and the browsers' memory over a run.

Used by classroom.py (sampler), ui_speed.py (the server's CPU per interaction) and
hostile_visitor.py (the server's peak memory)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, name: str) -> int | None:
    """A `kB` line of /proc/<pid>/status (VmRSS, VmHWM, ...): None if the process is gone, 0 if
    it has no such line (a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


def rss_kb(pid: int) -> int | None:
    """Resident memory (VmRSS) of a process, in kB."""
    return status_kb(pid, "VmRSS")


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) of a process in MB: its peak resident memory and its current one."""
    text = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.partition(":")[::2] for line in text.splitlines())
    kb = lambda k: float(fields[k].split()[0]) / 1024 if k in fields else float("nan")  # noqa: E731
    return kb("VmHWM"), kb("VmRSS")


def cpu_s(pid: int) -> float | None:
    """User + system CPU time of a process (threads included), in seconds; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def descendants(root: int) -> set[int]:
    """Every process below `root` (from each process' parent id in /proc/<pid>/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


async def sample_memory(server_pid: int, samples: list[dict], stop: asyncio.Event,
                        every_s: float = 0.5) -> None:
    """Until `stop`: every `every_s` seconds, append to `samples` the server's RSS and CPU
    time, the RSS of every other process this one started (the browsers) and the load."""
    start = time.monotonic()
    while not stop.is_set():
        clients = descendants(os.getpid()) - {server_pid} - descendants(server_pid)
        samples.append({
            "t_s": round(time.monotonic() - start, 2),
            "mono": time.monotonic(),
            "server_rss_kb": rss_kb(server_pid),
            "server_cpu_s": cpu_s(server_pid),
            "browsers_rss_kb": sum(rss_kb(p) or 0 for p in clients),
            "loadavg_1min": os.getloadavg()[0],
        })
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)
