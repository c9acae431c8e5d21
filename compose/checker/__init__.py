"""Checking a recipe before any training code runs: the graph and every shape (the plan),
the stable rewrites, the train section (optimizers, metrics, variants), size limits, the
JSON Schema and the summary table."""
