"""Names made safe as one path component (run ids, sheet ids), distinct for distinct names."""

from __future__ import annotations

import hashlib


def path_component(name: str) -> str:
    """`name` as one file or folder name: readable, and distinct for distinct names.

    Airflow run ids hold ':' and '+'; a sheet id could hold '/'. Unsafe characters become '_',
    and a name that had to change gets a short hash of the original, so "a:b" and "a_b" never
    share a folder.
    """
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".")
    if safe != name:
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return safe
