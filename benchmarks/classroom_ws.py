"""Classroom (benchmarks/classroom.py --clients ws): each student is a websocket speaking
Streamlit's own protocol (BackMsg / ForwardMsg protobufs on /_stcore/stream), as the browser
does, but with nothing to render: the latency is the server's answer, and one machine can play
a large class. Like the browser, each rerun carries the value of every widget the student has
set so far (the new one included; a button's trigger only once); the player (a pure browser
feature) becomes a jump of the step slider, which is a server round trip.

hostile_visitor.py times the server alone with the same client (WsStudent)."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

from benchmarks.classroom_records import (
    KERNEL_PRESETS,
    KINDS,
    PRESET_NAMES,
    Barrier,
    InteractionError,
    Run,
    Sample,
)

WS_KINDS = {"player": "step"}


class WsStudent:
    """One Streamlit session driven over the websocket."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.ids: dict[str, str] = {}  # widget key -> widget id (from the last run)
        self.query = "lang=en"
        self.edits: dict[str, dict] = {}  # grid editor key -> its cumulative edited_rows
        self.values: dict[str, object] = {}  # widget id -> the last WidgetState sent
        self.steps = 1

    async def rerun(self, widgets: list, timeout_s: float) -> tuple[float, list[str]]:
        """Send a rerun with these widget states; wait for the run's end. Returns (seconds,
        exception messages drawn)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        sent = {**self.values, **{w.id: w for w in widgets}}
        msg.rerun_script.widget_states.widgets.extend(sent.values())
        self.values = {i: w for i, w in sent.items() if w.WhichOneof("value") != "trigger_value"}
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        exceptions: list[str] = []
        ids: dict[str, str] = {}
        deadline = start + timeout_s
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {timeout_s:.0f} s")
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=left))
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                name = el.WhichOneof("type")
                if name == "exception":
                    exceptions.append(f"{el.exception.type}: {el.exception.message}"[:200])
                    continue
                wid = getattr(getattr(el, name), "id", "") if name else ""
                if wid.startswith("$$ID-"):
                    ids[wid.rsplit("-", 1)[-1]] = wid
                if name == "slider" and wid.endswith("-jump"):  # counts steps from 1
                    self.steps = int(el.slider.max)
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "script_finished" and fm.script_finished != 2:  # 2: early, rerun
                break
        if ids:
            self.ids = ids
            alive = set(ids.values())  # widgets no longer on the page are not sent again
            self.values = {i: w for i, w in self.values.items() if i in alive}
        return time.perf_counter() - start, exceptions

    def widget(self, key: str):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if key not in self.ids:
            raise InteractionError(f"no widget with key {key!r} on the page")
        return WidgetState(id=self.ids[key])

    def param(self, name: str) -> str:
        """The first number of a pair parameter (k, s) in the page's query string."""
        from urllib.parse import parse_qs

        return parse_qs(self.query).get(name, ["0"])[0].split("x")[0]


def action(me: WsStudent, sid: int, i: int, rng: random.Random, preset: list[str]) -> list:
    """Student `sid`'s action i of the rotation (KINDS, the player as the step slider): its
    [kind, widget], the widget's new value set. `preset` holds the preset last chosen (one
    item, replaced when the action picks another)."""
    kind = WS_KINDS.get(KINDS[i % len(KINDS)], KINDS[i % len(KINDS)])
    if kind in ("kernel", "stride"):
        key, (a, b), q = (("kh", ("2", "3"), "k") if kind == "kernel" else ("sh", ("1", "2"), "s"))
        w = me.widget(key)
        w.double_value = float(b if me.param(q) == a else a)
    elif kind == "step":
        w = me.widget("jump")  # the jump slider counts from 1
        w.double_array_value.data.append(float(rng.randrange(me.steps) + 1))
    elif kind == "cell":
        editor = next((k for k in me.ids if k.startswith("grid_editor_")), None)
        if editor is None:
            raise InteractionError("no grid editor on the page")
        rows = me.edits.setdefault(editor, {})
        rows.setdefault(str(i % 3), {})[str((i // 3) % 4)] = f"{sid + 1}.{i + 1:02d}"
        w = me.widget(editor)
        w.json_value = json.dumps({"edited_rows": rows})
    elif kind == "preset":
        preset[0] = rng.choice([p for p in KERNEL_PRESETS if p != preset[0]])
        w = me.widget("preset")
        w.string_value = PRESET_NAMES[preset[0]]
    else:
        w = me.widget("load_preset")
        w.trigger_value = True
    return [kind, w]


async def ws_student(sid: int, url: str, args: argparse.Namespace, run: Run,
                     rng: random.Random, barrier: Barrier) -> None:
    import websockets

    await asyncio.sleep(rng.uniform(0, args.ramp))
    stream = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        ws = await asyncio.wait_for(
            websockets.connect(stream, subprotocols=["streamlit"], max_size=None),
            timeout=args.open_timeout)
    except (OSError, TimeoutError, websockets.WebSocketException) as e:
        run.open_errors.append(f"session {sid}: connect: {type(e).__name__}: {e}")
        barrier.arrive()
        return
    async with ws:
        me = WsStudent(ws)
        try:
            latency, shown = await me.rerun([], args.open_timeout)
            if shown:
                raise InteractionError("exception on page: " + " | ".join(shown))
        except (TimeoutError, InteractionError, websockets.WebSocketException) as e:
            run.open_errors.append(f"session {sid}: {type(e).__name__}: {e}")
            return
        finally:
            barrier.arrive()
        run.opens.append(latency)
        await barrier.event.wait()
        preset = ["overlap_6x6"]
        for i in range(args.interactions):
            await asyncio.sleep(rng.uniform(*args.think))
            kind = WS_KINDS.get(KINDS[i % len(KINDS)], KINDS[i % len(KINDS)])
            error, latency = None, None
            try:
                _, w = action(me, sid, i, rng, preset)
                latency, shown = await me.rerun([w], args.timeout)
                if shown:
                    error = "exception on page: " + " | ".join(shown)
            except (TimeoutError, InteractionError, websockets.WebSocketException) as e:
                error = f"{type(e).__name__}: {e}"
            run.samples.append(Sample(sid, i, kind, None if error else latency, error,
                                      None, None if error else latency))
            if isinstance(error, str) and "ConnectionClosed" in error:
                break
