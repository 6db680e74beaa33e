"""Model backends: one async streaming interface, three implementations."""
