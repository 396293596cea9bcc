"""Several dbt commands in one child process.

    python -m devfin.transform.dbt_session RESULTS STEP...

Starting dbt costs seconds (its imports, reading the project): commands that follow one another
(`dbt build`, `dbt source freshness`, `dbt docs generate`) share one start here, through dbt's
programmatic runner. Each STEP is a JSON object: `args`, the dbt arguments, and `manifest_from`,
a compiled `manifest.json` copied into the step's target folder first (for `--no-compile`), or
null. RESULTS is the file that receives each command's exit code as a JSON list, as the dbt
executable would return it: 0 done, 1 a node failed, 2 dbt itself failed.
"""

from __future__ import annotations

import json
import shutil
import sys
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    results_path, *steps = argv
    codes = []
    for step in map(json.loads, steps):
        args = step["args"]
        if step.get("manifest_from"):
            target = Path(args[args.index("--target-path") + 1])
            try:
                shutil.copyfile(step["manifest_from"], target / "manifest.json")
            except OSError as error:
                print(f"cannot start {target} from {step['manifest_from']}: {error}")
                codes.append(2)
                continue
        try:
            outcome = dbtRunner().invoke(args)
        except Exception:  # dbt raising instead of reporting: a failed command, not a crash
            traceback.print_exc()
            codes.append(2)
            continue
        codes.append(0 if outcome.success else 1 if outcome.exception is None else 2)
    Path(results_path).write_text(json.dumps(codes))
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
