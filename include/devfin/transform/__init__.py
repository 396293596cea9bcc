"""The transform stage: dbt runs of the marts, their manifest, their ledger rows and published
docs."""
