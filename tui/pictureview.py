"""A widget for pictures of coloured cells: the decision over the plane and the units.

Textual's Static turns styled text into its own content again at each update, in the
app's thread, four times a second while training (and its leftovers keep Python's garbage
collector busy). Rendered by rich once per picture, the same rows cost a small fraction of
that (docs/editor.md, Latency), and each frame draws the strips made then.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class PictureView(Widget):
    """Shows a rich Text picture (one line a row, cropped, never wrapped) as it is."""

    DEFAULT_CSS = "PictureView { height: auto; width: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = Text()  # the picture shown: what a person sees, cell by cell
        self._strips: list[Strip] = []

    def show(self, text: Text | None) -> None:
        """Show `text` (None: nothing); the screen is laid out again only when the
        picture's size changes."""
        text = text if text is not None else Text()
        lines = list(Segment.split_lines(text.render(self.app.console, end="")))
        strips = [Strip(line) for line in lines] if text.plain else []
        resized = [s.cell_length for s in strips] != [s.cell_length for s in self._strips]
        self.text, self._strips = text, strips
        self.refresh(layout=resized)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((strip.cell_length for strip in self._strips), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._strips)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y >= len(self._strips):
            return Strip.blank(width, self.rich_style)
        # The widget's own style underneath: cells the picture leaves unstyled (a caption,
        # the gaps between units) take the panel's colours, as a Static's would
        return self._strips[y].extend_cell_length(width).crop(0, width).apply_style(self.rich_style)
