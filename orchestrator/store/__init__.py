"""Durable state of the daemons: one SQLite file each, schema versioned by migrations."""
