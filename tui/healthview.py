"""The widgets that show health: the table of every node (Train tab), one node's report
(inspector), and the legend of the graph's colours."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.widgets import DataTable, Sparkline, Static

from tui.health import COLOURS, MEANINGS, Look, NodeReport, Row, number, percent

COLUMNS = ("node", "grad", "weight", "update", "dead", "sat.")


def legend() -> Text:
    """What each colour of a box means, one line each."""
    lines = [Text.assemble(("■ ", COLOURS[s]), MEANINGS[s]) for s in COLOURS if s != "idle"]
    lines.append(Text.assemble(("■ ", COLOURS["idle"]), MEANINGS["idle"]))
    return Text("\n").join(lines)


class HealthTable(DataTable):
    """One row per node at the latest look (keyed by its path): gradient norm, weight
    norm, update per step, dead and saturated fractions; the name in its state's colour."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self._columns = self.add_columns(*COLUMNS)
        self._paths: list[str] = []

    def show(self, look: Look) -> None:
        """The rows of a look: the cells changed in place when the nodes are the same."""
        paths = [row.path for row in look.rows]
        if paths != self._paths:
            self.clear()
            for row in look.rows:
                self.add_row(*_cells(row), key=row.path)
            self._paths = paths
            return
        for row in look.rows:
            for column, cell in zip(self._columns, _cells(row), strict=True):
                self.update_cell(row.path, column, cell)

    def cells(self, path: str) -> list[str]:
        """The row of node `path` as text (what a person reads)."""
        return [str(cell) for cell in self.get_row(path)]


class NodeHealthView(Vertical):
    """One node's health in the inspector: its numbers, the gradient norm over training
    (a Sparkline of log10, one bar a look), histograms of its activations and gradients,
    its flags, and the failure when training stopped or paused on it."""

    def __init__(self, report: NodeReport | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.report = report

    def compose(self):
        yield Static("", id="health-failure", classes="problem")
        yield Static("", id="health-title", classes="section")
        yield Static("", id="health-lines")
        yield Static("gradient norm over training (log10)", id="health-history-label")
        yield Sparkline([], id="health-history")
        yield Static("", id="health-histograms")
        yield Static("", id="health-flags", classes="problem")

    def on_mount(self) -> None:
        self.ready = True
        self.show(self.report)

    ready = False  # its children are mounted (until then, `show` only keeps the report)

    def show(self, report: NodeReport | None) -> None:
        self.report = report
        self.display = report is not None
        if report is None or not self.ready:
            return
        try:
            self._fill(report)
        except NoMatches:  # being removed (the inspector recomposes): nothing to show
            pass

    def _fill(self, report: NodeReport) -> None:
        failure = self.query_one("#health-failure", Static)
        failure.update(report.failure)
        failure.display = bool(report.failure)
        self.query_one("#health-title", Static).update(
            Text(report.title, style=f"bold {COLOURS[report.state]}")
        )
        self.query_one("#health-lines", Static).update("\n".join(report.lines))
        history = self.query_one("#health-history", Sparkline)
        history.data = list(report.history)
        history.display = len(report.history) > 1
        self.query_one("#health-history-label").display = history.display
        drawn = Text()
        for label, rows in report.histograms:
            drawn.append(f"{label}\n", style="dim")
            for row in rows:
                drawn.append(f"{row}\n", style="cyan")
        drawn.rstrip()
        self.query_one("#health-histograms", Static).update(drawn)
        flags = self.query_one("#health-flags", Static)
        flags.update("\n".join(report.flags))
        flags.display = bool(report.flags)


def _cells(row: Row) -> tuple[Text | str, ...]:
    grad = number(row.grad_norm)
    if row.grad_norm is None and row.note.startswith("fused"):
        grad = "fused"
    return (
        Text(row.path, style=COLOURS[row.state]),
        grad,
        number(row.weight_norm),
        number(row.update),
        percent(row.dead),
        percent(row.saturated),
    )
