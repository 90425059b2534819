"""Use cases in plain Python: callable from the UI, the CLI and tests. No Qt here."""
