"""Training: the session that any driver advances (the command line, the editor, Python),
its compiled steps and calls, records, early stopping, populations, and the listener
interface through which everything else watches it."""
