"""Encrypted, signed batches between installations (built on the change journal)."""
