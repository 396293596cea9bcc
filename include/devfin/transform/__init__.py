"""The transform stage: dbt runs of the marts, their manifest, their ledger rows and published
docs, and the marts DAG's tasks answering for the nodes of its one build."""
