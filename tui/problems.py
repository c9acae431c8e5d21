"""The problems list: each problem as `compose check` prints it; Enter jumps to its node."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.scene import Scene


class ProblemList(OptionList):
    """One option per problem; choosing one asks the app to select its node."""

    # OptionList's own Enter, said as what it does here (the help lists it)
    BINDINGS = [Binding("enter", "select", "select the problem's node", show=False)]

    class Jump(Message):
        """Select the box named `name` (the node the chosen problem is on)."""

        def __init__(self, name: str) -> None:
            self.name = name
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._owners: list[str | None] = []

    def show(self, scene: Scene) -> None:
        self.clear_options()
        self._owners = [p.node for p in scene.problems]
        if not scene.problems:
            self.add_option(Option(Text("no problems: compose check passes", style="green")))
            return
        for i, problem in enumerate(scene.problems):
            self.add_option(Option(Text(problem.text), id=f"problem-{i}"))
        self.highlighted = 0

    def texts(self) -> list[str]:
        """The problems as listed (what a person reads)."""
        return [str(self.get_option_at_index(i).prompt) for i in range(self.option_count)]

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if index < len(self._owners) and self._owners[index]:
            self.post_message(self.Jump(self._owners[index]))
