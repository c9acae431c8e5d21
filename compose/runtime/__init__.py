"""What every layer stands on: devices and sharding, the compiled-program caches, atomic
file writes and strict JSON. Knows nothing of recipes."""
