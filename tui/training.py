"""Training from the editor: the listeners that watch the session, and the Train tab.

The session is compose's own (`compose.Session`): prepared and run in a process of its own
(tui/training_process.py), steered by the training controller (tui/training_control.py)
with pause, step_once, resume and stop, and watched there by Listeners whose words come
back to the app's thread, so the screen never waits on it: each record (Forward), each
node's health every few log points (tui/healthwatch.py) and, for a model of a 2-D input,
the decision over the plane (tui/plane.py).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static

import compose
from tui.collector import freeze_long_lived
from tui.curves import Curve, step_axis
from tui.field import Field
from tui.health import Look
from tui.healthview import HealthTable, legend
from tui.healthwatch import HEALTH_EVERY
from tui.pictureview import PictureView
from tui.plane import Pictures


class Forward(compose.Listener):
    """Hands the log points to `tell(records, total)` (which passes them to the app's
    thread): at most every `seconds`, the records since the last time together (at once
    while paused, and at the end), so a run that logs fifty times a second does not keep
    the screen redrawing."""

    def __init__(
        self, tell: Callable[[list[dict[str, Any]], int], None], seconds: float = 0.1
    ) -> None:
        self.tell, self.seconds = tell, seconds
        self._records: list[dict[str, Any]] = []
        self._sent = 0.0
        self._lock = threading.Lock()  # `flush` comes from another thread than training

    def logged(self, session: Any, record: dict[str, Any]) -> None:
        with self._lock:
            self._records.append(dict(record))
        if session.paused or time.perf_counter() - self._sent >= self.seconds:
            self.flush(session)

    def finished(self, session: Any, result: Any) -> None:
        self.flush(session)

    def flush(self, session: Any) -> None:
        """Hand over the records not yet sent (from any thread but the app's): a session
        that paused itself on a failure logs nothing more until it is stopped."""
        with self._lock:  # held while the app takes them, so records arrive in order
            records, self._records = self._records, []
            if not records:
                return
            self._sent = time.perf_counter()
            self.tell(records, session.total)


class FailureWatch(compose.Listener):
    """Tells `tell(failure)` (which passes it to the app's thread) when the run holds on a
    step that was not finite (a new failure each time it refuses the step again), and
    `tell(None)` once such a step has gone through: the session's own events, no polling."""

    def __init__(self, tell: Callable[[Any], None]) -> None:
        self.tell, self._failing = tell, False

    def paused(self, session: Any) -> None:
        if session.failure is not None:
            self._failing = True
            self.tell(session.failure)

    def advanced(self, session: Any) -> None:
        if self._failing and session.failure is None:
            self._failing = False
            self.tell(None)


class Held(compose.Listener):
    """Tells `tell(step, total)` when the run holds without a failure (asked to pause, or
    after a single step): the status says where it stands even between log points."""

    def __init__(self, tell: Callable[[int, int], None]) -> None:
        self.tell = tell

    def paused(self, session: Any) -> None:
        if session.failure is None:
            self.tell(session.step, session.total)


class Started(compose.Listener):
    """Hands the prepared session to `callback` (in the training thread), so that the app
    can steer it: pause, step, resume, stop."""

    def __init__(self, callback: Any) -> None:
        self.callback = callback

    def started(self, session: Any) -> None:
        self.callback(session)


def failure_note(failure: Any, *, paused: bool) -> str:
    """The status line's words on a run that stopped, or is paused, on a failure (a
    compose.Failure: a step whose values were not finite)."""
    if not paused:
        return f"training stopped: {failure.message}"
    return f"training paused: {failure.message}; x stops, keeping the last good weights"


def paused_text(failure: Any, total: int, *, tries: int = 1) -> str:
    """Where training stands while paused on `failure`: what happened, and what stopping
    and trying again do; `tries`: how many times the step has been refused."""
    good = failure.step - 1  # steps taken: the weights are those after them
    again = f"step {failure.step} tried again: refused again ({tries} tries)\n" if tries > 1 else ""
    return (
        f"paused after {good}/{total} steps: {failure.message}\n{again}"
        f"x stops and writes the run folder with the last good weights (after {good} "
        f"steps); space or n tries step {failure.step} again"
    )


class FreezePrepared(compose.Listener):
    """Once the session is prepared (and the listeners before this one have started),
    collects the garbage and freezes what is left: the compiled programs and the data
    stay for the whole run, and no full collection need walk them again (tui/collector.py)."""

    def started(self, session: Any) -> None:
        freeze_long_lived(collect=True)


# The train settings the panel offers: field, its key in the train section, its kind.
SETTINGS = (
    ("dataset", ("data", "dataset"), "text"),
    ("batch", ("batch",), "integer"),
    ("steps", ("steps",), "integer"),
    ("optimizer", ("optimizer",), "text"),
    ("rate", ("optimizer",), "number"),
    ("metrics", ("metrics",), "text"),
)
DEFAULT_FOLDER = "runs/NAME-DATE-TIME"  # compose run's default, beside where it is run


class TrainPanel(VerticalScroll):
    """Where training stands, the loss and metric curves, the final metrics, the decision
    over the plane (2-D inputs), every node's health, and the train section's main
    settings as fields (Enter sets one)."""

    class Setting(Message):
        """The user typed `value` into the train setting `name` (one of SETTINGS)."""

        def __init__(self, name: str, value: str) -> None:
            self.name, self.value = name, value
            super().__init__()

    def compose(self):
        yield Static("t trains the recipe as its train section says", id="train-status")
        for part in ("loss", "metric"):
            yield Label("loss" if part == "loss" else "", id=f"{part}-label")
            yield Curve(3, id=f"{part}-curve")
            yield Curve(2, id=f"val-{part}-curve", classes="val")
            yield Static(step_axis(None, None, 0), id=f"{part}-steps", classes="steps")
        yield Static("", id="train-final")
        yield Static("", id="plane-caption", classes="section")
        yield PictureView(id="plane")
        yield PictureView(id="plane-units")
        yield Label(
            f"health (every {HEALTH_EVERY} log points)", id="health-label", classes="section"
        )
        yield Static(legend(), id="health-legend")
        yield HealthTable(id="health-table", zebra_stripes=True)
        yield Static("", id="health-all-flags", classes="problem")
        yield Label("train section (Enter sets)", classes="section")
        for name, _, kind in SETTINGS:
            field = Field("", type=kind, id=f"train-{name}", compact=True)
            yield Horizontal(Label(name, classes="field-name"), field, classes="field")
        field = Field("", placeholder=DEFAULT_FOLDER, id="train-folder", compact=True)
        yield Horizontal(Label("folder", classes="field-name"), field, classes="field")
        yield Static(
            f"  the run folder t writes, as compose run --out; empty: {DEFAULT_FOLDER}",
            classes="doc",
        )

    def show_settings(self, train: Any) -> None:
        """Fill the fields from the train section's plain data (a mapping, or nothing)."""
        train = train if isinstance(train, dict) else {}
        data = train.get("data") if isinstance(train.get("data"), dict) else {}
        optimizer = train.get("optimizer")
        name, args = "", {}
        if isinstance(optimizer, dict) and len(optimizer) == 1:
            name, args = next(iter(optimizer.items()))
            args = args if isinstance(args, dict) else {}
        metrics = train.get("metrics")
        values = {
            "dataset": data.get("dataset", ""),
            "batch": train.get("batch", ""),
            "steps": train.get("steps", ""),
            "optimizer": name,
            "rate": args.get("learning_rate", ""),
            "metrics": ", ".join(map(str, metrics)) if isinstance(metrics, list) else "",
        }
        for key, value in values.items():
            field = self.query_one(f"#train-{key}", Input)
            if not field.has_focus:
                field.value = str(value)

    def setting(self, name: str) -> str:
        return self.query_one(f"#train-{name}", Input).value

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id and event.input.id.startswith("train-"):
            self.post_message(self.Setting(event.input.id[6:], event.value))

    def on_mount(self) -> None:
        self.pictures(None)
        self.health(None)

    def pictures(self, shown: Pictures | None) -> None:
        """Show the model over the plane (None hides it: not a model of a 2-D input)."""
        for name in ("plane-caption", "plane", "plane-units"):
            self.query_one(f"#{name}").display = shown is not None
        if shown is None:
            return
        # A picture is the same size each time: redraw it without laying the panel out
        again = self._pictured
        self._pictured = True
        self.query_one("#plane-caption", Static).update(shown.caption, layout=not again)
        self.query_one("#plane", PictureView).show(shown.decision)
        self.query_one("#plane", PictureView).display = shown.decision is not None
        self.query_one("#plane-units", PictureView).show(shown.units)

    def health(self, look: Look | None) -> None:
        """Show every node's health at a look (None hides the table)."""
        for name in ("health-label", "health-legend", "health-table", "health-all-flags"):
            self.query_one(f"#{name}").display = look is not None
        if look is None:
            return
        self.query_one("#health-label", Label).update(
            f"health at step {look.step} (every {HEALTH_EVERY} log points)", layout=False
        )
        self.query_one(HealthTable).show(look)
        if look.flags != self._flags:
            self._flags = look.flags
            self.query_one("#health-all-flags", Static).update("\n".join(look.flags))

    _pictured = False  # a picture of the plane has been shown since the last reset
    _flags: tuple[str, ...] = ()  # the flags shown under the health table

    def reset(self, metric: str | None) -> None:
        self.pictures(None)
        self.health(None)
        self._pictured, self._flags = False, ()
        self.query_one("#health-all-flags", Static).update("")
        self.losses: list[float] = []
        self.metric = metric
        self.values: list[float] = []
        self.val: dict[str, list[float]] = {"loss": [], "metric": []}  # validation curves
        self.steps: list[int] = []  # the steps logged, for the step axes
        for name in ("loss-curve", "metric-curve", "val-loss-curve", "val-metric-curve"):
            self.query_one(f"#{name}", Curve).data = []
        for name in ("val-loss-curve", "val-metric-curve"):
            self.query_one(f"#{name}", Curve).display = False
        for part in ("loss", "metric"):
            self.query_one(f"#{part}-steps", Static).update(step_axis(None, None, 0))
        for name in ("metric-curve", "metric-steps"):  # no metric: no curve for it
            self.query_one(f"#{name}").display = metric is not None
        self.query_one("#metric-label", Label).update(metric or "")
        self.query_one("#loss-label", Label).update("loss")
        self.query_one("#train-final", Static).update("")

    def status(self, text: str, style: str = "", *, layout: bool = True) -> None:
        """Say where training stands; `layout=False` for a line that keeps to one row."""
        self.query_one("#train-status", Static).update(Text(text, style=style), layout=layout)

    def logged(self, records: list[dict[str, Any]], total: int) -> None:
        """Add log points (in order) to the curves; say where the last one stands."""
        self.steps.extend(r["step"] for r in records if "step" in r)
        losses = _finite(records, "loss")
        if losses:
            self.losses.extend(losses)
            self.query_one("#loss-curve", Curve).data = self.losses
        values = _finite(records, self.metric) if self.metric else []
        if values:
            self.values.extend(values)
            self.query_one("#metric-curve", Curve).data = self.values
        for part, key in (("loss", "val_loss"), ("metric", f"val_{self.metric}")):
            found = _finite(records, key) if part == "loss" or self.metric else []
            if found:
                self.val[part].extend(found)
                curve = self.query_one(f"#val-{part}-curve", Curve)
                curve.data = self.val[part]
                curve.display = True
        for part in ("loss", "metric") if self.metric else ("loss",):
            width = self.query_one(f"#{part}-curve", Curve).line_width() or 24
            axis = step_axis(self.steps[0], self.steps[-1], width) if self.steps else ""
            self.query_one(f"#{part}-steps", Static).update(axis, layout=False)
        self._label("loss", "loss", self.losses)
        if self.metric:
            self._label("metric", self.metric, self.values)
        last = records[-1]
        took = compose.number(last.get("seconds", 0), ".1f")
        self.status(f"step {last['step']}/{total}  {took} s", layout=False)

    def _label(self, part: str, name: str, train: list[float]) -> None:
        """A curve's label: its latest value, and the latest on the validation set."""
        if not train:
            return
        val = self.val[part]
        said = f"{name} {compose.number(train[-1])}"
        said += f"  val {compose.number(val[-1])} (lower curve)" if val else ""
        self.query_one(f"#{part}-label", Label).update(said, layout=False)

    def finished(
        self, metrics: dict[str, float], stopped: str, steps: int, folder: Any = None
    ) -> None:
        lines = [f"  {k} {compose.number(v, '.4f')}" for k, v in metrics.items()]
        done = f"stopped after {steps} steps: {stopped}" if stopped else f"finished {steps} steps"
        self.status(done, "red" if stopped and stopped != "stopped" else "green")
        heading = ["final (measured on each set)"] if lines else []
        kept = [f"run folder {folder}"] if folder is not None else []
        self.query_one("#train-final", Static).update(
            Text("\n".join([*heading, *lines, *kept]), style="bold")
        )


def _finite(records: list[dict[str, Any]], key: str) -> list[float]:
    """The finite values of `key` in the records that have it, in order."""
    found = [r[key] for r in records if r.get(key) is not None]
    return [v for v in found if math.isfinite(v)]
