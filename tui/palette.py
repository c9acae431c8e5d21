"""The palette: every block (and the recipe's networks), filtered as you type."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui import catalog


class Palette(Vertical):
    """A filter field above the list of blocks; Enter on one picks it."""

    # Enter is the palette's own, wherever in it the focus is (the filter or the list)
    BINDINGS = [
        Binding("enter", "pick", "add the highlighted block", show=False, priority=True),
        Binding("down", "to_list", "To the list", show=False),
        Binding("ctrl+r", "pick('replace')", "make it the selected node's block", show=False),
        Binding(
            "ctrl+b", "pick('insert')", "put it into a wire into the selected node", show=False
        ),
    ]

    class Picked(Message):
        """A block (kind "block") or a network (kind "network") was picked: to add after
        the selection (`how` "add"), to replace its block ("replace") or to put into a wire
        into it ("insert")."""

        def __init__(self, name: str, kind: str, how: str = "add") -> None:
            self.name, self.kind, self.how = name, kind, how
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.networks: list[str] = []

    def compose(self):
        yield Input(placeholder="type to filter blocks", id="palette-filter", compact=True)
        yield OptionList(id="palette-list")
        yield Static("", id="palette-help")

    def on_mount(self) -> None:
        self.refill()

    def set_networks(self, names: list[str]) -> None:
        """The recipe's own networks, offered after the blocks."""
        if names != self.networks:
            self.networks = list(names)
            self.refill()

    def shown(self) -> list[str]:
        """The option ids now listed: block names, and `network:NAME` for networks."""
        listing = self.query_one("#palette-list", OptionList)
        return [listing.get_option_at_index(i).id for i in range(listing.option_count)]

    def refill(self) -> None:
        text = self.query_one("#palette-filter", Input).value
        listing = self.query_one("#palette-list", OptionList)
        listing.clear_options()
        options = [
            Option(_line((key[8:], "bold yellow"), "a network of this recipe"), id=key)
            if key.startswith("network:")
            else Option(_line((key, "bold"), catalog.one_line(key)), id=key)
            for key in catalog.matches(text, self.networks)
        ]
        listing.add_options(options)
        if options:
            listing.highlighted = 0
        self._describe()

    @on(Input.Changed, "#palette-filter")
    def _filtered(self) -> None:
        self.refill()

    @on(OptionList.OptionHighlighted, "#palette-list")
    def _highlighted(self) -> None:
        self._describe()

    @on(OptionList.OptionSelected, "#palette-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option.id)

    def action_pick(self, how: str = "add") -> None:
        listing = self.query_one("#palette-list", OptionList)
        if listing.highlighted is not None:
            self._pick(listing.get_option_at_index(listing.highlighted).id, how)

    def action_to_list(self) -> None:
        self.query_one("#palette-list", OptionList).focus()

    def _pick(self, option_id: str | None, how: str = "add") -> None:
        if option_id is None:
            return
        kind, _, name = option_id.rpartition(":")
        self.post_message(self.Picked(name, kind or "block", how))

    def _describe(self) -> None:
        listing = self.query_one("#palette-list", OptionList)
        help_box = self.query_one("#palette-help", Static)
        if listing.highlighted is None:
            help_box.update("no block matches" if not listing.option_count else "")
            return
        option_id = listing.get_option_at_index(listing.highlighted).id or ""
        if option_id.startswith("network:"):
            help_box.update(f"network {option_id[8:]}: defined in this recipe")
            return
        block = catalog.block(option_id)
        help_box.update(Text.assemble((option_id, "bold"), ": ", block.doc if block else ""))


def _line(name: tuple[str, str], help_line: str) -> Text:
    """One option: the name, then its help cut to the line (the full doc shows below)."""
    text = Text.assemble(name, "  ", (help_line, "dim"), no_wrap=True, overflow="ellipsis")
    return text
