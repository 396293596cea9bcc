"""The extract stage: which sheets to fetch (discovery), polite HTTP, the local folder source,
the archive of every body, and the fetch outcomes."""
