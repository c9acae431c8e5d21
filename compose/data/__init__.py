"""Training data: the sources a recipe names (generated sets, files, scikit-learn's),
checked cheaply from what they say they give, then loaded once and split."""
