"""The load stage: the warehouse contract and its bulk loads, the quarantine, and the lock that
keeps DuckDB's writers in turn."""
