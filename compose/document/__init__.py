"""The document the editor edits: a recipe in memory whose nodes, wires and values keep
their place in the text, changed by undoable operations and written back round-trip."""
