"""The Textual terminal editor (`compose edit`). Not built yet; it will use compose's public API only."""
