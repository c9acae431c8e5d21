"""The `compose` command: arguments, commands, progress on the terminal, signals.
The only part of compose that opens the editor (tui)."""
