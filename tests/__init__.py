"""devfin's tests; a package so helpers import as `tests.<module>` however pytest is run."""
