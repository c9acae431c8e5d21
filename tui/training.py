"""Training from the editor: the session runs in a worker thread and reports to the app.

The session is compose's own (`compose.Session`): prepared and run in a thread, steered
from the app with pause, step_once, resume and stop, and watched by a Listener that hands
each record to the app's thread with `call_from_thread`, so the screen never waits on it.
"""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual import on
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Sparkline, Static

import compose


class Forward(compose.Listener):
    """Hands each log point to the app, on the app's own thread."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def logged(self, session: Any, record: dict[str, Any]) -> None:
        self.app.call_from_thread(self.app.training_logged, dict(record), session.total)


# The train settings the panel offers: field, its key in the train section, its kind.
SETTINGS = (
    ("dataset", ("data", "dataset"), "text"),
    ("batch", ("batch",), "integer"),
    ("steps", ("steps",), "integer"),
    ("optimizer", ("optimizer",), "text"),
    ("rate", ("optimizer",), "number"),
    ("metrics", ("metrics",), "text"),
)


class TrainPanel(VerticalScroll):
    """Where training stands, the loss and metric curves, the final metrics, and the train
    section's main settings as fields (Enter sets one)."""

    class Setting(Message):
        """The user typed `value` into the train setting `name` (one of SETTINGS)."""

        def __init__(self, name: str, value: str) -> None:
            self.name, self.value = name, value
            super().__init__()

    def compose(self):
        yield Static("t trains the recipe as its train section says", id="train-status")
        yield Label("loss", id="loss-label")
        yield Sparkline([], id="loss-curve")
        yield Label("", id="metric-label")
        yield Sparkline([], id="metric-curve")
        yield Static("", id="train-final")
        yield Label("train section (Enter sets)", classes="section")
        for name, _, kind in SETTINGS:
            field = Input("", type=kind, id=f"train-{name}", compact=True)
            yield Horizontal(Label(name, classes="field-name"), field, classes="field")

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

    def reset(self, metric: str | None) -> None:
        self.losses: list[float] = []
        self.metric = metric
        self.values: list[float] = []
        self.query_one("#loss-curve", Sparkline).data = []
        self.query_one("#metric-curve", Sparkline).data = []
        self.query_one("#metric-label", Label).update(metric or "")
        self.query_one("#loss-label", Label).update("loss")
        self.query_one("#train-final", Static).update("")

    def status(self, text: str, style: str = "") -> None:
        self.query_one("#train-status", Static).update(Text(text, style=style))

    def logged(self, record: dict[str, Any], total: int) -> None:
        loss = record.get("loss")
        if loss is not None and math.isfinite(loss):
            self.losses.append(loss)
            self.query_one("#loss-curve", Sparkline).data = list(self.losses)
            self.query_one("#loss-label", Label).update(f"loss {loss:.4g}")
        if self.metric and record.get(self.metric) is not None:
            self.values.append(record[self.metric])
            self.query_one("#metric-curve", Sparkline).data = list(self.values)
            self.query_one("#metric-label", Label).update(
                f"{self.metric} {record[self.metric]:.4g}"
            )
        self.status(f"step {record['step']}/{total}  {record.get('seconds', 0):.1f} s")

    def finished(self, metrics: dict[str, float], stopped: str, steps: int) -> None:
        lines = [f"  {k} {v:.4f}" for k, v in metrics.items()]
        done = f"stopped after {steps} steps: {stopped}" if stopped else f"finished {steps} steps"
        self.status(done, "red" if stopped and stopped != "stopped" else "green")
        self.query_one("#train-final", Static).update(
            Text("\n".join(["final (measured on each set)", *lines]), style="bold")
        )
