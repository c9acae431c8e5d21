"""Recipes as data: the located YAML reader, parsing into plain records, network
resolution, the problems every stage reports, and what a number in a recipe may be."""
