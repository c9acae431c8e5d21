"""The modal screens: help (every key), yes-or-no questions, a line of text, a choice."""

from __future__ import annotations

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


def key_table(groups: list[tuple[str, list[Binding]]]) -> Table:
    """The keys of each group of bindings, with what they do."""
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("does")
    for title, bindings in groups:
        table.add_row("", "")
        table.add_row("", f"[b]{title}[/b]")
        for binding in bindings:
            keys = ", ".join(_key_name(k) for k in binding.key.split(","))
            table.add_row(keys, binding.tooltip or binding.description)
    return table


def _key_name(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "plus": "+", "full_stop": "."}
    return names.get(key, key)


class HelpScreen(ModalScreen[None]):
    """Every key the editor knows, by where it works; Escape or ? closes it."""

    BINDINGS = [Binding("escape,question_mark,q,f1", "dismiss", "Close")]

    def __init__(self, groups: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static("[b]compose edit: keys[/b]  (Escape closes)", id="help-title")
            yield Static(key_table(self.groups), id="help-keys")


class Confirm(ModalScreen[bool]):
    """A yes-or-no question: y answers yes, n or Escape no."""

    BINDINGS = [
        Binding("y", "answer(True)", "yes"),
        Binding("n,escape", "answer(False)", "no, or cancel"),
    ]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body"):
            yield Static(self.question, id="confirm-text")
            yield Static(f"[b]y[/b] {self.yes}   [b]n[/b] {self.no}")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class Prompt(ModalScreen[str | None]):
    """Asks for one line of text: Enter answers, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("enter", "done", "done", priority=True),  # before the Input submits it
    ]

    def __init__(self, question: str, value: str = "", *, placeholder: str = "") -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-body"):
            yield Static(self.question)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("Enter: done   Escape: cancel", classes="doc")

    def action_done(self) -> None:
        self.dismiss(self.query_one("#prompt-input", Input).value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class Pick(ModalScreen[str | None]):
    """Choose one of a list, filtered as you type: Enter picks, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("down", "move(1)", "next", show=False),
        Binding("up", "move(-1)", "previous", show=False),
    ]

    def __init__(self, question: str, items: list[tuple[str, str]]) -> None:
        """`items` are (id, text) pairs; the answer is the picked id."""
        super().__init__()
        self.question, self.items = question, items

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-body"):
            yield Static(self.question)
            yield Input(placeholder="type to filter", id="pick-filter", compact=True)
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._fill("")

    @on(Input.Changed, "#pick-filter")
    def _filtered(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, text: str) -> None:
        listing = self.query_one("#pick-list", OptionList)
        listing.clear_options()
        wanted = text.strip().lower()
        listing.add_options(
            [Option(label, id=key) for key, label in self.items if wanted in label.lower()]
        )
        if listing.option_count:
            listing.highlighted = 0

    def action_move(self, step: int) -> None:
        listing = self.query_one("#pick-list", OptionList)
        if listing.option_count:
            now = listing.highlighted or 0
            listing.highlighted = max(0, min(listing.option_count - 1, now + step))

    @on(Input.Submitted, "#pick-filter")
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        listing = self.query_one("#pick-list", OptionList)
        if listing.highlighted is not None:
            self.dismiss(listing.get_option_at_index(listing.highlighted).id)

    @on(OptionList.OptionSelected, "#pick-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
