"""The key bar at the bottom of the editor: Textual's Footer, rebuilt only when its keys change."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's Footer, which rebuilds a widget per key whenever the screen says its
    bindings may have changed (at every focus change, and several times as the editor
    starts), even when the keys are the same. This one passes the change on only when the
    screen's active bindings (each key's binding, whether it is enabled, its tooltip) differ
    from those it last drew: the same bar, drawn by Textual's code, without rebuilding it
    for nothing."""

    _drawn: tuple | None = None

    def bindings_changed(self, screen: Any) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            keys = tuple(
                (key, active.binding, active.enabled, active.tooltip)
                for key, active in screen.active_bindings.items()
            )
            if keys == self._drawn:
                return
            self._drawn = keys
        super().bindings_changed(screen)
