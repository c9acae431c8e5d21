"""The Textual terminal editor, `compose edit RECIPE`: the graph, a palette of blocks, an
inspector, the problems, editing through `compose.Document`, and training with live curves.

Uses compose's public API only (and the block registry in tui/catalog.py); the only package
that imports textual. Start it with `tui.app.run(path)`.
"""
