"""A local ICE + RAM endpoint: real signatures, RAM enforcement, a SQLite job store."""
