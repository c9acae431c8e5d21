"""The Textual terminal editor (`compose edit`): not built yet. It will use compose's API only."""
