"""The quality gate: the GX suites and their run, the derived check columns, and fill-rate
drift."""
