"""``python -m sim.cli``: the ``coalsim`` command."""

import sys

from sim.cli import main

sys.exit(main())
