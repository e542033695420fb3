"""``python -m deltaprop`` runs the command line (see :mod:`deltaprop.cli`)."""

import sys

from .cli import main

sys.exit(main())
