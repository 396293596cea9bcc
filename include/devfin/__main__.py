"""`python -m devfin`."""

import sys

from devfin.cli import main

sys.exit(main())
