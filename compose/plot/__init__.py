"""Pictures of a run folder as PNG files (matplotlib is imported only here)."""
