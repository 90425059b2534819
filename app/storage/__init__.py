"""Encrypted storage: SQLCipher engine, keys, migrations, the unit of work, backups."""
